"""Just enough Markdown for the checker: the YAML header, headings, sections, tables, prose lines.

    page = parse(Path("README.md").read_text())
    page.metadata            # the YAML text between the leading --- lines (None when absent)
    page.sections            # Section(level, title, line, end): a heading and the lines under it
    page.tables              # Table(line, header, rows, headings): headings = the titles above it
    page.prose               # (line number, text) outside code blocks, HTML comments and the header

Line numbers are those of the file (1-based), so a gap can say where to write. `detect_language(path)`:
the card's language from its file name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")


@dataclass(frozen=True)
class Section:
    level: int
    title: str
    line: int
    end: int  # last line (inclusive) before the next heading of the same or a higher level


@dataclass(frozen=True)
class Table:
    line: int
    header: list[str]
    rows: list[tuple[int, list[str]]]
    headings: tuple[str, ...]  # titles of the sections containing the table, outermost first


@dataclass
class Page:
    lines: list[str]
    metadata: str | None = None
    metadata_lines: tuple[int, int] | None = None
    sections: list[Section] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    prose: list[tuple[int, str]] = field(default_factory=list)

    def content(self, section: Section) -> list[tuple[int, str]]:
        """Prose lines under `section` (subsections included), headings excluded."""
        return [(n, t) for n, t in self.prose if section.line < n <= section.end and not HEADING.match(t)]


def _front_matter(lines: list[str]) -> tuple[str | None, tuple[int, int] | None]:
    if not lines or lines[0].strip() != "---":
        return None, None
    for i in range(1, len(lines)):
        if lines[i].strip() == "---":
            return "\n".join(lines[1:i]), (1, i + 1)
    return None, None


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def parse(text: str) -> Page:
    lines = text.splitlines()
    metadata, span = _front_matter(lines)
    page = Page(lines=lines, metadata=metadata, metadata_lines=span)
    start = span[1] if span else 0
    in_code = in_comment = False
    headings: list[tuple[int, str, int]] = []
    for index in range(start, len(lines)):
        number, line = index + 1, lines[index]
        if FENCE.match(line):
            in_code = not in_code
            continue
        if in_code:
            continue
        if in_comment or "<!--" in line:
            in_comment = "-->" not in line.split("<!--")[-1]
            line = re.sub(r"<!--.*?(-->|$)", "", line)
            if not line.strip():
                continue
        page.prose.append((number, line))
        if match := HEADING.match(line):
            headings.append((len(match.group(1)), match.group(2).strip(), number))
    for i, (level, title, number) in enumerate(headings):
        end = next((n - 1 for lv, _, n in headings[i + 1 :] if lv <= level), len(lines))
        page.sections.append(Section(level, title, number, end))
    page.tables = _tables(page)
    return page


def _tables(page: Page) -> list[Table]:
    tables: list[Table] = []
    prose = page.prose
    i = 0
    while i < len(prose) - 1:
        number, line = prose[i]
        following = prose[i + 1][1]
        if line.lstrip().startswith("|") and re.fullmatch(
            r"\s*\|?(\s*:?-{2,}:?\s*\|)+\s*:?-*:?\s*\|?\s*", following
        ):
            rows = []
            j = i + 2
            while (
                j < len(prose) and prose[j][1].lstrip().startswith("|") and prose[j][0] == prose[j - 1][0] + 1
            ):
                rows.append((prose[j][0], _cells(prose[j][1])))
                j += 1
            above = tuple(s.title for s in page.sections if s.line < number <= s.end)
            tables.append(Table(number, _cells(line), rows, above))
            i = j
        else:
            i += 1
    return tables


def detect_language(path: Path) -> str:
    """The card's language from its file name: "es" for README_ES.md (or card.es.md), else "en"."""
    return "es" if re.search(r"[_.-]es\.md$", path.name, re.IGNORECASE) else "en"
