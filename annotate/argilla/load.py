"""`annotate load`: a corpus -> an Argilla project (dataset + records + suggestions).

Everything is read and validated BEFORE anything is created on the server, so bad input creates
nothing. The validated drafts become SDK records batch by batch while the previous batch uploads (the
upload waits on the server, so building records costs no wall time). Records have stable ids
(`<document>#<segment>`) and are upserted by id, so loading twice never duplicates. When logging fails
and the server still answers, a dataset this call created is deleted again; when the server stopped
answering, nothing can be deleted: the error says how many records it kept, and re-running the same
command finishes the job (an unpublished draft left by a crash during creation is replaced).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from annotate.argilla import templates
from annotate.argilla.api import api_errors, server_answers
from annotate.argilla.client import workspace
from annotate.argilla.datasets import Target, chunks, create_dataset, is_published, log_records
from annotate.argilla.records import CONTEXT, RecordDraft, drafts
from annotate.argilla.suggest import Suggester, suggester
from annotate.corpus import corpus_labels, document_labels, has_overlaps, load_corpus, write_problems
from annotate.errors import LoadInterruptedError
from annotate.instruction_io import detect, read_instructions, record_metadata
from runfolder import AnnotationProvenance, ArgillaInfo, CorpusInfo, RunFolder, RunInfo, now, write_json

if TYPE_CHECKING:
    import argilla as rg
    from rich.progress import Progress

T = TypeVar("T")


@dataclass(frozen=True)
class LoadOptions:
    corpus: Path
    dataset: str
    format: str = "auto"
    task: str = "ner"
    workspace: str | None = None
    suggestions: str | None = None  # gold | lexicon:FILE | model:PATH_OR_ID
    min_submitted: int = 1
    segment: str = "sentence"
    licence: str = "desconocida"
    source: str | None = None
    skip_invalid: bool = False
    notes_db: str | None = None
    run: Path | None = None  # run.json and import_problems.jsonl go here (default runs/<dataset>)
    batch_size: int = 500
    pretty_name: str | None = None
    domain: str | None = None
    synthetic: bool | None = None
    country: str | None = None
    annotators_kind: str | None = None  # expert | crowd: who will annotate (run.json `annotation`)

    @property
    def run_folder(self) -> RunFolder:
        return RunFolder(self.run or Path("runs") / self.dataset)


@dataclass
class LoadReport:
    dataset: str
    workspace: str
    created: bool
    documents: int
    records: int
    labels: list[str]
    suggestions: int
    problems: int
    problems_file: Path | None = None
    splits: dict[str, int] = field(default_factory=dict)


def load(options: LoadOptions, client: rg.Argilla, progress: Progress | None = None) -> LoadReport:
    """Load the corpus (or instruction file) of `options` into its Argilla dataset (module docstring)."""
    if options.task == "instruction":
        return load_instructions(options, client, progress)
    corpus = load_corpus(
        options.corpus, options.format, skip_invalid=options.skip_invalid, notes_db=options.notes_db
    )
    documents = list(corpus)
    labels = corpus_labels(documents) if options.task == "ner" else document_labels(documents)
    multi_label = any(len(d.labels) > 1 for d in documents)
    mode = options.segment if options.task == "ner" else "none"
    settings = templates.build_settings(
        options.task,
        labels,
        overlapping=has_overlaps(documents),
        multi_label=multi_label,
        min_submitted=options.min_submitted,
        context=mode in CONTEXT,
    )
    source = options.source or options.corpus.name
    prepared = list(drafts(documents, mode, source, options.licence))
    suggest = suggester(options.suggestions, labels)  # loads a model or lexicon: fails before the server
    with server_errors(client, options):
        target = open_dataset(client, options, settings, labels, len(prepared))
        context = templates.has_context(target.dataset)  # a dataset made before `contexto` goes on without
        batches = RecordBatches(
            prepared,
            options.batch_size,
            lambda part: to_records(part, options, labels, multi_label, suggest, context),
        )
        log_all_or_nothing(client, target, prefetched(iter(batches)), progress)
    ws, dataset, created = target.workspace, target.dataset, target.created
    write_run_info(options, client, dataset, corpus.format, labels)
    # written after every successful load; an empty file means no document was rejected
    problems_file = write_problems(corpus.problems, options.run_folder.import_problems)
    splits: dict[str, int] = {}
    for document in documents:
        splits[document.split or "sin_split"] = splits.get(document.split or "sin_split", 0) + 1
    return LoadReport(
        options.dataset,
        ws.name,
        created,
        len(documents),
        len(prepared),
        list(labels),
        batches.with_suggestions,
        len(corpus.problems),
        problems_file,
        splits,
    )


def open_dataset(
    client: rg.Argilla, options: LoadOptions, settings: rg.Settings, labels: list[str], total: int
) -> Target:
    """The dataset to load into: created (and published) when missing, or checked to have the same
    template. A draft left unpublished by a crash during creation is replaced."""
    import argilla as rg

    with unreachable_as_error(client, options.dataset, total, 0):
        ws = workspace(client, options.workspace)
        with warnings.catch_warnings():  # the SDK warns when the dataset is not there yet: that is expected
            warnings.simplefilter("ignore", UserWarning)
            dataset = client.datasets(name=options.dataset, workspace=ws)
        if dataset is not None and not is_published(dataset):
            dataset.delete()
            dataset = None
        if dataset is None:
            draft = rg.Dataset(name=options.dataset, workspace=ws, settings=settings, client=client)
            return Target(ws, create_dataset(client, draft), True, total)
    templates.check_compatible(dataset, options.task, labels)
    return Target(ws, dataset, False, total)


def log_all_or_nothing(
    client: rg.Argilla, target: Target, batches: Iterable[list[rg.Record]], progress: Progress | None
) -> None:
    """Log every record. When that fails and the server still answers, a dataset this call created is
    deleted again (nothing half-logged); when the server stopped answering, `LoadInterruptedError` says
    how many records the dataset kept and that re-running the same command finishes the job."""
    try:
        log_records(target, batches, progress)
    except BaseException as failure:
        if not server_answers(client):
            raise interrupted(client, target.dataset.name, target.total, target.logged) from failure
        if target.created:
            with unreachable_as_error(client, target.dataset.name, target.total, target.logged):
                target.dataset.delete()
        raise


def server_errors(client: rg.Argilla, options: LoadOptions) -> AbstractContextManager[None]:
    """The SDK's and httpx's errors while talking to the server, as one-line annotate errors."""
    kept = f"records already in dataset {options.dataset!r} are kept (upserted by id, never duplicated)"
    return api_errors(client, f"loading {options.corpus} into dataset {options.dataset!r}", kept)


@contextmanager
def unreachable_as_error(client: rg.Argilla, dataset: str, total: int, logged: int) -> Iterator[None]:
    """Turn a failure while the server does not answer into `LoadInterruptedError`."""
    try:
        yield
    except Exception as failure:
        if server_answers(client):
            raise
        raise interrupted(client, dataset, total, logged) from failure


def interrupted(client: rg.Argilla, dataset: str, total: int, logged: int) -> LoadInterruptedError:
    return LoadInterruptedError(
        f"server at {client.api_url} stopped answering after {logged} of {total} records; "
        f"dataset {dataset!r} kept them (and perhaps the batch in flight): re-run the same command to "
        "finish, nothing is duplicated"
    )


def write_run_info(
    options: LoadOptions, client: rg.Argilla, dataset: rg.Dataset, corpus_format: str, labels: Sequence[str]
) -> None:
    """run.json: provenance as given at import (export adds the annotation facts later)."""
    run = options.run_folder
    previous = run.read_json(run.run_json, RunInfo) if run.run_json.exists() else None
    corpus = CorpusInfo(
        path=str(options.corpus),
        format=corpus_format,
        licence=options.licence,
        source=options.source or options.corpus.name,
        pretty_name=options.pretty_name,
        domain=options.domain,
        synthetic=options.synthetic,
        country=options.country,
    )
    info = RunInfo(
        name=run.path.name,
        task=options.task,
        corpus=corpus,
        labels=list(labels),
        segment=options.segment,
        argilla=ArgillaInfo(
            url=client.api_url,
            dataset=dataset.name,
            workspace=dataset.workspace.name,
            dataset_id=str(dataset.id),
        ),
        created_at=previous.created_at if previous else now(),
        annotation=annotation_kind(previous.annotation if previous else None, options.annotators_kind),
    )
    write_json(run.run_json, info)


def annotation_kind(previous: AnnotationProvenance | None, kind: str | None) -> AnnotationProvenance | None:
    """run.json `annotation` with the kind of annotators given now (else the one recorded before)."""
    if kind is None:
        return previous
    return (previous or AnnotationProvenance()).model_copy(update={"annotators_kind": kind})


def to_records(
    prepared: Sequence[RecordDraft],
    options: LoadOptions,
    labels: Sequence[str],
    multi_label: bool = False,
    suggest: Suggester | None = None,
    context: bool = True,
) -> list[rg.Record]:
    """SDK records with their suggestions; `suggest` is `suggester(options.suggestions, labels)`, built
    here when not given. With `context`, a record's neighbouring segments go to the `contexto` field."""
    import argilla as rg

    suggest = suggest if suggest is not None else suggester(options.suggestions, labels)
    records = []
    for draft in prepared:
        suggestions = []
        if suggest is not None and options.task == "ner":
            agent, fn = suggest
            spans = fn(draft)
            if spans:
                value = [{"start": s, "end": e, "label": label} for s, e, label, _ in spans]
                scores = [score for *_, score in spans]
                suggestions.append(
                    rg.Suggestion(
                        templates.SPAN_QUESTION, value, agent=agent, score=None if None in scores else scores
                    )
                )
        elif suggest is not None and options.task == "classification" and draft.gold_labels:
            label = list(draft.gold_labels) if multi_label else draft.gold_labels[0]
            suggestions.append(rg.Suggestion(templates.LABEL_QUESTION, label, agent="gold", score=1.0))
        fields = {"text": draft.text}
        if context and draft.context:
            fields[templates.CONTEXT_FIELD] = draft.context
        records.append(
            rg.Record(id=draft.id, fields=fields, metadata=draft.metadata, suggestions=suggestions)
        )
    return records


@dataclass
class RecordBatches:
    """The Argilla records of `drafts`, built `size` at a time by `build` as they are iterated (so that
    suggesting for the next batch overlaps the upload of this one); counts the records with suggestions."""

    drafts: Sequence[RecordDraft]
    size: int
    build: Callable[[Sequence[RecordDraft]], list[rg.Record]]
    with_suggestions: int = 0

    def __iter__(self) -> Iterator[list[rg.Record]]:
        for part in chunks(self.drafts, self.size):
            batch = self.build(part)
            self.with_suggestions += sum(1 for record in batch if record.suggestions)
            yield batch


def prefetched(batches: Iterator[list[T]]) -> Iterator[list[T]]:
    """The batches of `batches`, each next one built in a background thread while the caller uploads the
    current one. An error raised while building reaches the caller at that batch."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        upcoming = pool.submit(next, batches, None)
        while (batch := upcoming.result()) is not None:
            upcoming = pool.submit(next, batches, None)
            yield batch


def load_instructions(
    options: LoadOptions, client: rg.Argilla, progress: Progress | None = None
) -> LoadReport:
    """An instruction file (BioInstruct-style JSONL/CSV or a `datasets` folder/name) -> a review project.

    The answer is shown as a suggestion of `respuesta_corregida`, so reviewers edit it in place."""
    import argilla as rg

    rows = read_instructions(options.corpus, options.format)  # every problem raises before the server
    settings = templates.build_settings("instruction", min_submitted=options.min_submitted)
    defaults = {
        "fuente": options.source or options.corpus.name,
        "licencia": options.licence,
        "pais": options.country or "desconocido",
        "dominio": options.domain or "biomedico",
    }
    records = [
        rg.Record(
            id=row.id,
            fields={
                "instruction": row.instruction,
                "output": row.output,
                **({"input": row.input} if row.input else {}),
            },
            metadata=record_metadata(row, defaults),
            suggestions=[rg.Suggestion(templates.CORRECTED_QUESTION, row.output, agent="original")],
        )
        for row in rows
    ]
    with server_errors(client, options):
        target = open_dataset(client, options, settings, [], len(records))
        log_all_or_nothing(client, target, chunks(records, options.batch_size), progress)
    ws, dataset, created = target.workspace, target.dataset, target.created
    corpus_format = options.format if options.format != "auto" else detect(options.corpus)
    write_run_info(options, client, dataset, corpus_format, [])
    splits: dict[str, int] = {}
    for row in rows:
        splits[row.split or "sin_split"] = splits.get(row.split or "sin_split", 0) + 1
    return LoadReport(
        options.dataset, ws.name, created, len(rows), len(records), [], len(records), 0, None, splits
    )
