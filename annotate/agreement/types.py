"""The typed data of agreement and adjudication: annotations in, metrics out.

Inputs are plain frozen dataclasses, independent of Argilla (the export turns responses into them):

    SpanAnnotation("r1", "ana", 0, 9, "FARMACO")            # a span, offsets into the record text
    LabelAnnotation("r1", "ana", "tipo", "caso clinico")      # single label
    LabelAnnotation("r1", "ana", "temas", ["cardio", "renal"])  # multi label (stored as a sorted tuple)
    RatingAnnotation("r1", "ana", "calidad", 4)
    Submission("r1", "ana", "entidades")                      # answered, possibly with no span at all

A `Submission` is how "ana read r1 and marked nothing" is told apart from "ana never saw r1"; span
annotations imply their own submission.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from annotate.errors import AgreementError

SPANS_QUESTION = "spans"


def pair_key(a: str, b: str) -> str:
    """The key of an annotator pair in `agreement.json`: both ids, sorted, joined by "|"."""
    return "|".join(sorted((a, b)))


def _check_ids(record_id: str, annotator: str) -> None:
    if not record_id or not annotator:
        raise AgreementError(
            f"record {record_id!r}, annotator {annotator!r}: both ids must be non-empty strings "
            "(export the Argilla record id and the user id)"
        )


@dataclass(frozen=True, order=True)
class LabelledSpan:
    """A labelled character range [start, end) of a record text."""

    start: int
    end: int
    label: str

    def __post_init__(self) -> None:
        if self.start < 0 or self.end <= self.start or not self.label:
            raise AgreementError(
                f"span {self.start}-{self.end} {self.label!r}: needs 0 <= start < end and a label"
            )

    def to_json(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "label": self.label}


@dataclass(frozen=True)
class SpanAnnotation:
    """One span one annotator marked in one record (for the span question `question`)."""

    record_id: str
    annotator: str
    start: int
    end: int
    label: str
    question: str = SPANS_QUESTION

    def __post_init__(self) -> None:
        _check_ids(self.record_id, self.annotator)
        if self.start < 0 or self.end <= self.start or not self.label:
            raise AgreementError(
                f"record {self.record_id!r}, annotator {self.annotator!r}: span {self.start}-{self.end} "
                f"{self.label!r} needs 0 <= start < end and a label (fix or drop it at export)"
            )

    @property
    def span(self) -> LabelledSpan:
        return LabelledSpan(self.start, self.end, self.label)


@dataclass(frozen=True)
class LabelAnnotation:
    """One annotator's answer to a label question: a string (single label) or a list (multi label)."""

    record_id: str
    annotator: str
    question: str
    value: str | tuple[str, ...]

    def __post_init__(self) -> None:
        _check_ids(self.record_id, self.annotator)
        if isinstance(self.value, str):
            if not self.value:
                raise AgreementError(
                    f"record {self.record_id!r}, annotator {self.annotator!r}, question {self.question!r}: "
                    "empty label (leave the answer out instead)"
                )
        else:
            object.__setattr__(self, "value", tuple(sorted(set(self.value))))

    @property
    def is_multi(self) -> bool:
        return not isinstance(self.value, str)


@dataclass(frozen=True)
class RatingAnnotation:
    """One annotator's answer to a rating question (an ordinal integer, e.g. 1-5)."""

    record_id: str
    annotator: str
    question: str
    value: int

    def __post_init__(self) -> None:
        _check_ids(self.record_id, self.annotator)
        if isinstance(self.value, bool) or not isinstance(self.value, int):
            raise AgreementError(
                f"record {self.record_id!r}, annotator {self.annotator!r}, question {self.question!r}: "
                f"rating {self.value!r} is not an integer"
            )


@dataclass(frozen=True)
class Submission:
    """The annotator submitted an answer to `question` on the record, possibly with no span in it."""

    record_id: str
    annotator: str
    question: str = SPANS_QUESTION

    def __post_init__(self) -> None:
        _check_ids(self.record_id, self.annotator)


@dataclass(frozen=True)
class Metric:
    """One agreement value and what it was computed on.

    `value` is None when the metric is undefined, and `reason` then says why (one annotator, no
    shared record, no variation...). `n` counts the units scored, in `unit` ("records", "tokens",
    "items", "spans").
    """

    value: float | None
    n: int
    unit: str
    reason: str | None = None

    @classmethod
    def undefined(cls, reason: str, n: int = 0, unit: str = "records") -> Metric:
        return cls(None, n, unit, reason)

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, "n": self.n, "unit": self.unit, "reason": self.reason}


@dataclass(frozen=True)
class Counts:
    """Who answered how much, for one question.

    `annotations_per_annotator` counts spans for a span question and answers for the others;
    `records_answered_by_all` is what Fleiss' kappa is computed on.
    """

    records: int
    annotators: tuple[str, ...]
    records_with_2_or_more_annotators: int
    records_answered_by_all: int
    records_per_annotator: dict[str, int]
    annotations_per_annotator: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "annotators": len(self.annotators),
            "annotator_ids": list(self.annotators),
            "records_with_2_or_more_annotators": self.records_with_2_or_more_annotators,
            "records_answered_by_all": self.records_answered_by_all,
            "records_per_annotator": dict(self.records_per_annotator),
            "annotations_per_annotator": dict(self.annotations_per_annotator),
        }


def lonely_reason(annotators: Sequence[str]) -> str | None:
    """Why no agreement can be computed with these annotators (nobody or only one), else None."""
    if not annotators:
        return "nobody answered this question"
    if len(annotators) == 1:
        return f"only one annotator ({annotators[0]}) answered this question"
    return None


def count_answers(answered: dict[str, set[str]], annotations_per_annotator: dict[str, int]) -> Counts:
    """Counts from `answered` (record id -> annotators who answered it)."""
    annotators = tuple(sorted({a for who in answered.values() for a in who}))
    per_annotator = {a: sum(a in who for who in answered.values()) for a in annotators}
    return Counts(
        records=len(answered),
        annotators=annotators,
        records_with_2_or_more_annotators=sum(len(who) >= 2 for who in answered.values()),
        records_answered_by_all=sum(len(who) == len(annotators) for who in answered.values()),
        records_per_annotator=per_annotator,
        annotations_per_annotator={a: annotations_per_annotator.get(a, 0) for a in annotators},
    )


@dataclass(frozen=True)
class QuestionAgreement:
    """Agreement on one question: overall, per label, per annotator pair, counts and notes."""

    question: str
    kind: str  # "spans" | "label" | "multi_label" | "rating"
    counts: Counts
    overall: dict[str, Metric]
    per_label: dict[str, dict[str, Metric]] = field(default_factory=dict)
    per_pair: dict[str, dict[str, Metric]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        def block(metrics: dict[str, Metric]) -> dict[str, Any]:
            return {name: metric.to_json() for name, metric in metrics.items()}

        return {
            "kind": self.kind,
            "counts": self.counts.to_json(),
            "overall": block(self.overall),
            "per_label": {label: block(m) for label, m in sorted(self.per_label.items())},
            "per_pair": {pair: block(m) for pair, m in sorted(self.per_pair.items())},
            "notes": list(self.notes),
        }
