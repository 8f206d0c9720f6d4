"""`annotate adjudicate`: the records annotators disagree on, in a curation dataset for a curator.

`<name>-curacion` (same workspace) holds only the records the majority vote could not settle (ties,
lone spans, minorities; see `annotate.adjudication`). Argilla shows one suggestion per question and
allows one span question per field, so each annotator gets a copy of the text (`texto_<user>`) with an
optional span question `anotador_<user>` pre-filled with their answer (agent = the annotator), and
the curator answers `entidades` on `text`, pre-filled with the spans the majority accepted (agent
`mayoria`). `annotate export` then takes the curator's submitted answer over
the vote and counts how many records were curated. Record ids are the original ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from annotate import templates
from annotate.adjudication import adjudicate_spans
from annotate.errors import AnnotateError
from annotate.export import CURATION_SUFFIX, curated_spans, read_answers, span_inputs
from annotate.load import chunks, create_dataset, log_records

GUIDELINES = """# Guía de curación

Estos registros son aquellos en los que los anotadores no se pusieron de acuerdo (empates, entidades
marcadas por una sola persona). La pregunta **Entidades (decisión final)** viene rellenada con lo que
aceptó la mayoría; las preguntas «Respuesta de …» muestran lo que marcó cada anotador.

Corrija la decisión final y envíela: su respuesta sustituye al voto de la mayoría en la exportación.
No hace falta responder a las preguntas de cada anotador.
"""


@dataclass(frozen=True)
class CurationReport:
    dataset: str
    records: int
    annotators: list[str]
    reasons: dict[str, int]


def annotator_question(username: str) -> str:
    return "anotador_" + re.sub(r"[^a-z0-9_]", "_", username.lower())


def annotator_field(username: str) -> str:
    return "texto_" + re.sub(r"[^a-z0-9_]", "_", username.lower())


def curation_settings(labels: list[str], annotators: list[str]) -> Any:
    import argilla as rg

    questions = [
        rg.SpanQuestion(
            name=templates.SPAN_QUESTION,
            field="text",
            labels=labels,
            required=True,
            title="Entidades (decisión final)",
            allow_overlapping=True,
        )
    ]
    questions += [
        rg.SpanQuestion(
            name=annotator_question(name),
            field=annotator_field(name),
            labels=labels,
            required=False,
            title=f"Respuesta de {name}",
            allow_overlapping=True,
        )
        for name in annotators
    ]
    fields = [rg.TextField(name="text", title="Texto")]
    fields += [rg.TextField(name=annotator_field(name), title=f"Texto ({name})") for name in annotators]
    return rg.Settings(
        guidelines=GUIDELINES,
        fields=fields,
        questions=questions,
        metadata=[
            rg.TermsMetadataProperty(name="documento", title="Documento"),
            rg.TermsMetadataProperty(name="motivo", title="Motivo de revisión"),
        ],
        allow_extra_metadata=True,
    )


def spans_value(spans: Any) -> list[dict]:
    return [{"start": s.start, "end": s.end, "label": s.label} for s in spans]


def build_curation(client: Any, dataset: Any, progress: Any = None) -> CurationReport:
    import argilla as rg

    if templates.task_of(dataset) != "ner":
        raise AnnotateError(
            f"dataset {dataset.name!r} is not an NER project; adjudicate handles span projects"
        )
    users = {str(u.id): u.username for u in client.users}
    records, answers, _ = read_answers(client, dataset, users)
    spans, submissions = span_inputs(answers)
    texts = {r.id: r.fields["text"] for r in records}
    result = adjudicate_spans(
        spans,
        submissions=submissions,
        curated=curated_spans(client, dataset, users),
        texts=texts,
        question=templates.SPAN_QUESTION,
    )
    reasons: dict[str, set[str]] = {}
    for item in result.review:
        reasons.setdefault(item.record_id, set()).add(item.reason)
    annotators = sorted({s.annotator for s in submissions})
    by_annotator = {(s.record_id, s.annotator): [] for s in submissions}
    for span in spans:
        by_annotator[(span.record_id, span.annotator)].append(span)
    decided = {r.record_id: r for r in result.records}
    curation_records = []
    for record in records:
        rid = str(record.id)
        if rid not in reasons:
            continue
        suggestions = (
            [rg.Suggestion(templates.SPAN_QUESTION, spans_value(decided[rid].spans), agent="mayoria")]
            if decided[rid].spans
            else []
        )
        suggestions += [
            rg.Suggestion(annotator_question(name), spans_value(by_annotator[(rid, name)]), agent=name)
            for name in annotators
            if by_annotator.get((rid, name))
        ]
        text = record.fields["text"]
        fields = {"text": text, **{annotator_field(name): text for name in annotators}}
        curation_records.append(
            rg.Record(
                id=rid,
                fields=fields,
                suggestions=suggestions,
                metadata={
                    "documento": record.metadata["documento"],
                    "motivo": ",".join(sorted(reasons[rid])),
                },
            )
        )
    name = dataset.name + CURATION_SUFFIX
    labels = list(dataset.settings.questions[templates.SPAN_QUESTION].labels)
    curation = client.datasets(name=name, workspace=dataset.workspace)
    if curation is None:
        curation = create_dataset(
            client,
            rg.Dataset(
                name=name,
                workspace=dataset.workspace,
                client=client,
                settings=curation_settings(labels, annotators),
            ),
        )
    else:
        missing = [
            n
            for n in annotators
            if annotator_question(n) not in {q.name for q in curation.settings.questions}
        ]
        if missing:
            raise AnnotateError(
                f"{name!r} has no question for annotators {missing} who answered since it was made; "
                "delete it in the UI (its curated answers go with it) and run adjudicate again"
            )
    if curation_records:
        log_records(curation, chunks(curation_records, 250), len(curation_records), progress)
    counts: dict[str, int] = {}
    for found in reasons.values():
        for reason in found:
            counts[reason] = counts.get(reason, 0) + 1
    return CurationReport(name, len(curation_records), annotators, dict(sorted(counts.items())))
