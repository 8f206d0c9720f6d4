"""`python -m cards`: build the cards of a run, check any card.

Each command checks its arguments and calls one library function (`cards.write.build_cards`,
`cards.check.card.check_cards`), then prints. Known errors (`CardsError`, and `RunFolderError`: a
missing or malformed run-folder input, which names the command that makes it) end as one line on stderr
and exit code 1; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from cards.check.card import check_cards
from cards.errors import CardsError
from cards.write import build_cards
from runfolder import RunFolderError

HELP = (
    "Dataset and model cards (English, Spanish) from the measured facts of a run folder, and a checker "
    "for any card.\n\nExample: python -m cards build --run runs/demo, then python -m cards check "
    "runs/demo/cards --run runs/demo"
)
app = typer.Typer(
    help=HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
RunOption = Annotated[Path, typer.Option("--run", help="The run folder, e.g. runs/demo.")]


@app.callback()
def _group() -> None:
    """Dataset and model cards (English, Spanish) from the measured facts of a run folder, and a checker."""


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
    kind: Annotated[
        str | None, typer.Option(help="dataset, model or space (default: from the metadata).")
    ] = None,
    task: Annotated[
        str | None, typer.Option(help="The model's task for a model card (default: its folder).")
    ] = None,
    published: Annotated[
        str | None,
        typer.Option(
            help="ORG/NAME: the cards are staged for publishing as this dataset repo (models "
            "ORG/NAME-<task>, Space ORG/NAME-demo); check that they name those repos."
        ),
    ] = None,
) -> None:
    """Check a card (or a Space README) against the hackathon's requirements and the Hub's card spec; exit 1
    on any gap.

    Required sections present and not empty, no placeholders, valid Hub metadata (license, language,
    model-index, co2_eq_emissions...) that huggingface_hub reads back unchanged, no folder of this machine;
    with --run every number consistent with the run folder, base_model the Hub id of the weights tuned
    (training.json), and no people claimed where `annotate simulate` gave the answers; with --published
    the repo ids of the publication.

    Example: python -m cards check runs/demo/cards --run runs/demo
    """
    report = check_cards(path, run, kind=kind, task=task, published=published)
    for card, gaps in report.cards.items():
        typer.echo(f"{card}: {'ok' if not gaps else f'{len(gaps)} gaps'}")
        for gap in gaps:
            typer.echo(f"  {gap}")
    if report.failed:
        raise typer.Exit(1)


def main() -> None:
    try:
        app()
    except (CardsError, RunFolderError) as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(1)
