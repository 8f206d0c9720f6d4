"""`annotate load`: a corpus -> an Argilla project (dataset + records + suggestions).

Everything is read and validated BEFORE anything is created on the server, so bad input creates
nothing. The validated drafts become SDK records batch by batch while the previous batch uploads (the
upload waits on the server, so building records costs no wall time). A dataset that this call created
is deleted again if logging fails; a dataset that existed is updated in place (records upserted by id:
loading twice does not duplicate).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotate import templates
from annotate.corpus import corpus_labels, document_labels, has_overlaps, load_corpus, write_problems
from annotate.records import RecordDraft, drafts
from annotate.runfolder import ArgillaInfo, CorpusInfo, RunFolder, RunInfo, now, write_json
from annotate.suggest import suggester


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


def load(options: LoadOptions, client: Any, progress: Any = None) -> LoadReport:
    if options.task == "instruction":
        return load_instructions(options, client, progress)
    corpus = load_corpus(
        options.corpus, options.format, skip_invalid=options.skip_invalid, notes_db=options.notes_db
    )
    documents = list(corpus)
    labels = corpus_labels(documents) if options.task == "ner" else document_labels(documents)
    multi_label = any(len(d.labels) > 1 for d in documents)
    settings = templates.build_settings(
        options.task,
        labels,
        overlapping=has_overlaps(documents),
        multi_label=multi_label,
        min_submitted=options.min_submitted,
    )
    source = options.source or options.corpus.name
    prepared = list(
        drafts(documents, options.segment if options.task == "ner" else "none", source, options.licence)
    )
    suggest = suggester(options.suggestions, labels)  # loads a model or lexicon: fails before the server
    batches = RecordBatches(
        prepared, options.batch_size, lambda part: to_records(part, options, labels, multi_label, suggest)
    )
    ws, dataset, created = log_all_or_nothing(
        client, options, settings, labels, prefetched(iter(batches)), len(prepared), progress
    )
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


def log_all_or_nothing(
    client: Any,
    options: LoadOptions,
    settings: Any,
    labels: list[str],
    batches: Iterable[list],
    total: int,
    progress: Any,
) -> tuple[Any, Any, bool]:
    """Create the dataset (or check that the existing one has the same template) and log every record;
    a dataset this call created is deleted again when logging fails, so nothing is left half-logged."""
    import argilla as rg

    from annotate.client import workspace

    ws = workspace(client, options.workspace)
    dataset = client.datasets(name=options.dataset, workspace=ws)
    created = dataset is None
    if created:
        dataset = create_dataset(
            client, rg.Dataset(name=options.dataset, workspace=ws, settings=settings, client=client)
        )
    else:
        templates.check_compatible(dataset, options.task, labels)
    try:
        log_records(dataset, batches, total, progress)
    except BaseException:
        if created:
            dataset.delete()
        raise
    return ws, dataset, created


def write_run_info(
    options: LoadOptions, client: Any, dataset: Any, corpus_format: str, labels: list[str]
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
    )
    write_json(run.run_json, info)


def create_dataset(client: Any, draft: Any) -> Any:
    """Create and publish; the SDK creates a draft first, so a failed publish must not leave it behind."""
    try:
        return draft.create()
    except BaseException:
        leftover = client.datasets(name=draft.name, workspace=draft.workspace)
        if leftover is not None:
            leftover.delete()
        raise


def to_records(
    prepared: Sequence[RecordDraft],
    options: LoadOptions,
    labels: Sequence[str],
    multi_label: bool = False,
    suggest: Any = None,
) -> list[Any]:
    """SDK records with their suggestions; `suggest` is `suggester(options.suggestions, labels)`, built
    here when not given."""
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
            value = list(draft.gold_labels) if multi_label else draft.gold_labels[0]
            suggestions.append(rg.Suggestion(templates.LABEL_QUESTION, value, agent="gold", score=1.0))
        records.append(
            rg.Record(
                id=draft.id, fields={"text": draft.text}, metadata=draft.metadata, suggestions=suggestions
            )
        )
    return records


def chunks(records: Sequence[Any], size: int) -> Iterator[list]:
    for start in range(0, len(records), size):
        yield list(records[start : start + size])


@dataclass
class RecordBatches:
    """The Argilla records of `drafts`, built `size` at a time by `build` as they are iterated (so that
    suggesting for the next batch overlaps the upload of this one); counts the records with suggestions."""

    drafts: Sequence[RecordDraft]
    size: int
    build: Callable[[Sequence[RecordDraft]], list]
    with_suggestions: int = 0

    def __iter__(self) -> Iterator[list]:
        for part in chunks(self.drafts, self.size):
            batch = self.build(part)
            self.with_suggestions += sum(1 for record in batch if record.suggestions)
            yield batch


def prefetched(batches: Iterator[list]) -> Iterator[list]:
    """The batches of `batches`, each next one built in a background thread while the caller uploads the
    current one. An error raised while building reaches the caller at that batch."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        upcoming = pool.submit(next, batches, None)
        while (batch := upcoming.result()) is not None:
            upcoming = pool.submit(next, batches, None)
            yield batch


def log_records(dataset: Any, batches: Iterable[list], total: int, progress: Any = None) -> None:
    task = progress.add_task(f"logging to {dataset.name}", total=total) if progress else None
    for batch in batches:
        dataset.records.log(batch, batch_size=max(len(batch), 1))
        if progress is not None:
            progress.advance(task, len(batch))


def load_instructions(options: LoadOptions, client: Any, progress: Any = None) -> LoadReport:
    """An instruction file (BioInstruct-style JSONL/CSV or a `datasets` folder/name) -> a review project.

    The answer is shown as a suggestion of `respuesta_corregida`, so reviewers edit it in place."""
    import argilla as rg

    from annotate.instruction_io import detect, read_instructions, record_metadata

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
    ws, dataset, created = log_all_or_nothing(
        client, options, settings, [], chunks(records, options.batch_size), len(records), progress
    )
    corpus_format = options.format if options.format != "auto" else detect(options.corpus)
    write_run_info(options, client, dataset, corpus_format, [])
    splits: dict[str, int] = {}
    for row in rows:
        splits[row.split or "sin_split"] = splits.get(row.split or "sin_split", 0) + 1
    return LoadReport(
        options.dataset, ws.name, created, len(rows), len(records), [], len(records), 0, None, splits
    )
