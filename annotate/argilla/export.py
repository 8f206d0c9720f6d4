"""`annotate export`: an Argilla NER project -> the run folder.

Reads every record with its responses (and the curation dataset `<name>-curacion` of the curation
workspace `<workspace>-curacion` when there is one, see `curated_answers`), then writes, only after
everything was computed and as ONE piece (staged in `.stage-export/`, swapped in under a journal, see
`runfolder.stage`: a kill leaves the previous export or the new one, never a mix):
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

import contextlib
import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from annotate.adjudication.spans import Adjudication, adjudicate_spans
from annotate.agreement.report import SpanAnnotation, Submission, compute_agreement
from annotate.argilla import templates
from annotate.argilla.client import ArgillaConnectionError
from annotate.corpus import Document, Entity, Span
from annotate.errors import AnnotateError
from annotate.views import build_views, save_views, split_name
from runfolder import ArgillaInfo, CorpusInfo, RunFolder, RunInfo, now, write_json, write_text
from runfolder.stage import pause, staged

CURATION_SUFFIX = "-curacion"  # of the curation dataset and of its workspace
CURATOR_ROLES = ("owner", "admin")  # Argilla lets them into every workspace: they may always curate


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
    ignored_curation: dict[str, int] = field(default_factory=dict)  # username -> answers not from a curator


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


@dataclass(frozen=True)
class Curation:
    """The curators' decisions, by the original record id, and the curation answers that do not count."""

    spans: dict[str, list[tuple[int, int, str]]] = field(default_factory=dict)
    curators: tuple[str, ...] = ()  # who decided at least one record
    ignored: dict[str, int] = field(default_factory=dict)  # username -> submitted answers not counted

    def ignored_line(self) -> str | None:
        if not self.ignored:
            return None
        who = ", ".join(f"{name} ({n})" for name, n in sorted(self.ignored.items()))
        return (
            f"ignored {sum(self.ignored.values())} curation answers from users who may not curate: {who} "
            f"(name curators with `python -m annotate adjudicate --curator USER`)"
        )


def curation_workspace_name(dataset: Any) -> str:
    return dataset.workspace.name + CURATION_SUFFIX


def may_curate(client: Any, curation_workspace: Any) -> set[str]:
    """User ids whose curation answers count: owners and admins, and the members of the curation workspace
    (only `adjudicate --curator` or an owner/admin adds anyone to it)."""
    allowed = {str(u.id) for u in client.users if u.role in CURATOR_ROLES}
    return allowed | {str(u.id) for u in curation_workspace.users}


def curated_answers(client: Any, dataset: Any, users: dict[str, str]) -> Curation:
    """Submitted curator answers of `<name>-curacion` in `<workspace>-curacion`; when several curators
    answered a record the latest answer wins. A curation dataset left in the annotators' own workspace
    (made before curation moved apart) is read only to report its answers as ignored."""
    ignored: Counter[str] = Counter()
    legacy = client.datasets(name=dataset.name + CURATION_SUFFIX, workspace=dataset.workspace)
    if legacy is not None:
        ignored.update(a.annotator for a in _curation_submissions(client, legacy, users)[0])
    workspace = client.workspaces(curation_workspace_name(dataset))
    curation = (
        client.datasets(name=dataset.name + CURATION_SUFFIX, workspace=workspace) if workspace else None
    )
    if curation is None:
        return Curation(ignored=dict(ignored))
    allowed = may_curate(client, workspace)
    answers, times = _curation_submissions(client, curation, users)
    latest: dict[str, Answer] = {}
    for a in sorted(answers, key=lambda a: times.get((a.record_id, a.user_id), ("", ""))[1]):
        if a.user_id in allowed:
            latest[a.record_id] = a
        else:
            ignored[a.annotator] += 1
    return Curation(
        {rid: [(s["start"], s["end"], s["label"]) for s in a.value or []] for rid, a in latest.items()},
        tuple(sorted({a.annotator for a in latest.values()})),
        dict(ignored),
    )


def _curation_submissions(client: Any, curation: Any, users: dict[str, str]) -> tuple[list[Answer], dict]:
    _, answers, times = read_answers(client, curation, users)
    chosen = [a for a in answers if a.question == templates.SPAN_QUESTION and a.status == "submitted"]
    return chosen, times


@contextlib.contextmanager
def reading(client: Any, what: str) -> Iterator[None]:
    """Turn a server that dies or fails while we read into one line that says nothing was written."""
    import httpx

    try:
        yield
    except httpx.TransportError as exc:
        raise ArgillaConnectionError(
            f"lost Argilla at {client.api_url} while {what} ({type(exc).__name__}); nothing was written: "
            "start it again (`python -m annotate serve`) and re-run the command"
        ) from None
    except httpx.HTTPStatusError as exc:
        raise ArgillaConnectionError(
            f"Argilla at {client.api_url} answered {exc.response.status_code} to {exc.request.url.path} "
            f"while {what}; nothing was written: check the server's log and re-run the command"
        ) from None


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
    if templates.task_of(dataset) == "instruction":
        return export_instructions(client, dataset, run, seed, corpus)
    if templates.task_of(dataset) != "ner":
        raise ExportError(f"dataset {dataset.name!r} is not an NER project; export handles span projects")
    pause("export:connected")
    with reading(client, f"reading dataset {dataset.name!r}"):
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
    info = run_info(run, dataset, client, corpus, labels, records, adjudication, pending, seed, curation)
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


def write_annotations(out: RunFolder, rows: list[dict]) -> None:
    import pandas as pd

    pd.DataFrame(rows).to_parquet(out.annotations, index=False)


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
    curation: Curation,
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
                "curation": {"curators": list(curation.curators), "ignored": curation.ignored},
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

    from annotate.instruction_io import decide, reviewed_row
    from annotate.remix.samples import save_instruction_view

    with reading(client, f"reading dataset {dataset.name!r}"):
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
    summary = {**{k: counts[k] for k in ("kept", "discarded", "pending")}, "corrected": corrected}
    info = instruction_run_info(run, dataset, client, corpus, len(items), summary, seed)
    with staged(run.path, "export") as path:
        out = RunFolder(path)
        save_instruction_view(out, rows, f"Instructions reviewed in Argilla dataset {dataset.name!r}.")
        write_annotations(out, annotation_rows(records, answers, times))
        write_json(out.agreement, {**rating_agreement(reviews).to_json(), "review": summary})
        write_json(out.run_json, info)
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
    from annotate.agreement.report import RatingAnnotation

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
