"""`python -m cards check`: a card (ours or hand-written) against the hackathon's requirements and the
Hub's card spec.

    gaps = check_card(Path("runs/demo/cards/dataset/README.md"), run=Path("runs/demo"))
    for gap in gaps: print(gap)      # README.md:42: section "Bias" is empty: write ...
    report = check_cards(Path("runs/demo/cards"), run=Path("runs/demo"))   # every README*.md below

What is checked:
- the YAML header parses, the Hub reads it (`DatasetCard`/`ModelCard`), and the required fields are there
  and valid (`cards.check.metadata`);
- the required sections exist and are not empty, and no placeholder is left ("[More Information
  Needed]", TODO, XX, Lorem, unrendered template expressions) (`cards.check.content`);
- with a run folder, every number agrees with it (`cards.check.numbers`).
The card kind is "model" when its metadata has `model-index`, `base_model` or `pipeline_tag`, else
"dataset"; `kind=` overrides.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cards.check.content import check_placeholders, check_sections
from cards.check.gap import Gap
from cards.check.known import Known, known_from_run
from cards.check.markdown import parse
from cards.check.metadata import check_metadata, read_metadata
from cards.check.numbers import check_numbers
from cards.errors import CardNotFoundError, CardOptionError

KINDS = ("dataset", "model")


@dataclass(frozen=True)
class CheckReport:
    """The gaps of each card checked, in path order (an empty list: the card passes)."""

    cards: dict[Path, list[Gap]]

    @property
    def failed(self) -> int:
        return sum(bool(gaps) for gaps in self.cards.values())


def card_kind(metadata: dict[str, Any], path: Path) -> str:
    if any(k in metadata for k in ("model-index", "base_model", "pipeline_tag")):
        return "model"
    if any(k in metadata for k in ("task_categories", "size_categories", "annotations_creators")):
        return "dataset"
    return "model" if path.parent.name.startswith("model") else "dataset"


def check_card(
    path: Path,
    run: Path | None = None,
    *,
    kind: str | None = None,
    task: str | None = None,
    known: Known | None = None,
) -> list[Gap]:
    """Every gap of the card at `path` (empty when it passes); numbers are checked against `known` (or the
    run folder `run`) when given."""
    page = parse(path.read_text(encoding="utf-8"))
    metadata, gaps = read_metadata(path, page)
    kind = kind or card_kind(metadata, path)
    gaps += check_metadata(path, page, metadata, kind)
    gaps += check_sections(path, page, kind)
    gaps += check_placeholders(path, page)
    if run is not None or known is not None:
        known = known or known_from_run(run)
        gaps += check_numbers(path, page, metadata, kind, known, task)
    return gaps


def check_cards(
    path: Path, run: Path | None = None, *, kind: str | None = None, task: str | None = None
) -> CheckReport:
    """Check the card at `path`, or every README*.md below the folder `path`; the run's values are
    measured once for all of them."""
    if kind not in (None, *KINDS):
        raise CardOptionError(f"--kind {kind!r}: use dataset or model")
    if not path.exists():
        raise CardNotFoundError(f"{path}: no such card or folder")
    cards = sorted(path.rglob("README*.md")) if path.is_dir() else [path]
    if not cards:
        raise CardNotFoundError(f"{path}: no README*.md in this folder")
    known = known_from_run(run) if run is not None else None
    return CheckReport({card: check_card(card, kind=kind, task=task, known=known) for card in cards})
