"""Every number of a card against the run folder.

    known = known_from_run(Path("runs/demo"))     # cards.check.known: every number the run has
    gaps = check_numbers(path, page, metadata, "model", known, task="ner")

Two passes. Targeted (`cards.check.tables`): the tables and fields whose meaning is known - F1 per label,
sizes per split, agreement, the `model-index` and `co2_eq_emissions` - must equal the value of that very
fact. Generic: any other number in the prose must print some value of the run folder at the precision
shown (a percentage as 100 times a fraction); code blocks, inline code, links, dates and version numbers
are not numbers of the card.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from cards.check.gap import Gap
from cards.check.known import Known
from cards.check.markdown import Page
from cards.check.tables import check_tables, check_yaml_numbers
from cards.measure.notation import Number, find_numbers

NOT_NUMBERS = re.compile(
    r"`[^`]*`"  # inline code
    r"|\]\([^)]*\)"  # link and image targets
    r"|https?://\S+"
    r"|\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?"  # ISO dates and times
    r"|\b\d+(?:\.\d+){2,}\b"  # versions 3.3.2
    r"|\((?:[^()]*,\s*)?(?:19|20)\d\d[a-z]?\)"  # cited years: (2004), (Krippendorff, 2004)
    r"|(?!\d+(?:[.,]\d+)?[eE][-+]?\d+\b)"  # (not 5e-05, a number)
    r"(?:\b[\w-]*[A-Za-z][\w-]*\d[\w-]*\b|\b\d+[A-Za-z_][\w-]*\b)"  # identifiers: CO2, F1, x86_64, 2nd
)

CITATION = r"citation|\bcita|reference|referencia|bibliograf"


def prose_numbers(page: Page, skip_lines: set[int]) -> list[tuple[int, list[Number]]]:
    """Numbers of the prose and tables, except on `skip_lines` (where a targeted check already spoke) and in
    citation sections (years, volumes and pages are not measurements)."""
    citations = [s for s in page.sections if re.search(CITATION, s.title, re.IGNORECASE)]
    skip = skip_lines | {n for s in citations for n in range(s.line, s.end + 1)}
    found = []
    for number, line in page.prose:
        if number not in skip:
            found += [(number, options) for options in find_numbers(NOT_NUMBERS.sub(" ", line))]
    return found


def model_task(path: Path, known: Known, task: str | None) -> str | None:
    tasks = sorted(known.context.model_facts)
    if task:
        return task
    folder = path.parent.name
    if folder.startswith("model-") and folder[len("model-") :] in tasks:
        return folder[len("model-") :]
    return tasks[0] if len(tasks) == 1 else None


def check_numbers(
    path: Path, page: Page, metadata: dict[str, Any], kind: str, known: Known, task: str | None = None
) -> list[Gap]:
    gaps: list[Gap] = []
    model = model_task(path, known, task) if kind == "model" else None
    if kind == "model" and model is None:
        tasks = ", ".join(sorted(known.context.model_facts)) or "none"
        gaps.append(
            Gap(
                path,
                None,
                f"cannot tell which model this card is about (models in the run: {tasks}); "
                "pass --task or keep the card in cards/model-<task>/",
            )
        )
    gaps += check_yaml_numbers(path, page, metadata, known, model)
    gaps += check_tables(path, page, known, model)
    for line, options in prose_numbers(page, {gap.line for gap in gaps if gap.line}):
        if not any(known.matches(option) for option in options):
            nearest = known.nearest(options[0])
            hint = f" (nearest: {nearest.name} = {nearest.value:.6g} in {nearest.source})" if nearest else ""
            gaps.append(
                Gap(
                    path,
                    line,
                    f"{options[0].text.strip()} does not come from the run folder{hint}: "
                    "write the measured value or remove the number",
                )
            )
    return gaps
