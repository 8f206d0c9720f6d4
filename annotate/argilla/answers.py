"""The annotators' answers in a dataset, one `Answer` per user x record x question, as export and
adjudicate read them.

    records, answers, times = read_answers(client, dataset, {user_id: username})
    spans, submissions = span_inputs(answers)          # the inputs of agreement and adjudication

Read from the REST API (`api.list_records`), which keeps what the SDK drops: each response's
inserted_at/updated_at, and a discard that carries no answer (one `Answer` with question "").

Each answer says where it comes from (`origin`): "simulated" when its record's `_simulado` metadata names
its user (`annotate simulate` writes it, with its settings, on every record it answers), else "person":
someone answered in Argilla (the UI or the REST API).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from annotate.agreement.report import SpanAnnotation, Submission
from annotate.argilla import templates
from annotate.argilla.api import RecordItem, list_records

if TYPE_CHECKING:
    import argilla as rg

SIMULATED_MARKER = "_simulado"  # extra record metadata: {user id: simulator settings}, JSON
PERSON, SIMULATED = "person", "simulated"

#: (inserted_at, updated_at) of each response, by (record id, user id)
ResponseTimes = dict[tuple[str, str], tuple[str, str]]


@dataclass(frozen=True)
class Answer:
    record_id: str
    annotator: str  # username (the user id when the user is gone)
    user_id: str
    question: str  # "" for a response without values (a bare discard)
    value: Any  # the question's value: spans [{start, end, label}], a label, a rating, a text
    status: str  # submitted | discarded | draft
    origin: str = PERSON  # person | simulated
    simulator: str | None = None  # the simulator's settings (JSON) of a simulated answer


def simulated_by(metadata: dict) -> dict[str, dict]:
    """{user id: simulator settings} of the simulated answers a record carries ({} when none)."""
    try:
        marks = json.loads(metadata.get(SIMULATED_MARKER) or "{}")
    except (TypeError, ValueError):
        return {}
    return marks if isinstance(marks, dict) else {}


def read_answers(
    client: rg.Argilla, dataset: rg.Dataset, users: dict[str, str], items: list[RecordItem] | None = None
) -> tuple[list[RecordItem], list[Answer], ResponseTimes]:
    """Every record, every answer (one per question; a discard without values is one answer with question
    ""), and each response's times; `users` maps user ids to usernames. `items` saves the read when the
    caller already has the records."""
    records = list_records(client, dataset) if items is None else items
    answers: list[Answer] = []
    times: ResponseTimes = {}
    for record in records:
        simulated = simulated_by(record.metadata)
        for response in record.responses:
            user, status = response.user_id, response.status
            who = users.get(user, user)
            times[(record.id, user)] = (response.inserted_at, response.updated_at)
            settings = simulated.get(user)
            origin = (
                (SIMULATED, json.dumps(settings, sort_keys=True)) if settings is not None else (PERSON, None)
            )
            answers += [
                Answer(record.id, who, user, q, v, status, *origin) for q, v in response.values.items()
            ]
            if not response.values:
                answers.append(Answer(record.id, who, user, "", None, status, *origin))
    return records, answers, times


def span_inputs(answers: list[Answer]) -> tuple[list[SpanAnnotation], list[Submission]]:
    """The submitted answers to the span question, as agreement/adjudication inputs."""
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
