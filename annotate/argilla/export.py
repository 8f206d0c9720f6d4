"""`annotate export`: an Argilla NER project -> the run folder.

Reads every record with its responses (`annotate.argilla.answers`) and the curators' decisions in
`<name>-curacion` of the workspace `<workspace>-curacion` when there is one
(`annotate.argilla.curators`), then writes, only after everything was computed and as ONE piece (staged
in `.stage-export/`, swapped in under a journal, see `runfolder.stage`: a kill leaves the previous
export or the new one, never a mix): `annotations.parquet` (one row per record x annotator x question;
user ids and names, never keys; the response's own inserted_at/updated_at, which the SDK drops; `origin`
person | simulated and the simulator's settings, summed up in run.json `annotation`; the suggestion each
span answer was shown and what it did with it, summed up in run.json `export.suggestions`: acceptance
per label, agreement with vs without suggestions, see `suggestion_use`),
`agreement.json`, `review.jsonl` (what a person should still look at, and why), `run.json`, and
`dataset/bigbio_kb` + `dataset/tokens` with one row per document (an instruction project gives
`dataset/instruction` instead, see `export_instructions`): records are reassembled into their
documents with the original offsets. Only documents whose every record has a submitted answer are
exported; the others are counted in run.json as not yet annotated. Adjudication: majority vote per
span; ties and lone spans stay out of the dataset unless a curator decided them, and are listed in
review.jsonl. Documents without a split in the corpus get a seeded 80/10/10 split.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from annotate.adjudication.spans import Adjudication, adjudicate_spans
from annotate.agreement.report import Agreement, RatingAnnotation, compute_agreement
from annotate.agreement.types import SpanAnnotation, Submission
from annotate.argilla import templates
from annotate.argilla.answers import PERSON, SIMULATED, Answer, ResponseTimes, read_answers, span_inputs
from annotate.argilla.api import RecordItem, api_errors
from annotate.argilla.curators import Curation, curated_answers
from annotate.argilla.suggestion_use import (
    Use,
    records_by_exposure,
    shown_suggestion,
    spans_of,
    suggestion_summary,
)
from annotate.corpus import Document, Entity, Span
from annotate.errors import ExportError
from annotate.instruction_io import Review, decide, reviewed_row
from annotate.views import build_views, save_instruction_view, save_views, split_name
from runfolder import (
    AnnotationProvenance,
    ArgillaInfo,
    CorpusInfo,
    RunFolder,
    RunInfo,
    now,
    write_json,
    write_text,
)
from runfolder.stage import pause, staged

if TYPE_CHECKING:
    import argilla as rg


@dataclass
class ExportReport:
    documents: int
    documents_pending: int
    records: int
    responses: int
    entities: int
    curated: int
    review_items: int
    splits: dict[str, int] = field(default_factory=dict)
    discarded: int = 0  # instruction projects: records the reviewers discarded (dropped from the dataset)
    ignored_curation: dict[str, int] = field(default_factory=dict)  # username -> answers not from a curator


def assemble(records: list[RecordItem], adjudication: Adjudication, seed: int) -> tuple[list[Document], int]:
    """Documents whose every record was adjudicated, with entities at their document offsets."""
    decided = {r.record_id: r for r in adjudication.records}
    by_doc: dict[str, list[RecordItem]] = defaultdict(list)
    for record in records:
        by_doc[record.metadata["documento"]].append(record)
    documents, pending = [], 0
    for doc_id, parts in sorted(by_doc.items()):
        parts.sort(key=lambda r: r.metadata["segmento"])
        if any(r.id not in decided for r in parts):
            pending += 1
            continue
        text: str = parts[0].metadata.get("_lead", "")
        entities: list[Entity] = []
        for record in parts:
            offset = record.metadata["_offset"]
            if len(text) != offset:
                raise ExportError(
                    f"record {record.id}: segment offset {offset} does not match the reassembled "
                    f"text ({len(text)} characters); was the dataset loaded by `annotate load`?"
                )
            seg_text = record.fields["text"]
            for span in decided[record.id].spans:
                n = len(entities) + 1
                entities.append(
                    Entity(
                        f"{doc_id}_T{n}",
                        span.label,
                        (Span(offset + span.start, offset + span.end),),
                        (seg_text[span.start : span.end],),
                    )
                )
            text += seg_text + record.metadata.get("_gap", "")
        split = parts[0].metadata.get("split")
        documents.append(
            Document(
                doc_id,
                text,
                split if split != "sin_split" else seeded_split(doc_id, seed),
                entities=tuple(entities),
                metadata={"fuente": parts[0].metadata.get("fuente")},
            )
        )
    return documents, pending


def seeded_split(doc_id: str, seed: int) -> str:
    bucket = int(hashlib.sha256(f"{seed}|{doc_id}".encode()).hexdigest(), 16) % 10
    return "train" if bucket < 8 else "dev" if bucket == 8 else "test"


def annotation_rows(
    records: list[RecordItem], answers: list[Answer], times: ResponseTimes
) -> list[dict[str, Any]]:
    """One row per answer; a span answer also says which suggestion it was shown (`suggestion_agent`,
    None: none) and what it did with it (`suggestion_relation`, see `suggestion_use`)."""
    meta = {r.id: r for r in records}
    rows = []
    for a in answers:
        inserted, updated = times.get((a.record_id, a.user_id), (None, None))
        shown = (
            shown_suggestion(meta[a.record_id], a.question, inserted)
            if a.question == templates.SPAN_QUESTION
            else None
        )
        rows.append(
            {
                "record_id": a.record_id,
                "document_id": meta[a.record_id].metadata.get("documento"),
                "split": meta[a.record_id].metadata.get("split"),
                "question": a.question,
                "annotator": a.annotator,
                "user_id": a.user_id,
                "value": json.dumps(a.value, ensure_ascii=False),
                "status": a.status,
                "inserted_at": inserted,
                "updated_at": updated,
                "origin": a.origin,
                "simulator": a.simulator,
                "suggestion_agent": shown.agent if shown else None,
                "suggestion_shown": shown is not None,
                "suggestion_relation": Use("", "", spans_of(a.value), shown).relation
                if shown and a.status == "submitted"
                else None,
            }
        )
    return rows


def suggestion_uses(records: list[RecordItem], answers: list[Answer], times: ResponseTimes) -> list[Use]:
    """The submitted span answers with the suggestion each was shown."""
    meta = {r.id: r for r in records}
    return [
        Use(
            a.record_id,
            a.annotator,
            spans_of(a.value),
            shown_suggestion(meta[a.record_id], a.question, times.get((a.record_id, a.user_id), ("",))[0]),
        )
        for a in answers
        if a.question == templates.SPAN_QUESTION and a.status == "submitted"
    ]


def suggestions_report(
    uses: list[Use], spans: list[SpanAnnotation], submissions: list[Submission], texts: dict[str, str]
) -> dict[str, Any]:
    """run.json export.suggestions: `suggestion_summary` with the span F1 of each group of records."""
    exposed, unexposed = records_by_exposure(uses)

    def f1(records: set[str]) -> dict[str, Any]:
        agreement = compute_agreement(
            [s for s in spans if s.record_id in records],
            [],
            [],
            texts,
            submissions=[s for s in submissions if s.record_id in records],
        ).to_json()
        question = agreement["questions"].get(templates.SPAN_QUESTION)
        value = question["overall"]["f1"]["value"] if question else None
        return {"records": len(records), "f1": value}

    return suggestion_summary(uses, f1(exposed), f1(unexposed))


def provenance(previous: AnnotationProvenance | None, answers: list[Answer]) -> AnnotationProvenance:
    """run.json `annotation`: the kind of annotators load/team recorded, and who gave the answers
    (responses and annotators per origin, each simulator setting once)."""
    responses = {(a.record_id, a.user_id): a for a in answers}.values()
    by_origin = {
        origin: sum(1 for a in responses if a.origin == origin)
        for origin in (PERSON, SIMULATED)
        if any(a.origin == origin for a in responses)
    }
    annotators = {origin: len({a.user_id for a in responses if a.origin == origin}) for origin in by_origin}
    settings = sorted({a.simulator for a in responses if a.simulator})
    return AnnotationProvenance(
        annotators_kind=previous.annotators_kind if previous else None,
        responses_by_origin=by_origin,
        annotators_by_origin=annotators,
        simulator=[json.loads(s) for s in settings],
    )


def export(
    client: rg.Argilla, dataset: rg.Dataset, run: RunFolder, seed: int = 13, corpus: CorpusInfo | None = None
) -> ExportReport:
    if templates.task_of(dataset) == "instruction":
        return export_instructions(client, dataset, run, seed, corpus)
    if templates.task_of(dataset) != "ner":
        raise ExportError(f"dataset {dataset.name!r} is not an NER project; export handles span projects")
    pause("export:connected")
    with api_errors(client, f"reading dataset {dataset.name!r}"):
        users = {str(u.id): u.username for u in client.users}
        records, answers, times = read_answers(client, dataset, users)
        curation = curated_answers(client, dataset, users)
        labels = list(dataset.settings.questions[templates.SPAN_QUESTION].labels)
    pause("export:read")
    spans, submissions = span_inputs(answers)
    if not submissions:
        raise ExportError(
            f"dataset {dataset.name!r} has no submitted answers yet; annotate in the UI "
            "(or `python -m annotate simulate`) first"
        )
    texts = {r.id: r.fields["text"] for r in records}
    agreement = compute_agreement(spans, [], [], texts, submissions=submissions)
    adjudication = adjudicate_spans(
        spans, submissions=submissions, curated=curation.spans, texts=texts, question=templates.SPAN_QUESTION
    )
    documents, pending = assemble(records, adjudication, seed)
    if not documents:
        raise ExportError(f"no document of {dataset.name!r} is fully annotated yet ({pending} pending)")
    views = build_views(documents, description=f"Adjudicated export of Argilla dataset {dataset.name!r}.")
    suggestions = suggestions_report(suggestion_uses(records, answers, times), spans, submissions, texts)
    info = run_info(
        run, dataset, client, corpus, labels, records, adjudication, pending, seed, curation, suggestions
    )
    info = info.model_copy(update={"annotation": provenance(info.annotation, answers)})
    with staged(run.path, "export") as path:
        out = RunFolder(path)
        save_views(views, out)
        pause("export:views")
        write_annotations(out, annotation_rows(records, answers, times))
        write_json(out.agreement, {**agreement.to_json(), "adjudication": adjudication.summary()})
        reviews = (json.dumps(i.to_json(), ensure_ascii=False) + "\n" for i in adjudication.review)
        write_text(out.review, "".join(reviews))
        write_json(out.run_json, info)
    return ExportReport(
        len(documents),
        pending,
        len(records),
        len(answers),
        sum(len(d.entities) for d in documents),
        adjudication.curated,
        len(adjudication.review),
        {name: len(ds) for name, ds in views["tokens"].items()},
        ignored_curation=curation.ignored,
    )


def write_annotations(out: RunFolder, rows: list[dict[str, Any]]) -> None:
    import pandas as pd

    pd.DataFrame(rows).to_parquet(out.annotations, index=False)


def run_info(
    run: RunFolder,
    dataset: rg.Dataset,
    client: rg.Argilla,
    corpus: CorpusInfo | None,
    labels: list[str],
    records: list[RecordItem],
    adjudication: Adjudication,
    pending: int,
    seed: int,
    curation: Curation,
    suggestions: dict[str, Any] | None = None,
) -> RunInfo:
    """run.json: what `load` wrote (provenance), updated with this export's facts (`export.suggestions`:
    how the suggestions shaped the answers, see `suggestion_use`)."""
    import argilla

    first = records[0].metadata if records else {}
    previous = (
        run.read_json(run.run_json, RunInfo)
        if run.run_json.exists()
        else RunInfo(
            name=run.path.name,
            task="ner",
            corpus=CorpusInfo(
                path=str(first.get("fuente", "")),
                format="argilla",
                licence=first.get("licencia"),
                source=first.get("fuente"),
            ),
        )
    )
    seeded = any(r.metadata.get("split") == "sin_split" for r in records)
    return previous.model_copy(
        update={
            "name": run.path.name,
            "corpus": corpus or previous.corpus,
            "labels": labels,
            "argilla": ArgillaInfo(
                url=client.api_url,
                dataset=dataset.name,
                workspace=dataset.workspace.name,
                dataset_id=str(dataset.id),
            ),
            "split": {"source": "seeded" if seeded else "corpus", "seed": seed if seeded else None},
            "versions": {**previous.versions, "argilla_sdk": argilla.__version__},
            "updated_at": now(),
            "export": {
                "records": len(records),
                "documents_pending": pending,
                "adjudication": adjudication.summary(),
                "curation": {"curators": list(curation.curators), "ignored": curation.ignored},
                **({"suggestions": suggestions} if suggestions is not None else {}),
            },
        }
    )


# -- instruction projects ----------------------------------------------------------------------------------


def export_instructions(
    client: rg.Argilla, dataset: rg.Dataset, run: RunFolder, seed: int = 13, corpus: CorpusInfo | None = None
) -> ExportReport:
    """A reviewed instruction project -> `dataset/instruction` (corrected answers win, discarded records
    are dropped and counted), `annotations.parquet`, `agreement.json` (ratings: ordinal alpha), run.json.

    Responses come from `annotate.argilla.answers`: the SDK leaves out a discard that carries no answer."""
    with api_errors(client, f"reading dataset {dataset.name!r}"):
        users = {str(u.id): u.username for u in client.users}
        records, answers, times = read_answers(client, dataset, users)
    reviews = instruction_reviews(answers)
    decisions = {record.id: decide(reviews[record.id]) for record in records}
    counts = Counter(decisions.values())
    if not counts["kept"] + counts["discarded"]:
        raise ExportError(
            f"dataset {dataset.name!r} has no submitted or discarded review yet; review it in the UI first"
        )
    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    corrected = 0
    for record in (r for r in records if decisions[r.id] == "kept"):
        row = reviewed_row(record.id, record.fields, record.metadata, reviews[record.id])
        corrected += row["output"] != record.fields.get("output")
        split = record.metadata.get("split") or "sin_split"
        rows[split_name(seeded_split(row["source_record"], seed) if split == "sin_split" else split)].append(
            row
        )
    summary = {**{k: counts[k] for k in ("kept", "discarded", "pending")}, "corrected": corrected}
    info = instruction_run_info(run, dataset, client, corpus, len(records), summary, seed)
    info = info.model_copy(update={"annotation": provenance(info.annotation, answers)})
    with staged(run.path, "export") as path:
        out = RunFolder(path)
        save_instruction_view(out, rows, f"Instructions reviewed in Argilla dataset {dataset.name!r}.")
        write_annotations(out, annotation_rows(records, answers, times))
        write_json(out.agreement, {**rating_agreement(reviews).to_json(), "review": summary})
        write_json(out.run_json, info)
    splits = {split: len(r) for split, r in sorted(rows.items())}
    return ExportReport(
        counts["kept"], counts["pending"], len(records), len(answers), 0, 0, 0, splits, counts["discarded"]
    )


def instruction_reviews(answers: list[Answer]) -> dict[str, list[Review]]:
    """Each reviewer's decision on each record (status, corrected answer, rating), by record id."""
    by_response: dict[tuple[str, str], list[Answer]] = defaultdict(list)
    for answer in answers:
        by_response[(answer.record_id, answer.user_id)].append(answer)
    reviews: dict[str, list[Review]] = defaultdict(list)
    for (rid, _), given in by_response.items():
        values = {a.question: a.value for a in given}
        reviews[rid].append(
            Review(
                given[0].annotator,
                given[0].status,
                values.get(templates.CORRECTED_QUESTION),
                values.get(templates.RATING_QUESTION),
            )
        )
    return reviews


def rating_agreement(reviews: dict[str, list[Review]]) -> Agreement:
    ratings = [
        RatingAnnotation(rid, r.annotator, templates.RATING_QUESTION, r.rating)
        for rid, rs in reviews.items()
        for r in rs
        if r.status == "submitted" and r.rating is not None
    ]
    return compute_agreement([], [], ratings, {})


def instruction_run_info(
    run: RunFolder,
    dataset: rg.Dataset,
    client: rg.Argilla,
    corpus: CorpusInfo | None,
    records: int,
    summary: dict[str, int],
    seed: int,
) -> RunInfo:
    import argilla

    previous = (
        run.read_json(run.run_json, RunInfo)
        if run.run_json.exists()
        else RunInfo(
            name=run.path.name, task="instruction", corpus=CorpusInfo(path=dataset.name, format="argilla")
        )
    )
    return previous.model_copy(
        update={
            "name": run.path.name,
            "task": "instruction",
            "corpus": corpus or previous.corpus,
            "argilla": ArgillaInfo(
                url=client.api_url,
                dataset=dataset.name,
                workspace=dataset.workspace.name,
                dataset_id=str(dataset.id),
            ),
            "split": {"source": "corpus or seeded by source_record", "seed": seed},
            "versions": {**previous.versions, "argilla_sdk": argilla.__version__},
            "updated_at": now(),
            "export": {"records": records, "review": summary},
        }
    )
