"""`python -m annotate`: the command line of the annotation stage, a thin layer over the library.

Each command checks its options and calls one library function (`annotate.argilla.load.load`,
`annotate.argilla.export.export`, ...). Known errors (`AnnotateError`, and the run folder's
`RunFolderError`) end as one line on stderr and exit code 1; the Argilla SDK's and httpx's errors were
already turned into `AnnotateError`s by `annotate.argilla.api`; anything else is a bug and keeps its
traceback. The SDK itself (`argilla`), `datasets` and `transformers` are imported only inside the
functions that use them, so `--help` starts fast.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress

from annotate.argilla.client import connect, quiet_sdk
from annotate.argilla.client import dataset as find_dataset
from annotate.argilla.client import workspace as get_workspace
from annotate.argilla.curation import build_curation
from annotate.argilla.curators import Curation
from annotate.argilla.export import export as run_export
from annotate.argilla.load import LoadOptions
from annotate.argilla.load import load as run_load
from annotate.argilla.preannotate import SuggestOptions
from annotate.argilla.preannotate import suggest as run_suggest
from annotate.argilla.simulate import simulate as run_simulate
from annotate.argilla.team import create_team, default_secrets_file, read_team, record_annotators_kind
from annotate.errors import AnnotateError, OptionError
from annotate.hub import push_dataset, require_token
from annotate.local.serve import LocalArgilla, ServeOptions, banner
from annotate.quickstart import main as run_quickstart
from annotate.remix.samples import DEFAULT_TEMPLATES
from annotate.remix.samples import remix as run_remix
from runfolder import ANNOTATORS_KINDS, RunFolder, RunFolderError

app = typer.Typer(
    help="Corpus import -> Argilla projects -> local Argilla server -> export, agreement, adjudication.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _group() -> None:
    """Corpus import -> Argilla projects -> local Argilla server -> export, agreement, adjudication."""


AnnotatorsKind = Annotated[
    str | None,
    typer.Option(
        help="Who annotates: expert (domain experts: the card says expert-generated) or crowd "
        "(crowdsourced); recorded in RUN/run.json."
    ),
]


def checked_kind(kind: str | None) -> str | None:
    if kind is not None and kind not in ANNOTATORS_KINDS:
        raise OptionError(f"--annotators-kind {kind!r}: use {' or '.join(ANNOTATORS_KINDS)}")
    return kind


@app.command()
def serve(
    home: Annotated[Path, typer.Option(help="Folder for the database, credentials (0600) and logs.")] = Path(
        ".argilla"
    ),
    port: Annotated[int, typer.Option(help="Port of the Argilla API and UI.")] = 6900,
    host: Annotated[
        str, typer.Option(help="Interface to bind; 0.0.0.0 exposes it to your network.")
    ] = "127.0.0.1",
    database_url: Annotated[
        str | None,
        typer.Option(
            help="SQLAlchemy URL, e.g. postgresql://user@127.0.0.1:5432/argilla. Default: SQLite in HOME."
        ),
    ] = None,
    redis_url: Annotated[
        str | None, typer.Option(help="Use this Redis instead of the embedded Valkey.")
    ] = None,
    workers: Annotated[int, typer.Option(help="Argilla job workers.")] = 1,
) -> None:
    """Run a complete local Argilla (server + SQL search engine + Redis + job worker) until Ctrl-C.

    Prints ARGILLA_API_URL=... and ARGILLA_API_KEY=... (export them for every other command)
    and the UI login. The owner's password and API key are random and reused on restart.

    Example: python -m annotate serve --home .argilla --port 6900
    """
    options = ServeOptions(
        home=home, host=host, port=port, database_url=database_url, redis_url=redis_url, workers=workers
    )
    argilla = LocalArgilla(options)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        typer.echo(f"starting Argilla in {argilla.home} ...", err=True)
        argilla.start()
        if argilla.stale:
            typer.echo(f"stopped what a killed serve left running: {', '.join(argilla.stale)}", err=True)
        typer.echo(banner(argilla))
        sys.stdout.flush()
        while (dead := argilla.dead_child()) is None:
            time.sleep(1)
        raise dead.died("stopped unexpectedly")
    except KeyboardInterrupt:
        typer.echo("stopping Argilla ...", err=True)
    finally:
        argilla.stop()


@app.command()
def load(
    corpus: Annotated[
        Path, typer.Option(help="A brat folder, a BigBio JSON/JSONL file or hub name, a JSONL/CSV/text file.")
    ],
    dataset: Annotated[str, typer.Option(help="Name of the Argilla dataset to create or update.")],
    format: Annotated[str, typer.Option(help="brat | bigbio | jsonl | csv | text | auto.")] = "auto",
    task: Annotated[str, typer.Option(help="ner | classification.")] = "ner",
    workspace: Annotated[str | None, typer.Option(help="Argilla workspace (created if missing).")] = None,
    suggestions: Annotated[str | None, typer.Option(help="gold | lexicon:FILE | model:PATH_OR_ID.")] = None,
    min_submitted: Annotated[int, typer.Option(help="Annotators who must submit each record.")] = 1,
    segment: Annotated[
        str, typer.Option(help="sentence | paragraph | none: how documents become records.")
    ] = "sentence",
    licence: Annotated[str, typer.Option(help="Licence of the corpus, e.g. CC-BY-4.0.")] = "desconocida",
    source: Annotated[
        str | None, typer.Option(help="Where the corpus comes from (default: its folder name).")
    ] = None,
    skip_invalid: Annotated[
        bool, typer.Option(help="Go on past invalid annotations; list them in RUN/import_problems.jsonl.")
    ] = False,
    notes_db: Annotated[
        str | None, typer.Option(help="Database name for bare ids in brat notes, e.g. SNOMED-CT.")
    ] = None,
    run: Annotated[
        Path | None,
        typer.Option(help="Run folder for run.json and import_problems.jsonl (default runs/DATASET)."),
    ] = None,
    pretty_name: Annotated[str | None, typer.Option(help="Human name of the corpus, for the cards.")] = None,
    domain: Annotated[
        str | None, typer.Option(help="Domain of the texts, e.g. 'clinical case reports'.")
    ] = None,
    synthetic: Annotated[
        bool | None, typer.Option("--synthetic/--not-synthetic", help="Texts written for the project?")
    ] = None,
    country: Annotated[str | None, typer.Option(help="Country/variety of the Spanish, e.g. ES, MX.")] = None,
    annotators_kind: AnnotatorsKind = None,
) -> None:
    """Create (or update) an Argilla annotation project from a corpus.

    Every annotation is checked against its text first: by default any problem stops the load and
    nothing is created. Long documents become records (sentences or paragraphs) that keep their
    offsets; the corpus's own annotations travel with the records (for `simulate` and `export`).
    Talks to the Argilla in ARGILLA_API_URL / ARGILLA_API_KEY.

    Example: python -m annotate load --corpus ../shared/data/pharmaconer --format brat --task ner
    --dataset pharmaconer --suggestions gold --min-submitted 3 --licence CC-BY-4.0 --skip-invalid
    """
    os.environ.setdefault("TQDM_DISABLE", "1")  # the SDK's per-batch bars: `load` shows its own progress
    quiet_sdk()

    options = LoadOptions(
        corpus=corpus,
        dataset=dataset,
        format=format,
        task=task,
        workspace=workspace,
        suggestions=suggestions,
        min_submitted=min_submitted,
        segment=segment,
        licence=licence,
        source=source,
        skip_invalid=skip_invalid,
        notes_db=notes_db,
        run=run,
        pretty_name=pretty_name,
        domain=domain,
        synthetic=synthetic,
        country=country,
        annotators_kind=checked_kind(annotators_kind),
    )
    client = connect()
    with Progress(transient=True) as progress:
        report = run_load(options, client, progress)
    verb = "created" if report.created else "updated"
    typer.echo(
        f"{verb} dataset {report.dataset!r} in workspace {report.workspace!r}: {report.documents} documents "
        f"-> {report.records} records ({report.suggestions} with suggestions), labels {report.labels}"
    )
    if report.problems:
        typer.echo(f"{report.problems} invalid annotations skipped, listed in {report.problems_file}")


@app.command()
def suggest(
    run: Annotated[Path, typer.Option(help="The run folder whose NER model suggests (RUN/models/ner).")],
    dataset: Annotated[str, typer.Option(help="The NER dataset to pre-annotate.")],
    workspace: Annotated[str | None, typer.Option(help="Workspace of the dataset.")] = None,
    model: Annotated[
        str | None, typer.Option(help="Another token-classification model (folder or hub id) instead.")
    ] = None,
    records: Annotated[
        str, typer.Option(help="pending (records that still need answers) | all.")
    ] = "pending",
    order: Annotated[
        str | None,
        typer.Option(
            help="uncertainty: the most uncertain records first in every annotator's queue; walk: each "
            "annotator's own order again. Default: leave the queue order as it is."
        ),
    ] = None,
    batch_size: Annotated[
        int, typer.Option(help="Windows per forward pass, at most (and at most 1,024 positions).")
    ] = 32,
    precision: Annotated[
        str,
        typer.Option(
            help="int8: the encoder's weights quantised, run in ONNX Runtime (on 2 CPU cores 1.7x the "
            "records/s of float32 with the same F1 on PharmaCoNER: bench/active.py; the agent says int8); "
            "float32: the model as trained."
        ),
    ] = "int8",
) -> None:
    """Pre-annotate the records that still need answers with the run's trained NER model.

    Each record gets the model's spans as a suggestion (a score per span; its agent names the model,
    when it was trained and on which data) and its uncertainty in the metadata property
    `incertidumbre` (sort by it in the UI or the SDK). Only this model's earlier suggestions are
    replaced: gold, lexicon and other models' suggestions and people's answers stay. Stopped half way,
    the same command goes on where it stopped (records this model version did are skipped).

    Example: python -m annotate suggest --run runs/pharmaconer --dataset pharmaconer --order uncertainty
    """
    from annotate.argilla.inference import NerModel

    options = SuggestOptions(
        run=run, model=model, records=records, order=order, batch_size=batch_size, precision=precision
    )
    options.check()
    quiet_sdk()
    # a missing model fails before the server is asked
    ner = NerModel.load(options.model_path, options.precision)
    if ner.runtime_note:
        typer.echo(f"int8 runs in PyTorch, not ONNX Runtime: {ner.runtime_note}", err=True)
    client = connect()
    target = find_dataset(client, dataset, workspace)
    with Progress(transient=True) as progress:
        report = run_suggest(client, target, ner, options, progress)
    typer.echo(
        f"suggested on {report.suggested} records of {dataset!r} ({report.with_entities} with entities, "
        f"{report.spans} spans, {report.records_per_second:.1f} records/s) as {report.agent!r}; "
        f"{report.kept_other} kept another agent's suggestion, {report.already} already had this model's; "
        f"uncertainty in metadata 'incertidumbre'; queue order: {report.order}"
    )


@app.command()
def simulate(
    dataset: Annotated[str, typer.Option(help="The NER dataset to answer.")],
    annotators: Annotated[int, typer.Option(help="How many simulated annotators (sim-anotador-1..K).")] = 3,
    noise: Annotated[
        float, typer.Option(help="Probability of a mistake per gold span (and of a spurious span).")
    ] = 0.1,
    seed: Annotated[int, typer.Option(help="Seed: the same seed gives the same answers.")] = 13,
    workspace: Annotated[str | None, typer.Option(help="Workspace of the dataset.")] = None,
) -> None:
    """Submit answers of K simulated annotators, derived from the corpus's own annotations with seeded noise.

    For tests, the quickstart and benchmarks: the accounts are named sim-anotador-K so nobody mistakes
    them for people. Records a simulated annotator already answered are left as they are.

    Example: python -m annotate simulate --dataset pharmaconer --annotators 3 --noise 0.1 --seed 13
    """
    client = connect()
    report = run_simulate(client, find_dataset(client, dataset, workspace), annotators, noise, seed)
    typer.echo(
        f"{len(report.annotators)} simulated annotators ({', '.join(report.annotators)}) submitted "
        f"{report.responses} responses on {report.records} records "
        f"({report.changed_spans} spans changed by noise)"
    )


@app.command()
def export(
    dataset: Annotated[str, typer.Option(help="The Argilla dataset to export.")],
    run: Annotated[Path, typer.Option(help="The run folder to write, e.g. runs/pharmaconer.")],
    workspace: Annotated[str | None, typer.Option(help="Workspace of the dataset.")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the 80/10/10 split for documents without one.")] = 13,
    push_to_hub: Annotated[
        str | None, typer.Option(help="Also push dataset/ to this Hub repo (ORG/NAME); needs HF_TOKEN.")
    ] = None,
) -> None:
    """Export the annotations, their agreement and the adjudicated dataset into a run folder.

    Writes annotations.parquet, agreement.json, review.jsonl, run.json and dataset/bigbio_kb +
    dataset/tokens (one row per document, original offsets, splits train/validation/test), all swapped
    in as one piece: a killed export leaves the previous files, and the next command cleans up. A
    curator's answer in DATASET-curacion (see `adjudicate`) wins over the majority vote; answers there
    from users who may not curate are ignored and listed in one line.

    Example: python -m annotate export --dataset pharmaconer --run runs/pharmaconer
    """
    if push_to_hub:
        require_token()
    client = connect()
    report = run_export(client, find_dataset(client, dataset, workspace), RunFolder(run), seed)
    typer.echo(
        f"exported {report.documents} documents ({report.entities} entities, splits {report.splits}) from "
        f"{report.records} records and {report.responses} responses to {run}; {report.curated} curated, "
        f"{report.review_items} review items in {run / 'review.jsonl'}"
    )
    if ignored := Curation(ignored=report.ignored_curation).ignored_line():
        typer.echo(ignored)
    if report.documents_pending:
        typer.echo(f"{report.documents_pending} documents are not fully annotated yet and were left out")
    if push_to_hub:
        typer.echo(f"pushed to {push_dataset(RunFolder(run), push_to_hub)}")


@app.command()
def remix(
    run: Annotated[Path, typer.Option(help="The run folder with dataset/bigbio_kb, e.g. runs/pharmaconer.")],
    templates: Annotated[
        Path | None,
        typer.Option(help="YAML file of instruction templates (default: annotate/remix/templates.yaml)."),
    ] = None,
    per_record: Annotated[
        int, typer.Option(min=1, help="Samples per sentence (each from a different template).")
    ] = 2,
    seed: Annotated[int, typer.Option(help="Seed: the same seed gives the same samples.")] = 13,
) -> None:
    """Turn the adjudicated dataset of a run into Spanish instruction samples (dataset/instruction).

    Each document of dataset/bigbio_kb (and dataset/labels, when there is one) is cut into sentences;
    each sentence gets PER_RECORD samples from the templates: entity extraction (all labels or one,
    answers as 'ETIQUETA: texto' lines or JSON lines), entity typing, yes/no mention questions and
    document classification. Splits are kept; every sample carries the Somos NLP catalogue columns.

    Example: python -m annotate remix --run runs/pharmaconer --per-record 2 --seed 13
    """
    report = run_remix(RunFolder(run), templates or DEFAULT_TEMPLATES, per_record, seed)
    total = sum(report.splits.values())
    typer.echo(
        f"wrote {total} instruction samples (splits {report.splits}, tasks {report.per_task}) from "
        f"{report.documents} documents ({report.segments} segments) with {report.templates} templates "
        f"to {RunFolder(run).dataset_view('instruction')}"
    )


@app.command()
def adjudicate(
    dataset: Annotated[str, typer.Option(help="The NER dataset whose disagreements go to curation.")],
    workspace: Annotated[str | None, typer.Option(help="Workspace of the dataset.")] = None,
    curator: Annotated[
        list[str] | None,
        typer.Option(
            help="A user who may curate (repeatable); joins WORKSPACE-curacion. Owners/admins always can."
        ),
    ] = None,
) -> None:
    """Put the records annotators disagree on (ties, lone spans) into DATASET-curacion for the curators.

    The curation dataset lives in the workspace WORKSPACE-curacion, which only curators join: the users
    named with --curator are added to it; owners and admins can always curate. Annotators do not see
    it. Each annotator's answer is shown as a suggestion in a question of its own ("SIN ENTIDADES" when
    they marked nothing); a curator's submitted answer wins over the majority vote at `export`, which
    ignores (and lists) answers there from anyone else.

    Example: python -m annotate adjudicate --dataset pharmaconer --curator ana --curator ben
    """
    client = connect()
    with Progress(transient=True) as progress:
        report = build_curation(client, find_dataset(client, dataset, workspace), curator or [], progress)
    typer.echo(
        f"{report.records} records to curate in {report.dataset!r}, workspace {report.workspace!r} "
        f"(reasons: {report.reasons}); answers of {', '.join(report.annotators)} shown as suggestions; "
        f"curators: {', '.join(report.curators) or 'none named'} (owners and admins can always curate)"
    )


@app.command()
def team(
    file: Annotated[
        Path, typer.Option(help="CSV with a 'username' column (first_name, last_name, role optional).")
    ],
    workspace: Annotated[str, typer.Option(help="Workspace the team annotates in (created if missing).")],
    secrets_file: Annotated[
        Path | None,
        typer.Option(
            help="Where new passwords go (CSV, mode 0600). Default, outside the checkout and one per server: "
            "~/.config/annotate/team-passwords-HOST-PORT.csv ($XDG_CONFIG_HOME if set)."
        ),
    ] = None,
    annotators_kind: AnnotatorsKind = None,
    run: Annotated[
        Path | None, typer.Option(help="The run folder whose run.json records --annotators-kind.")
    ] = None,
) -> None:
    """Create annotator accounts with random passwords and add them to a workspace.

    Passwords are written to SECRETS_FILE (mode 0600), never printed; share each one privately.
    Each password is on disk before its account is created, so an interrupted run loses none:
    run the same command again to finish. Existing accounts keep their password and are only
    added to the workspace.

    With --annotators-kind expert|crowd and --run, run.json records who the team is, so that the dataset
    card says expert-generated or crowdsourced (answers `annotate simulate` made are always said to be).

    Example: python -m annotate team --file equipo.csv --workspace pharmaconer --annotators-kind expert
    --run runs/pharmaconer
    """
    quiet_sdk()
    if checked_kind(annotators_kind) and run is None:
        raise OptionError("--annotators-kind needs --run RUN: the run folder whose run.json records it")
    members = read_team(file)
    client = connect()
    secrets_file = secrets_file or default_secrets_file(client.api_url)
    created, existing = create_team(client, members, get_workspace(client, workspace), secrets_file)
    typer.echo(f"workspace {workspace!r}: {len(created)} accounts created, {len(existing)} already existed")
    typer.echo(f"passwords of the accounts this command created are in {secrets_file} (mode 0600)")
    if annotators_kind and run is not None:
        path = record_annotators_kind(RunFolder(run), annotators_kind)
        typer.echo(f"annotators recorded as {annotators_kind} in {path}")


@app.command()
def quickstart() -> None:
    """The whole journey on the sample corpus: Argilla, load, team, simulate, export, train, cards, demo.

    What `make quickstart` runs. Environment: CORPUS=PATH FORMAT=brat RUN=runs/NAME, NO_SIMULATE=1
    (leave the annotation to people), QUICKSTART_EXIT=1 (leave once everything is written).

    Example: QUICKSTART_EXIT=1 python -m annotate quickstart
    """
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    run_quickstart()


def main() -> None:
    try:
        app()
    except (AnnotateError, RunFolderError) as exc:  # the SDK's own errors became AnnotateErrors in argilla/
        typer.echo(f"error: {exc}", err=True)
        sys.exit(1)
