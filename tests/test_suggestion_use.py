"""How suggestions shaped the answers (annotate/argilla/suggestion_use.py), on hand-made cases that can be
checked on paper: which suggestion an answer saw, the relation, acceptance per label, the summary."""

from __future__ import annotations

import json

import pytest

from annotate.argilla.answers import read_answers
from annotate.argilla.api import RecordItem, ResponseItem, SuggestionItem
from annotate.argilla.export import annotation_rows, suggestion_uses
from annotate.argilla.suggestion_use import (
    Shown,
    Use,
    acceptance_per_label,
    records_by_exposure,
    relation,
    shown_suggestion,
    spans_of,
    suggestion_summary,
)

F1, F2, P1 = (0, 5, "FARMACO"), (10, 15, "FARMACO"), (20, 28, "PROTEINA")


@pytest.mark.parametrize(
    ("suggested", "answer", "expected"),
    [
        ({F1, F2}, {F1, F2}, "accepted"),
        (set(), set(), "accepted"),  # "no entity" suggested and confirmed
        ({F1}, {F1, P1}, "added"),
        (set(), {P1}, "added"),
        ({F1, F2}, set(), "rejected"),
        ({F1}, {(0, 4, "FARMACO")}, "rejected"),  # the only span changed: nothing suggested was kept
        ({F1, F2}, {F1}, "corrected"),  # one removed
        ({F1, F2}, {F1, (10, 15, "PROTEINA")}, "corrected"),  # one relabelled
    ],
)
def test_relation(suggested, answer, expected) -> None:
    assert relation(frozenset(suggested), frozenset(answer)) == expected


def value(*spans) -> list[dict]:
    return [{"start": s, "end": e, "label": label} for s, e, label in spans]


def record(suggestion_at: str | None, replaced: list | None = None) -> RecordItem:
    suggestions = (
        (SuggestionItem("entidades", value(F1), "model:m v2", [0.9], suggestion_at),) if suggestion_at else ()
    )
    metadata = {"_sugerencias_previas": json.dumps(replaced)} if replaced else {}
    return RecordItem("r1", {"text": "x" * 30}, metadata, (), suggestions)


def test_the_suggestion_shown_is_the_one_there_when_the_answer_was_first_saved() -> None:
    current = record("2025-05-02T10:00:00")
    assert shown_suggestion(current, "entidades", "2025-05-02T11:00:00") == Shown(
        "model:m v2", frozenset({F1})
    )
    assert shown_suggestion(current, "entidades", "2025-05-02T09:00:00") is None  # answered before it
    assert shown_suggestion(current, "etiqueta", "2025-05-02T11:00:00") is None  # another question
    # replaced after the answer: the earlier one kept by `suggest` is what the annotator saw
    earlier = [["model:m v1", "2025-05-01T10:00:00", value(F2, P1)]]
    replaced = record("2025-05-02T10:00:00", earlier)
    assert shown_suggestion(replaced, "entidades", "2025-05-01T12:00:00") == Shown(
        "model:m v1", frozenset({F2, P1})
    )
    assert shown_suggestion(replaced, "entidades", "2025-05-03T00:00:00").agent == "model:m v2"


def uses() -> list[Use]:
    """Four answers shown a model's suggestion, one a gold suggestion, two none (records r4, r5)."""
    model, gold = "model:m v1", "gold"
    return [
        Use("r1", "ana", frozenset({F1, F2}), Shown(model, frozenset({F1, F2}))),  # accepted: 2 F kept
        Use("r1", "beto", frozenset({F1}), Shown(model, frozenset({F1, F2}))),  # corrected: 1 of 2 F kept
        Use("r2", "ana", frozenset({F1, P1}), Shown(model, frozenset({F1}))),  # added: 1 F kept
        Use("r3", "ana", frozenset(), Shown(model, frozenset({P1}))),  # rejected: P not kept
        Use("r3", "beto", frozenset({P1}), Shown(gold, frozenset({P1}))),  # accepted: P kept
        Use("r4", "ana", frozenset({F1}), None),
        Use("r5", "beto", frozenset(), None),
    ]


def test_acceptance_per_label_counts_suggested_spans_kept_exactly() -> None:
    assert acceptance_per_label(uses()) == {
        "FARMACO": {"suggested": 5, "accepted": 4, "rate": 0.8},
        "PROTEINA": {"suggested": 2, "accepted": 1, "rate": 0.5},
    }


def test_summary_counts_relations_per_source_and_splits_records_by_exposure() -> None:
    summary = suggestion_summary(uses(), {"records": 3, "f1": 0.5}, {"records": 2, "f1": None})
    assert summary["answers"] == 7 and summary["answers_with_suggestion"] == 5
    assert summary["answers_without_suggestion"] == 2
    assert summary["relations"] == {"accepted": 2, "corrected": 1, "rejected": 1, "added": 1}
    assert summary["relations_by_source"] == {
        "gold": {"accepted": 1, "corrected": 0, "rejected": 0, "added": 0},
        "model": {"accepted": 1, "corrected": 1, "rejected": 1, "added": 1},
    }
    assert summary["agreement"]["with_suggestion"] == {"records": 3, "f1": 0.5}
    mixed = [*uses(), Use("r4", "carla", frozenset(), Shown("gold", frozenset()))]
    assert records_by_exposure(mixed) == ({"r1", "r2", "r3"}, {"r5"})  # r4: some saw one, some not


def test_export_rows_say_what_each_answer_saw_and_did() -> None:
    """annotation_rows and suggestion_uses on records as the REST API lists them."""
    answered = ResponseItem("u1", "submitted", {"entidades": value(F1, P1)}, "2025-05-02T11:00:00", "x")
    early = ResponseItem("u2", "submitted", {"entidades": value(F1)}, "2025-05-02T09:00:00", "x")
    item = RecordItem(
        "d#0",
        {"text": "x" * 30},
        {"documento": "d", "split": "train"},
        (answered, early),
        (SuggestionItem("entidades", value(F1), "model:m v2", [0.9], "2025-05-02T10:00:00"),),
    )
    records, answers, times = read_answers(None, None, {"u1": "ana", "u2": "beto"}, items=[item])
    rows = {row["annotator"]: row for row in annotation_rows(records, answers, times)}
    assert rows["ana"]["suggestion_agent"] == "model:m v2" and rows["ana"]["suggestion_relation"] == "added"
    assert rows["beto"]["suggestion_shown"] is False and rows["beto"]["suggestion_relation"] is None
    found = suggestion_uses(records, answers, times)
    assert [(u.annotator, u.relation) for u in found] == [("ana", "added"), ("beto", None)]
    assert spans_of(value(F1)) == frozenset({F1})
