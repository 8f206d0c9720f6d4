"""`python -m cards`: build the cards of a run, check any card.

Known errors (`CardsError`, and `AnnotateError` such as a missing run-folder input, which names the
command that makes it) end as one line on stderr and exit code 1; anything else is a bug and keeps its
traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from annotate.errors import AnnotateError
from cards.errors import CardsError

app = typer.Typer(
    help="Dataset and model cards from the measured facts of a run folder (English, Spanish), and a checker.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
RunOption = Annotated[Path, typer.Option("--run", help="The run folder, e.g. runs/demo.")]


@app.callback()
def _group() -> None:
    """Dataset and model cards from the measured facts of a run folder (English, Spanish), and a checker."""


@app.command()
def build(
    run: RunOption,
    dataset_id: Annotated[
        str | None,
        typer.Option(help="Hub id of the dataset (model cards' `datasets`). Default: the run name."),
    ] = None,
    model_id: Annotated[
        str | None, typer.Option(help="Hub id of the model. Default: <run name>-<task>.")
    ] = None,
    check: Annotated[
        bool, typer.Option(help="Check the new cards against the run before replacing the old.")
    ] = True,
) -> None:
    """Measure the run and write bias.json, privacy.json and the cards (README.md + README_ES.md + plots).

    Writes runs/NAME/cards/dataset/ and, for each models/<task>/ with a metrics.json, cards/model-<task>/.
    The cards folder is replaced as a whole, only if the new cards pass `cards check`.

    Example: python -m cards build --run runs/demo --dataset-id somosnlp/farmacos-es
    """
    from cards.build import build_cards

    result = build_cards(run, dataset_id=dataset_id, model_id=model_id, check=check)
    for path in result.files:
        typer.echo(str(path))
    for warning in result.warnings:
        typer.echo(f"warning: {warning}", err=True)


@app.command("check")
def check_command(
    path: Annotated[
        Path, typer.Argument(help="A card (README.md) or a folder of cards (checked recursively).")
    ],
    run: Annotated[
        Path | None, typer.Option("--run", help="Also check every number against this run folder.")
    ] = None,
    kind: Annotated[str | None, typer.Option(help="dataset or model (default: from the metadata).")] = None,
    task: Annotated[
        str | None, typer.Option(help="The model's task for a model card (default: its folder).")
    ] = None,
) -> None:
    """Check a card against the hackathon's requirements and the Hub's card spec; exit 1 on any gap.

    Required sections present and not empty, no placeholders, valid Hub metadata (license, language,
    model-index, co2_eq_emissions...), and with --run every number consistent with the run folder.

    Example: python -m cards check runs/demo/cards --run runs/demo
    """
    from cards.check import check_card
    from cards.check_numbers import known_from_run

    if kind not in (None, "dataset", "model"):
        raise CardsError(f"--kind {kind!r}: use dataset or model")
    if not path.exists():
        raise CardsError(f"{path}: no such card or folder")
    cards = sorted(path.rglob("README*.md")) if path.is_dir() else [path]
    if not cards:
        raise CardsError(f"{path}: no README*.md in this folder")
    known = known_from_run(run) if run is not None else None
    failed = 0
    for card in cards:
        gaps = check_card(card, kind=kind, task=task, known=known)
        failed += bool(gaps)
        typer.echo(f"{card}: {'ok' if not gaps else f'{len(gaps)} gaps'}")
        for gap in gaps:
            typer.echo(f"  {gap}")
    if failed:
        raise typer.Exit(1)


def main() -> None:
    try:
        app()
    except (CardsError, AnnotateError) as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(1)
