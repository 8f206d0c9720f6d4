"""`python -m cards build`: measure the run, write bias.json and privacy.json, then the cards.

    result = build_cards(Path("runs/demo"))
    result.files   # bias.json, privacy.json, cards/dataset/README.md + README_ES.md + plots, cards/model-ner/

The cards folder is written aside and replaced as a whole (`RunFolder.atomic_dir`), and only after the
new cards pass `cards check` against the same run: a card that states a number the run folder does not
have is a bug, and leaves the previous cards in place. Hub fields the run cannot fill (a base model that
is a local path, so no `base_model`) are returned as warnings instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cards.check.card import check_card
from cards.check.gap import Gap
from cards.check.known import known_values
from cards.errors import CardGapsError
from cards.measure.context import CardContext, measure_run
from cards.write.dataset_card import write_dataset_card
from cards.write.model_card import write_model_card
from runfolder import MADE_BY, RunFolder, write_json


@dataclass(frozen=True)
class BuildResult:
    files: list[Path]
    cards: list[Path]
    warnings: list[str] = field(default_factory=list)  # Hub fields the run cannot fill (see `Gap.kind`)


def self_check(cards: list[Path], context: CardContext) -> list[Gap]:
    """The warnings (`Gap.kind` "field") of the new cards checked against `context`; any other gap raises
    `CardGapsError`, so that the previous cards stay."""
    known = known_values(context)
    gaps = [gap for card in cards for gap in check_card(card, known=known)]
    content = [gap for gap in gaps if gap.kind != "field"]
    if content:
        listing = "; ".join(str(g) for g in content[:5])
        raise CardGapsError(
            f"the new cards fail their own check ({len(content)} gaps: {listing}); the previous cards "
            "are kept. This is a bug in cards: report it, or pass --no-check to write them anyway",
            content,
        )
    return [gap for gap in gaps if gap.kind == "field"]


def skipped_models(run: RunFolder) -> list[str]:
    """One warning per `models/<task>/` without metrics.json: which model card was not written, and the
    command that makes the file."""
    folders = sorted(p for p in run.models.glob("*") if p.is_dir() and not (p / "metrics.json").exists())
    warnings = []
    for folder in folders:
        command = MADE_BY.get(f"models/{folder.name}", "the training notebook").format(run=run.path)
        warnings.append(
            f"skipped cards/model-{folder.name}: models/{folder.name}/metrics.json is missing "
            f"(made by {command})"
        )
    return warnings


def build_cards(
    path: Path, *, dataset_id: str | None = None, model_id: str | None = None, check: bool = True
) -> BuildResult:
    """Measure the run at `path`, write bias.json, privacy.json and cards/ (replaced as a whole, only if
    the new cards pass their own check when `check`)."""
    run = RunFolder(path)
    context = measure_run(run, dataset_id, model_id)
    write_json(run.bias, context.bias)
    write_json(run.privacy, context.privacy)
    with run.atomic_dir(run.cards) as tmp:
        cards = write_dataset_card(tmp / "dataset", context)
        for task in context.models:
            cards += write_model_card(tmp / f"model-{task}", context, task)
        warnings = self_check(cards, context) if check else []
        relative = [card.relative_to(tmp) for card in cards]
        written = sorted(p.relative_to(tmp) for p in tmp.rglob("*") if p.is_file())
    return BuildResult(
        files=[run.bias, run.privacy, *(run.cards / p for p in written)],
        cards=[run.cards / p for p in relative],
        warnings=skipped_models(run) + [str(w).replace(str(tmp), str(run.cards)) for w in warnings],
    )
