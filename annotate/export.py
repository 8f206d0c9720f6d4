"""`annotate export`: an Argilla NER project -> the run folder.

Reads every record with its responses (and the curation dataset `<name>-curacion` when there is one),
then writes, each file atomically and only after everything was computed:
`annotations.parquet` (one row per record x annotator x question; user ids and names, never keys; the
response's own inserted_at/updated_at, read from the REST API since the SDK drops them),
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
from typing import Any

from annotate import templates
from annotate.adjudication import Adjudication, adjudicate_spans
from annotate.agreement import SpanAnnotation, Submission, compute_agreement
from annotate.corpus import Document, Entity, Span
from annotate.errors import AnnotateError
from annotate.runfolder import ArgillaInfo, CorpusInfo, RunFolder, RunInfo, now, write_json, write_text
from annotate.views import build_views, save_views, split_name

CURATION_SUFFIX = "-curacion"


class ExportError(AnnotateError, ValueError):
    """The project cannot be exported (yet)."""


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


@dataclass(frozen=True)
class Answer:
    record_id: str
    annotator: str
    user_id: str
    question: str
    value: Any
    status: str


@dataclass(frozen=True)
class RecordData:
    """A record as the REST API lists it (`id` is the external id, as the SDK's `Record.id`)."""

    id: str
    fields: dict
    metadata: dict


def read_answers(
    client: Any, dataset: Any, users: dict[str, str], items: list[dict] | None = None
) -> tuple[list[RecordData], list[Answer], dict[tuple[str, str], tuple[str, str]]]:
    """Every record, every answer (one per question; a discard without values is one answer with question
    ""), and each response's (inserted_at, updated_at) by (record id, user id): one paged read of the REST
    API, which also keeps what the SDK drops (response times, a discard that carries no answer)."""
    items = record_items(client, dataset) if items is None else items
    records = [RecordData(i["external_id"], i.get("fields") or {}, i.get("metadata") or {}) for i in items]
    answers, times = [], {}
    for item in items:
        rid = item["external_id"]
        for response in item.get("responses") or []:
            user, values = response["user_id"], response.get("values") or {}
            who, status = users.get(user, user), response["status"]
            times[(rid, user)] = (response["inserted_at"], response["updated_at"])
            answers += [Answer(rid, who, user, q, v.get("value"), status) for q, v in values.items()]
            if not values:
                answers.append(Answer(rid, who, user, "", None, status))
    return records, answers, times


def curated_spans(client: Any, dataset: Any, users: dict[str, str]) -> dict[str, list[tuple[int, int, str]]]:
    """Submitted curator answers from `<name>-curacion`, by the original record id."""
    curation = client.datasets(name=dataset.name + CURATION_SUFFIX, workspace=dataset.workspace)
    if curation is None:
        return {}
    _, answers, _ = read_answers(client, curation, users)
    return {
        a.record_id: [(s["start"], s["end"], s["label"]) for s in a.value or []]
        for a in answers
        if a.question == templates.SPAN_QUESTION and a.status == "submitted"
    }


def span_inputs(answers: list[Answer]) -> tuple[list[SpanAnnotation], list[Submission]]:
    spans, submissions = [], []
    for a in answers:
        if a.question == templates.SPAN_QUESTION and a.status == "submitted":
            submissions.append(Submission(a.record_id, a.annotator, question=templates.SPAN_QUESTION))
            spans += [
                SpanAnnotation(
                    a.record_id,
                    a.annotator,
                    s["start"],
                    s["end"],
                    s["label"],
                    question=templates.SPAN_QUESTION,
                )
                for s in a.value or []
            ]
    return spans, submissions


def assemble(records: list[RecordData], adjudication: Adjudication, seed: int) -> tuple[list[Document], int]:
    """Documents whose every record was adjudicated, with entities at their document offsets."""
    decided = {r.record_id: r for r in adjudication.records}
    by_doc: dict[str, list[RecordData]] = defaultdict(list)
    for record in records:
        by_doc[record.metadata["documento"]].append(record)
    documents, pending = [], 0
    for doc_id, parts in sorted(by_doc.items()):
        parts.sort(key=lambda r: r.metadata["segmento"])
        if any(r.id not in decided for r in parts):
            pending += 1
            continue
        text, entities = parts[0].metadata.get("_lead", ""), []
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


def annotation_rows(records: list[RecordData], answers: list[Answer], times: dict) -> list[dict]:
    meta = {r.id: r for r in records}
    rows = []
    for a in answers:
        inserted, updated = times.get((a.record_id, a.user_id), (None, None))
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
            }
        )
    return rows


def export(
    client: Any, dataset: Any, run: RunFolder, seed: int = 13, corpus: CorpusInfo | None = None
) -> ExportReport:
    import pandas as pd

    if templates.task_of(dataset) == "instruction":
        return export_instructions(client, dataset, run, seed, corpus)
    if templates.task_of(dataset) != "ner":
        raise ExportError(f"dataset {dataset.name!r} is not an NER project; export handles span projects")
    users = {str(u.id): u.username for u in client.users}
    records, answers, times = read_answers(client, dataset, users)
    spans, submissions = span_inputs(answers)
    if not submissions:
        raise ExportError(
            f"dataset {dataset.name!r} has no submitted answers yet; annotate in the UI "
            "(or `python -m annotate simulate`) first"
        )
    texts = {r.id: r.fields["text"] for r in records}
    agreement = compute_agreement(spans, [], [], texts, submissions=submissions)
    adjudication = adjudicate_spans(
        spans,
        submissions=submissions,
        curated=curated_spans(client, dataset, users),
        texts=texts,
        question=templates.SPAN_QUESTION,
    )
    documents, pending = assemble(records, adjudication, seed)
    if not documents:
        raise ExportError(f"no document of {dataset.name!r} is fully annotated yet ({pending} pending)")
    labels = list(dataset.settings.questions[templates.SPAN_QUESTION].labels)
    views = build_views(documents, description=f"Adjudicated export of Argilla dataset {dataset.name!r}.")
    info = run_info(run, dataset, client, corpus, labels, records, adjudication, pending, seed)

    save_views(views, run)
    frame = pd.DataFrame(annotation_rows(records, answers, times))
    tmp = run.annotations.with_name(".annotations.parquet.tmp")
    frame.to_parquet(tmp, index=False)
    tmp.replace(run.annotations)
    write_json(run.agreement, {**agreement.to_json(), "adjudication": adjudication.summary()})
    write_text(
        run.review, "".join(json.dumps(i.to_json(), ensure_ascii=False) + "\n" for i in adjudication.review)
    )
    write_json(run.run_json, info)
    splits = {name: len(ds) for name, ds in views["tokens"].items()}
    return ExportReport(
        len(documents),
        pending,
        len(records),
        len(answers),
        sum(len(d.entities) for d in documents),
        adjudication.curated,
        len(adjudication.review),
        splits,
    )


def run_info(
    run: RunFolder,
    dataset: Any,
    client: Any,
    corpus: CorpusInfo | None,
    labels: list[str],
    records: list[RecordData],
    adjudication: Adjudication,
    pending: int,
    seed: int,
) -> RunInfo:
    """run.json: what `load` wrote (provenance), updated with this export's facts."""
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
            },
        }
    )


# -- instruction projects ----------------------------------------------------------------------------------


def export_instructions(
    client: Any, dataset: Any, run: RunFolder, seed: int = 13, corpus: CorpusInfo | None = None
) -> ExportReport:
    """A reviewed instruction project -> `dataset/instruction` (corrected answers win, discarded records
    are dropped and counted), `annotations.parquet`, `agreement.json` (ratings: ordinal alpha), run.json.

    Responses are read from the REST API: the SDK leaves out a discard that carries no answer."""
    import pandas as pd

    from annotate.instruction_io import decide, reviewed_row
    from annotate.remix import save_instruction_view

    users = {str(u.id): u.username for u in client.users}
    items = record_items(client, dataset)
    records, answers, times = read_answers(client, dataset, users, items)
    reviews = instruction_reviews(answers)
    decisions = {item["external_id"]: decide(reviews[item["external_id"]]) for item in items}
    counts = Counter(decisions.values())
    if not counts["kept"] + counts["discarded"]:
        raise ExportError(
            f"dataset {dataset.name!r} has no submitted or discarded review yet; review it in the UI first"
        )
    rows: dict[str, list[dict]] = defaultdict(list)
    corrected = 0
    for item in (i for i in items if decisions[i["external_id"]] == "kept"):
        metadata = item.get("metadata") or {}
        row = reviewed_row(item["external_id"], item["fields"], metadata, reviews[item["external_id"]])
        corrected += row["output"] != item["fields"].get("output")
        split = metadata.get("split") or "sin_split"
        rows[split_name(seeded_split(row["source_record"], seed) if split == "sin_split" else split)].append(
            row
        )
    save_instruction_view(run, rows, f"Instructions reviewed in Argilla dataset {dataset.name!r}.")
    frame = pd.DataFrame(annotation_rows(records, answers, times))
    tmp = run.annotations.with_name(".annotations.parquet.tmp")
    frame.to_parquet(tmp, index=False)
    tmp.replace(run.annotations)
    summary = {**{k: counts[k] for k in ("kept", "discarded", "pending")}, "corrected": corrected}
    write_json(run.agreement, {**rating_agreement(reviews).to_json(), "review": summary})
    write_json(run.run_json, instruction_run_info(run, dataset, client, corpus, len(items), summary, seed))
    splits = {split: len(r) for split, r in sorted(rows.items())}
    return ExportReport(
        counts["kept"], counts["pending"], len(items), len(answers), 0, 0, 0, splits, counts["discarded"]
    )


def record_items(client: Any, dataset: Any, page: int = 1000) -> list[dict]:
    """Every record of the dataset as the REST API gives it, with its responses (all statuses)."""
    items, offset = [], 0
    while True:
        reply = client.http_client.get(
            f"/api/v1/datasets/{dataset.id}/records",
            params={"include": ["responses"], "offset": offset, "limit": page},
        )
        reply.raise_for_status()
        batch = reply.json()["items"]
        items += batch
        if len(batch) < page:
            return items
        offset += page


def instruction_reviews(answers: list[Answer]) -> dict[str, list[Any]]:
    """Each reviewer's decision on each record (status, corrected answer, rating), by record id."""
    from annotate.instruction_io import Review

    by_response: dict[tuple[str, str], list[Answer]] = defaultdict(list)
    for answer in answers:
        by_response[(answer.record_id, answer.user_id)].append(answer)
    reviews = defaultdict(list)
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


def rating_agreement(reviews: dict[str, list[Any]]) -> Any:
    from annotate.agreement import RatingAnnotation

    ratings = [
        RatingAnnotation(rid, r.annotator, templates.RATING_QUESTION, r.rating)
        for rid, rs in reviews.items()
        for r in rs
        if r.status == "submitted" and r.rating is not None
    ]
    return compute_agreement([], [], ratings, {})


def instruction_run_info(
    run: RunFolder,
    dataset: Any,
    client: Any,
    corpus: CorpusInfo | None,
    records: int,
    summary: dict,
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
