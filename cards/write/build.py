"""`python -m cards build`: measure the run, write bias.json and privacy.json, then the cards.

    result = build_cards(Path("runs/demo"))
    result.files   # bias.json, privacy.json, cards/dataset/README.md + README_ES.md + plots, cards/model-ner/

The cards folder is written aside and replaced as a whole (`RunFolder.atomic_dir`), and only after the
new cards pass `cards check` against the same run: a card that states a number the run folder does not
have is a bug, and leaves the previous cards in place. Hub fields the run cannot fill (a base model that
is a local path, so no `base_model`) are returned as warnings instead.

    cards = publication_cards(Path("runs/demo"), staging, HubRepos.named("somosnlp/demo", ["ner"]))

`publication_cards` writes the same cards for publishing (`demo publish`): with the repo ids (`datasets:
[ORG/NAME]`, snippets that load ORG/NAME-<task>, links by Hub URL), into a staging folder, from the
bias.json and privacy.json `cards build` wrote, and checked with those ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cards.check.card import check_card
from cards.check.gap import Gap
from cards.check.known import known_values
from cards.errors import CardGapsError
from cards.measure.context import CardContext, HubRepos, measure_run
from cards.write.dataset_card import write_dataset_card
from cards.write.model_card import write_model_card
from runfolder import MADE_BY, RunFolder, write_json


@dataclass(frozen=True)
class BuildResult:
    files: list[Path]
    cards: list[Path]
    warnings: list[str] = field(default_factory=list)  # Hub fields the run cannot fill (see `Gap.kind`)


def self_check(
    cards: list[Path], context: CardContext, what: str = "the previous cards are kept", fix: str = ""
) -> list[Gap]:
    """The warnings (`Gap.kind` "field") of the new cards checked against `context` (and its Hub repos);
    any other gap raises `CardGapsError`, so that the previous cards stay."""
    known = known_values(context)
    gaps = [gap for card in cards for gap in check_card(card, known=known, hub=context.hub)]
    content = [gap for gap in gaps if gap.kind != "field"]
    if content:
        listing = "; ".join(str(g) for g in content[:5])
        raise CardGapsError(
            f"the new cards fail their own check ({len(content)} gaps: {listing}); {what}. This is a bug "
            f"in cards: report it{fix}",
            content,
        )
    return [gap for gap in gaps if gap.kind == "field"]


def skipped_models(run: RunFolder) -> list[str]:
    """One warning per `models/<task>/` without metrics.json: which model card was not written, and the
    command that makes the file."""
    folders = sorted(
        p
        for p in run.models.glob("*")  # not the notebooks' staging folders (.ner-staging.*) a crash leaves
        if p.is_dir() and not p.name.startswith(".") and not (p / "metrics.json").exists()
    )
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
        warnings = (
            self_check(cards, context, fix=", or pass --no-check to write them anyway") if check else []
        )
        relative = [card.relative_to(tmp) for card in cards]
        written = sorted(p.relative_to(tmp) for p in tmp.rglob("*") if p.is_file())
    return BuildResult(
        files=[run.bias, run.privacy, *(run.cards / p for p in written)],
        cards=[run.cards / p for p in relative],
        warnings=skipped_models(run) + [str(w).replace(str(tmp), str(run.cards)) for w in warnings],
    )


def publication_cards(path: Path, out: Path, hub: HubRepos) -> BuildResult:
    """The cards of the run at `path` as published to `hub`'s repos: `out`/dataset/ and
    `out`/model-<task>/ (README.md, README_ES.md, plots), from the run's bias.json and privacy.json, checked
    with the repo ids; a gap other than a Hub field the run cannot fill raises `CardGapsError`."""
    run = RunFolder(path)
    bias, privacy = run.read_json(run.require(run.bias)), run.read_json(run.require(run.privacy))
    context = measure_run(run, bias=bias, privacy=privacy, hub=hub)
    cards = write_dataset_card(out / "dataset", context)
    for task in context.models:
        cards += write_model_card(out / f"model-{task}", context, task)
    warnings = self_check(cards, context, what="nothing was published")
    return BuildResult(
        files=sorted(p for p in out.rglob("*") if p.is_file()),
        cards=cards,
        warnings=[str(w) for w in warnings],
    )
