"""Splitting documents into sentences or paragraphs (Argilla records) that never cut an entity.

    Paciente de 54 años en tratamiento con metformina 850 mg. cada 12 h. Acude por dolor.\\n
    Se pauta insulina glargina 2.5 UI/kg, p. ej. en dosis nocturna. El Dr. Pérez la revisa.

    sentence -> "Paciente ... 12 h." | "Acude por dolor." | "Se pauta ... nocturna." |
                "El Dr. Pérez la revisa."
    paragraph -> one segment per line; none -> the whole document

A sentence ends at ".", "!", "?" or "…" (and closing quotes/brackets) followed by whitespace and an
uppercase letter, a digit, "¿" or "¡", or by a line break; every line break also ends one. Not after
abbreviations ("Dr.", "p. ej.", "i.v.", "aprox."), a lowercase initial, a list number at the start of
a line ("1."), or a unit followed by a number or a route ("5 mg. IV"). Decimals ("2.5")
have no whitespace after the point. When a boundary would fall inside an entity (or between the
fragments of a discontinuous one), the segments around it are merged, so each entity lies in one
segment and `segment.start + local offset == document offset` for every fragment.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from annotate.corpus.model import Document, Entity

MODES = ("sentence", "paragraph", "none")

_END = re.compile(r"[.!?…]+[\"'»”’)\]]*(\s+)")
_LINE_BREAK = re.compile(r"\s*\n\s*")
_ABBREVIATIONS = frozenset(
    """dr dra dres sr sra sres srta dña prof lic ing pág págs pp ej aprox approx vs núm nº fig figs tab cap
    vol art cf cfr dcha dcho izq izqda izda izdo ant post sup inf máx mín ca col cols tel tlf av avda hosp
    serv dpto depto ud uds sig sigs al ac ag""".split()  # noqa: SIM905 (a word list reads better so)
)
_UNITS = frozenset(
    "mg g kg µg mcg ug ng pg ml l dl cl mm cm m mmol mol meq mui ui u h hrs min seg s cc mmhg lpm rpm".split()  # noqa: SIM905
)
_ROUTES = frozenset({"IV", "VO", "SC", "IM", "EV", "IT", "SL"})  # "5 mg. IV": a route, not a new sentence
_DOTTED = re.compile(r"(?:[^\W\d_]{1,5}\.)+[^\W\d_]{1,5}")  # "i.v", "EE.UU", "P.A"


@dataclass(frozen=True)
class Segment:
    """A piece `[start, end)` of document `doc_id`; its entities have offsets relative to `start`."""

    doc_id: str
    index: int
    start: int
    end: int
    text: str
    entities: tuple[Entity, ...] = ()

    @property
    def id(self) -> str:
        return f"{self.doc_id}#{self.index}"


def segment(doc: Document, mode: str = "sentence") -> list[Segment]:
    """`doc` cut into sentences, paragraphs (lines) or not at all (`mode="none"`)."""
    if mode not in MODES:
        raise ValueError(f"segment mode {mode!r} is not one of {', '.join(MODES)}")
    if mode == "none":
        return [Segment(doc.id, 0, 0, len(doc.text), doc.text, doc.entities)]
    gaps = (
        _line_gaps(doc.text)
        if mode == "paragraph"
        else sorted(_line_gaps(doc.text) | _sentence_gaps(doc.text))
    )
    extents = _merged(sorted((entity.start, entity.end) for entity in doc.entities))
    starts = [start for start, _ in extents]
    kept = [gap for gap in sorted(gaps) if not _inside(gap, starts, extents)]
    bounds = list(zip([0] + [n for _, n in kept], [b for b, _ in kept] + [len(doc.text)], strict=True))
    return _segments(doc, bounds)


def _segments(doc: Document, bounds: list[tuple[int, int]]) -> list[Segment]:
    entities = sorted(doc.entities, key=lambda entity: entity.start)
    segments: list[Segment] = []
    position = 0
    for start, end in bounds:
        inside = []
        while position < len(entities) and entities[position].start < end:
            inside.append(entities[position])
            position += 1
        piece = doc.text[start:end]
        lo = min([start + len(piece) - len(piece.lstrip())] + [e.start for e in inside])
        hi = max([end - len(piece) + len(piece.rstrip())] + [e.end for e in inside])
        if lo < hi:
            local = tuple(entity.shifted(-lo) for entity in inside)
            segments.append(Segment(doc.id, len(segments), lo, hi, doc.text[lo:hi], local))
    return segments


def _line_gaps(text: str) -> set[tuple[int, int]]:
    return {(m.start(), m.end()) for m in _LINE_BREAK.finditer(text)}


def _sentence_gaps(text: str) -> set[tuple[int, int]]:
    gaps = set()
    for match in _END.finditer(text):
        gap_start, gap_end = match.span(1)
        if gap_end < len(text) and _ends_sentence(text, match.start(), gap_start, gap_end):
            gaps.add((gap_start, gap_end))
    return gaps


def _ends_sentence(text: str, punct: int, gap_start: int, gap_end: int) -> bool:
    """Whether the punctuation at `punct`, followed by whitespace `[gap_start, gap_end)`, ends a sentence."""
    if "\n" in text[gap_start:gap_end]:
        return True
    following = text[gap_end : gap_end + 12].split(maxsplit=1)[0]
    first = following.lstrip("\"'«“(")[:1]
    if not (first.isupper() or first.isdigit() or following[0] in "¿¡"):
        return False
    if text[punct] != "." or text[punct : punct + 2] == "..":
        return True
    line_start = text.rfind("\n", 0, punct) + 1
    word = text[line_start:punct].rsplit(maxsplit=1)[-1] if text[line_start:punct].strip() else ""
    return not _abbreviation(
        word.lstrip("([«\"'"), following, at_line_start=text[line_start:punct].strip() == word
    )


def _abbreviation(word: str, following: str, at_line_start: bool) -> bool:
    low = word.lower()
    if low in _UNITS:  # "1 g. A los 3 meses" ends a sentence; "5 mg. IV", "2 mg. 3 veces al día" do not
        next_word = following.strip(".,;:()")
        return next_word[:1].isdigit() or next_word in _ROUTES
    if low in _ABBREVIATIONS or _DOTTED.fullmatch(word) or (len(word) == 1 and word.islower()):
        return True
    return word.isdigit() and len(word) <= 2 and at_line_start  # "1. Paciente ..." (a numbered list)


def _merged(extents: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in extents:
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _inside(gap: tuple[int, int], starts: list[int], extents: list[tuple[int, int]]) -> bool:
    """Whether some entity overlaps the gap `[b, n)` (cutting there would cut it or leave it out)."""
    b, n = gap
    index = bisect.bisect_left(starts, n) - 1
    return index >= 0 and extents[index][1] > b
