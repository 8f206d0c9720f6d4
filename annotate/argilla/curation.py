"""`annotate adjudicate`: the records annotators disagree on, in a curation dataset only curators see.

`<name>-curacion` lives in a workspace of its own, `<workspace>-curacion`, that only curators join:
the users named with `--curator` (added to it here); owners and admins can always curate, as Argilla
gives them every workspace. The annotators never see it, and `annotate export` counts an answer there
only when its user may curate (role owner/admin, or a member of the curation workspace): the
membership of that workspace, kept by Argilla, is the list of curators.

It holds only the records the majority vote could not settle (ties, lone spans, minorities; see
`annotate.adjudication.spans`). Argilla shows one suggestion per question and allows one span question per
field, so each annotator gets a copy of the text (`texto_<user>`) with an optional span question
`anotador_<user>` pre-filled with their answer (agent = the annotator); an annotator who submitted
no span gets "SIN ENTIDADES" at the top of their copy, one who did not answer the record "SIN
RESPUESTA" instead of the text, and the field `respuestas` sums it up. The curator answers
`entidades` on `text`, pre-filled with the spans the majority accepted (agent `mayoria`); export
takes that answer over the vote. Record ids are the original ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from annotate.adjudication.spans import AdjudicatedRecord, adjudicate_spans
from annotate.agreement.report import SpanAnnotation
from annotate.agreement.types import LabelledSpan
from annotate.argilla import templates
from annotate.argilla.answers import read_answers, span_inputs
from annotate.argilla.api import RecordItem, api_errors
from annotate.argilla.curators import (
    CURATOR_ROLES,
    curated_answers,
    curation_dataset_name,
    curation_workspace_name,
)
from annotate.argilla.datasets import Target, chunks, create_dataset, log_records
from annotate.errors import ArgillaNotFoundError, TemplateError

if TYPE_CHECKING:
    import argilla as rg
    from rich.progress import Progress

GUIDELINES = """# Guía de curación

Estos registros son aquellos en los que los anotadores no se pusieron de acuerdo (empates, entidades
marcadas por una sola persona). La pregunta **Entidades (decisión final)** viene rellenada con lo que
aceptó la mayoría; las preguntas «Respuesta de …» muestran lo que marcó cada anotador. «SIN
ENTIDADES» significa que esa persona envió el registro sin marcar nada (un voto en contra de cada
entidad); «SIN RESPUESTA», que no respondió este registro.

Corrija la decisión final y envíela: su respuesta sustituye al voto de la mayoría en la exportación.
No hace falta responder a las preguntas de cada anotador.
"""


@dataclass(frozen=True)
class CurationReport:
    dataset: str
    workspace: str
    records: int
    annotators: list[str]
    reasons: dict[str, int]
    curators: list[str]  # members of the curation workspace (owners and admins can curate too)


def annotator_question(username: str) -> str:
    return "anotador_" + re.sub(r"[^a-z0-9_]", "_", username.lower())


def annotator_field(username: str) -> str:
    return "texto_" + re.sub(r"[^a-z0-9_]", "_", username.lower())


def curation_settings(labels: list[str], annotators: list[str]) -> rg.Settings:
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
    fields = [
        rg.TextField(name="text", title="Texto"),
        rg.TextField(name="respuestas", title="Respuestas de los anotadores"),
    ]
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


def spans_value(spans: Iterable[SpanAnnotation | LabelledSpan]) -> list[dict[str, int | str]]:
    return [{"start": s.start, "end": s.end, "label": s.label} for s in spans]


def answer_text(text: str, name: str, spans: list[SpanAnnotation] | None) -> str:
    """An annotator's copy of the text: as it is when they marked spans, else says what they did."""
    if spans is None:
        return f"SIN RESPUESTA ({name} no respondió este registro)"
    if not spans:
        return f"SIN ENTIDADES ({name} envió el registro sin marcar nada)\n\n{text}"
    return text


def answers_summary(answers: dict[str, list[SpanAnnotation] | None]) -> str:
    def one(spans: list[SpanAnnotation] | None) -> str:
        if spans is None:
            return "sin respuesta"
        return f"{len(spans)} entidades" if spans else "sin entidades"

    return " · ".join(f"{name}: {one(spans)}" for name, spans in answers.items())


def curation_record(
    record: RecordItem,
    reasons: set[str],
    decided: AdjudicatedRecord,
    answers: dict[str, list[SpanAnnotation] | None],
) -> rg.Record:
    """One record for the curator: the majority's spans to correct, and each annotator's answer."""
    import argilla as rg

    suggestions = (
        [rg.Suggestion(templates.SPAN_QUESTION, spans_value(decided.spans), agent="mayoria")]
        if decided.spans
        else []
    )
    suggestions += [
        rg.Suggestion(annotator_question(name), spans_value(spans), agent=name)
        for name, spans in answers.items()
        if spans
    ]
    text = record.fields["text"]
    fields = {"text": text, "respuestas": answers_summary(answers)}
    fields |= {annotator_field(name): answer_text(text, name, spans) for name, spans in answers.items()}
    metadata = {"documento": record.metadata["documento"], "motivo": ",".join(sorted(reasons))}
    return rg.Record(id=record.id, fields=fields, suggestions=suggestions, metadata=metadata)


def curation_workspace(
    client: rg.Argilla, dataset: rg.Dataset, curators: Sequence[str]
) -> tuple[rg.Workspace, list[str]]:
    """`<workspace>-curacion` (created when missing) with the named curators in it; its members."""
    import argilla as rg

    known = {u.username: u for u in client.users}
    unknown = [name for name in curators if name not in known]
    if unknown:
        raise ArgillaNotFoundError(
            f"no user {', '.join(map(repr, unknown))} on {client.api_url}; create the account first "
            "(`python -m annotate team`) or check the name"
        )
    name = curation_workspace_name(dataset)
    workspace = client.workspaces(name) or rg.Workspace(name=name, client=client).create()
    members = {u.username for u in workspace.users}
    for curator in dict.fromkeys(curators):
        if curator not in members and known[curator].role not in CURATOR_ROLES:
            workspace.add_user(known[curator])
            members.add(curator)
    return workspace, sorted(members)


def build_curation(
    client: rg.Argilla, dataset: rg.Dataset, curators: Sequence[str] = (), progress: Progress | None = None
) -> CurationReport:
    """Put the records the majority vote could not settle into `<name>-curacion` (see the module
    docstring); a re-run updates them, curators' answers stay."""
    kept = f"records already in {curation_dataset_name(dataset)!r} are kept (a re-run updates them)"
    with api_errors(client, f"building the curation dataset of {dataset.name!r}", kept):
        return _build_curation(client, dataset, curators, progress)


def _build_curation(
    client: rg.Argilla, dataset: rg.Dataset, curators: Sequence[str], progress: Progress | None
) -> CurationReport:
    import argilla as rg

    if templates.task_of(dataset) != "ner":
        raise TemplateError(
            f"dataset {dataset.name!r} is not an NER project; adjudicate handles span projects"
        )
    users = {str(u.id): u.username for u in client.users}
    records, answers, _ = read_answers(client, dataset, users)
    spans, submissions = span_inputs(answers)
    result = adjudicate_spans(
        spans,
        submissions=submissions,
        curated=curated_answers(client, dataset, users).spans,
        texts={r.id: r.fields["text"] for r in records},
        question=templates.SPAN_QUESTION,
    )
    reasons: dict[str, set[str]] = {}
    for item in result.review:
        reasons.setdefault(item.record_id, set()).add(item.reason)
    annotators = sorted({s.annotator for s in submissions})
    by_annotator: dict[tuple[str, str], list[SpanAnnotation]] = {
        (s.record_id, s.annotator): [] for s in submissions
    }
    for span in spans:
        by_annotator[(span.record_id, span.annotator)].append(span)
    decided = {r.record_id: r for r in result.records}
    curation_records = [
        curation_record(
            record,
            reasons[record.id],
            decided[record.id],
            {name: by_annotator.get((record.id, name)) for name in annotators},
        )
        for record in records
        if record.id in reasons
    ]
    workspace, members = curation_workspace(client, dataset, curators)
    name = curation_dataset_name(dataset)
    labels = list(dataset.settings.questions[templates.SPAN_QUESTION].labels)
    curation = client.datasets(name=name, workspace=workspace)
    if curation is None:
        settings = curation_settings(labels, annotators)
        curation = create_dataset(
            client, rg.Dataset(name=name, workspace=workspace, client=client, settings=settings)
        )
    else:
        check_annotator_questions(curation, annotators)
    if curation_records:
        log_curation(workspace, curation, curation_records, progress)
    counts: dict[str, int] = {}
    for found in reasons.values():
        for reason in found:
            counts[reason] = counts.get(reason, 0) + 1
    return CurationReport(
        name, workspace.name, len(curation_records), annotators, dict(sorted(counts.items())), members
    )


def check_annotator_questions(curation: rg.Dataset, annotators: list[str]) -> None:
    have = {q.name for q in curation.settings.questions}
    missing = [n for n in annotators if annotator_question(n) not in have]
    if missing:
        raise TemplateError(
            f"{curation.name!r} has no question for annotators {missing} who answered since it was made; "
            "delete it in the UI (its curated answers go with it) and run adjudicate again"
        )


def log_curation(
    workspace: rg.Workspace, curation: rg.Dataset, records: list[rg.Record], progress: Progress | None = None
) -> None:
    """Upsert the records (matched by id: a re-run updates them, curators' answers stay)."""
    log_records(Target(workspace, curation, False, len(records)), chunks(records, 250), progress)
