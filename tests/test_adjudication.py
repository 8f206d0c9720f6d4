"""Adjudication: majority vote per span / label, review items, the curator wins, nothing dropped."""

from __future__ import annotations

import json
import random

import pytest

from annotate.adjudication.labels import adjudicate_labels
from annotate.adjudication.spans import Adjudication, adjudicate_spans
from annotate.agreement.types import LabelAnnotation, LabelledSpan, SpanAnnotation, Submission
from annotate.errors import AgreementError

TEXT = "El paciente toma metformina 850 mg al día."
DRUG, DOSE, WIDE = (
    LabelledSpan(17, 27, "FARMACO"),
    LabelledSpan(28, 34, "DOSIS"),
    LabelledSpan(17, 34, "FARMACO"),
)


def marked(record: str, **by_annotator: list[LabelledSpan]) -> list[SpanAnnotation]:
    return [
        SpanAnnotation(record, annotator, span.start, span.end, span.label)
        for annotator, spans in by_annotator.items()
        for span in spans
    ]


def assert_nothing_dropped(result: Adjudication, annotations: list[SpanAnnotation]) -> None:
    """Every proposed span is accepted, listed in a review item of its record, or overruled by the curator."""
    records = {record.record_id: record for record in result.records}
    in_review = {
        (item.record_id, LabelledSpan(s["start"], s["end"], s["label"]))
        for item in result.review
        for s in item.details["spans"]
    }
    for annotation in annotations:
        record = records[annotation.record_id]
        assert annotation.annotator in record.votes[annotation.span]
        assert (
            annotation.span in record.spans
            or (annotation.record_id, annotation.span) in in_review
            or record.decided_by == "curator"
        ), annotation


@pytest.mark.parametrize(
    ("by_annotator", "decided_by", "spans", "reasons"),
    [
        # 3 annotators, DRUG 3 votes, DOSE 2 of 3 (> 3/2): both accepted, no review.
        ({"ana": [DRUG, DOSE], "ben": [DRUG, DOSE], "eva": [DRUG]}, "majority", (DRUG, DOSE), {}),
        ({"ana": [DRUG], "ben": [DRUG], "eva": [DRUG]}, "unanimous", (DRUG,), {}),
        # 2-1: DRUG accepted, WIDE only eva's: a lone span (n = 3) goes to review.
        ({"ana": [DRUG], "ben": [DRUG], "eva": [WIDE]}, "pending", (DRUG,), {"lone_span": [WIDE]}),
        # 1-1 with 2 annotators: each span has exactly half the votes.
        ({"ana": [DRUG], "ben": [WIDE]}, "pending", (), {"tie": [DRUG, WIDE]}),
        # 4 annotators, 2-2: tie; 5 annotators, 2 of 5: minority, 1 of 5: lone.
        ({"a": [DRUG], "b": [DRUG], "c": [WIDE], "d": [WIDE]}, "pending", (), {"tie": [DRUG, WIDE]}),
        (
            {"a": [DRUG], "b": [DRUG], "c": [DRUG, DOSE], "d": [DOSE], "e": [WIDE]},
            "pending",
            (DRUG,),
            {"minority": [DOSE], "lone_span": [WIDE]},
        ),
        ({"ana": [DRUG, DOSE]}, "single_annotator", (DRUG, DOSE), {}),
    ],
    ids=["majority", "unanimous", "two-one-lone", "one-one-tie", "two-two-tie", "five", "single"],
)
def test_majority_vote(by_annotator, decided_by, spans, reasons):
    annotations = marked("r1", **by_annotator)
    result = adjudicate_spans(annotations, texts={"r1": TEXT})
    (record,) = result.records
    assert record.decided_by == decided_by
    assert record.spans == spans
    assert record.open_reasons == tuple(sorted(reasons))
    found = {
        item.reason: [LabelledSpan(s["start"], s["end"], s["label"]) for s in item.details["spans"]]
        for item in result.review
    }
    assert found == reasons
    assert_nothing_dropped(result, annotations)


def test_an_empty_submission_counts_as_a_vote_against():
    # ana marks DRUG, ben submitted no span: 1 of 2 votes is a tie, not a single-annotator record.
    result = adjudicate_spans(marked("r1", ana=[DRUG]), submissions=[Submission("r1", "ben")])
    assert result.records[0].decided_by == "pending"
    assert result.review[0].reason == "tie"
    assert result.review[0].details["annotators"] == ["ana", "ben"]


def test_all_empty_submissions_are_unanimous():
    result = adjudicate_spans([], submissions=[Submission("r1", "ana"), Submission("r1", "ben")])
    assert (result.records[0].decided_by, result.records[0].spans, result.review) == ("unanimous", (), ())


def test_review_item_shows_text_and_voters():
    result = adjudicate_spans(marked("r1", ana=[DRUG], ben=[DRUG], eva=[WIDE]), texts={"r1": TEXT})
    (item,) = result.review
    assert item.to_json() == {
        "record_id": "r1",
        "question": "spans",
        "reason": "lone_span",
        "annotators": ["ana", "ben", "eva"],
        "majority_needs": 2,
        "spans": [
            {
                "start": 17,
                "end": 34,
                "label": "FARMACO",
                "chosen_by": ["eva"],
                "votes": 1,
                "text": "metformina 850 mg",
            }
        ],
    }


def test_curated_answer_wins_and_is_counted():
    annotations = marked("r1", ana=[DRUG], ben=[WIDE]) + marked("r2", ana=[DOSE], ben=[DOSE])
    curated = {"r1": [WIDE], "r3": [(0, 2, "OTRO")]}
    result = adjudicate_spans(annotations, curated=curated)
    records = {record.record_id: record for record in result.records}
    assert records["r1"].decided_by == "curator" and records["r1"].spans == (WIDE,)
    assert records["r1"].votes == {DRUG: frozenset({"ana"}), WIDE: frozenset({"ben"})}
    assert records["r2"].decided_by == "unanimous"
    assert records["r3"].spans == (LabelledSpan(0, 2, "OTRO"),) and records["r3"].annotators == ()
    assert result.review == ()
    assert result.curated == 2
    assert result.summary()["decided_by"] == {"curator": 2, "unanimous": 1}
    assert_nothing_dropped(result, annotations)


@pytest.mark.parametrize("seed", range(8))
def test_nothing_is_dropped_silently(seed):
    rng = random.Random(seed)
    candidates = [
        LabelledSpan(s, s + length, label) for s in range(0, 20, 3) for length in (2, 4) for label in "XY"
    ]
    annotations = []
    for record in range(6):
        for annotator in rng.sample(["ana", "ben", "eva", "ivo", "ona"], rng.randint(1, 5)):
            for span in rng.sample(candidates, rng.randint(1, 4)):
                annotations.append(SpanAnnotation(f"r{record}", annotator, span.start, span.end, span.label))
    curated = {"r0": [candidates[0]]} if seed % 2 else {}
    result = adjudicate_spans(annotations, curated=curated)
    assert_nothing_dropped(result, annotations)
    pending = {record.record_id for record in result.records if record.decided_by == "pending"}
    assert pending == {item.record_id for item in result.review}
    json.dumps(result.to_json())


def test_several_questions_need_a_choice():
    annotations = [SpanAnnotation("r1", "ana", 0, 2, "X", "a"), SpanAnnotation("r1", "ana", 0, 2, "X", "b")]
    with pytest.raises(AgreementError, match="one question at a time"):
        adjudicate_spans(annotations)
    assert adjudicate_spans(annotations, question="b").records[0].question == "b"


# ---- labels --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "decided_by", "value", "reasons"),
    [
        ({"ana": "caso", "ben": "caso", "eva": "revision"}, "majority", "caso", ()),
        ({"ana": "caso", "ben": "caso"}, "unanimous", "caso", ()),
        ({"ana": "caso", "ben": "revision"}, "pending", None, ("tie",)),
        ({"a": "caso", "b": "caso", "c": "revision", "d": "revision"}, "pending", None, ("tie",)),
        ({"ana": "caso", "ben": "revision", "eva": "ensayo"}, "pending", None, ("tie",)),
        (
            {"a": "caso", "b": "caso", "c": "revision", "d": "ensayo", "e": "otro"},
            "pending",
            None,
            ("no_majority",),
        ),
        ({"ana": "caso"}, "single_annotator", "caso", ()),
    ],
    ids=["two-one", "unanimous", "one-one", "two-two", "one-one-one", "plurality", "single"],
)
def test_single_label_majority(answers, decided_by, value, reasons):
    annotations = [LabelAnnotation("r1", annotator, "tipo", label) for annotator, label in answers.items()]
    result = adjudicate_labels(annotations)
    (record,) = result.records
    assert (record.decided_by, record.value, record.open_reasons) == (decided_by, value, reasons)
    assert tuple(item.reason for item in result.review) == reasons
    for item in result.review:  # every choice is shown to the curator
        assert {entry["label"] for entry in item.details["labels"]} == set(answers.values())


def test_multi_label_votes_per_label():
    # caso: 3 of 3 -> accepted; renal: 2 of 3 -> accepted; cardio: 1 of 3 -> lone_label.
    annotations = [
        LabelAnnotation("r1", "ana", "temas", ["caso", "renal"]),
        LabelAnnotation("r1", "ben", "temas", ["caso", "renal", "cardio"]),
        LabelAnnotation("r1", "eva", "temas", ["caso"]),
    ]
    result = adjudicate_labels(annotations)
    (record,) = result.records
    assert record.value == ("caso", "renal")
    assert record.decided_by == "pending"
    assert [(item.reason, item.details["labels"]) for item in result.review] == [
        ("lone_label", [{"label": "cardio", "chosen_by": ["ben"]}])
    ]


def test_curated_label_wins():
    annotations = [
        LabelAnnotation("r1", "ana", "tipo", "caso"),
        LabelAnnotation("r1", "ben", "tipo", "revision"),
    ]
    result = adjudicate_labels(annotations, curated={"r1": "revision"})
    assert (result.records[0].value, result.records[0].decided_by, result.review, result.curated) == (
        "revision",
        "curator",
        (),
        1,
    )
    with pytest.raises(AgreementError, match="is not one label"):
        adjudicate_labels(annotations, curated={"r1": ["revision"]})
    document = json.loads(json.dumps(result.to_json()))
    assert document["adjudicated"][0]["proposed"] == {"caso": ["ana"], "revision": ["ben"]}
