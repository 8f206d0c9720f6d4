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
- the header reads back unchanged through huggingface_hub's card data classes, and no line holds a folder
  of this machine (`cards.check.truth`);
- with a run folder, every number agrees with it (`cards.check.numbers`), `base_model` is the Hub id of the
  weights tuned, and no sentence calls simulated answers people's work (`cards.check.truth`);
- with `hub` (the repos `demo publish` stages the cards for), the cards name them (`cards.check.published`).
The card kind is "space" when its metadata has `sdk` (a Space README: header, paths and repo ids only),
"model" when it has `model-index`, `base_model` or `pipeline_tag`, else "dataset"; `kind=` overrides.
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
from cards.check.numbers import check_numbers, model_task
from cards.check.published import check_published
from cards.check.truth import check_base_model, check_machine_paths, check_people
from cards.errors import CardNotFoundError, CardOptionError
from cards.measure.context import HubRepos

KINDS = ("dataset", "model", "space")


@dataclass(frozen=True)
class CheckReport:
    """The gaps of each card checked, in path order (an empty list: the card passes)."""

    cards: dict[Path, list[Gap]]

    @property
    def failed(self) -> int:
        return sum(bool(gaps) for gaps in self.cards.values())


def card_kind(metadata: dict[str, Any], path: Path) -> str:
    if "sdk" in metadata:
        return "space"
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
    hub: HubRepos | None = None,
) -> list[Gap]:
    """Every gap of the card at `path` (empty when it passes); numbers, base model and annotators are
    checked against `known` (or the run folder `run`) when given, the repo ids against `hub` when given."""
    page = parse(path.read_text(encoding="utf-8"))
    metadata, gaps = read_metadata(path, page)
    kind = kind or card_kind(metadata, path)
    gaps += check_metadata(path, page, metadata, kind)
    gaps += check_machine_paths(path, page) + check_placeholders(path, page)
    if kind != "space":
        gaps += check_sections(path, page, kind)
    if kind != "space" and (run is not None or known is not None):
        known = known or known_from_run(run)
        gaps += check_numbers(path, page, metadata, kind, known, task)
        gaps += check_people(path, page, known)
        if kind == "model" and (model := model_task(path, known, task)):
            gaps += check_base_model(path, page, metadata, known, model)
    if hub is not None:
        model = task or (path.parent.name.removeprefix("model-") if kind == "model" else None)
        gaps += check_published(path, page, metadata, kind, hub, model)
    return gaps


def check_cards(
    path: Path,
    run: Path | None = None,
    *,
    kind: str | None = None,
    task: str | None = None,
    published: str | None = None,
) -> CheckReport:
    """Check the card at `path`, or every README*.md below the folder `path`; the run's values are
    measured once for all of them. `published` (ORG/NAME): the cards are staged for publishing as that
    dataset repo, with ORG/NAME-<task> for each model of the run and ORG/NAME-demo for the Space."""
    if kind not in (None, *KINDS):
        raise CardOptionError(f"--kind {kind!r}: use dataset, model or space")
    if published is not None and (published.count("/") != 1 or not all(published.split("/"))):
        raise CardOptionError(f"--published {published!r}: give the dataset repo as ORG/NAME")
    if not path.exists():
        raise CardNotFoundError(f"{path}: no such card or folder")
    cards = sorted(path.rglob("README*.md")) if path.is_dir() else [path]
    if not cards:
        raise CardNotFoundError(f"{path}: no README*.md in this folder")
    known = known_from_run(run) if run is not None else None
    hub = None
    if published is not None:
        tasks = sorted(known.context.model_facts) if known else sorted(model_folders(cards))
        hub = HubRepos.named(published, tasks)
    return CheckReport({card: check_card(card, kind=kind, task=task, known=known, hub=hub) for card in cards})


def model_folders(cards: list[Path]) -> set[str]:
    """The model tasks of the cards' folders (`model-<task>/`), when no run folder says which there are."""
    return {c.parent.name.removeprefix("model-") for c in cards if c.parent.name.startswith("model-")}
