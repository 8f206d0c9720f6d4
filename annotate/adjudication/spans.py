"""Adjudication of span answers: majority vote per span, the rest to human review, the curator wins.

    result = adjudicate_spans(annotations, submissions=submissions, curated=curated, texts=texts)
    result.records   # one AdjudicatedRecord per record: the spans to export and who decided them
    result.review    # ReviewItems for review.jsonl: the records a curator must look at, and why

Rules, for a record answered by n annotators (an annotator who submitted no span counts, see
`Submission`); a span is (start, end, label) and its votes are the annotators who marked exactly it:
- accepted when more than half of the n annotators marked it (2 votes > n);
- "tie" when exactly half marked it (with 2 annotators, any span only one of them marked);
- "lone_span" when a single annotator marked it and n >= 3;
- "minority" when more than one but fewer than half marked it (only possible with n >= 5).
Every span anyone proposed is therefore either accepted or listed in a review item of its record:
nothing is dropped silently. A record with a review item is "pending" (its `spans` hold the accepted
ones meanwhile); otherwise it is "unanimous" (all n marked the same spans, possibly none) or
"majority". A record only one annotator answered is "single_annotator" (nothing to vote on, no review).
A curator's answer (`curated`: record id -> spans, possibly empty) replaces the vote: "curator", no
review item, and the annotators' proposals stay in `votes` (who annotated what).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from annotate.agreement.types import LabelledSpan, SpanAnnotation, Submission
from annotate.errors import AgreementError

Decision = Literal["unanimous", "majority", "single_annotator", "curator", "pending"]
Choice = TypeVar("Choice", bound=Hashable)


@dataclass(frozen=True)
class ReviewItem:
    """A record a human must decide, and why: one item per record and reason (a line of review.jsonl)."""

    record_id: str
    question: str
    reason: str  # "tie" | "lone_span" | "minority" | "lone_label" | "no_majority"
    details: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"record_id": self.record_id, "question": self.question, "reason": self.reason, **self.details}


def classify_votes(
    votes: Mapping[Choice, frozenset[str]], answered: int, lone: str
) -> tuple[list[Choice], dict[str, list[Choice]]]:
    """Split the choices into accepted ones and those for review, by reason (see the module docstring)."""
    accepted: list[Choice] = []
    review: dict[str, list[Choice]] = defaultdict(list)
    for choice, who in votes.items():
        if 2 * len(who) > answered:
            accepted.append(choice)
        elif 2 * len(who) == answered:
            review["tie"].append(choice)
        elif len(who) == 1:
            review[lone].append(choice)
        else:
            review["minority"].append(choice)
    return accepted, dict(review)


def decide(votes: Mapping[Any, frozenset[str]], answered: int, review: Mapping[str, list[Any]]) -> Decision:
    if review:
        return "pending"
    if answered == 1:
        return "single_annotator"
    return "unanimous" if all(len(who) == answered for who in votes.values()) else "majority"


@dataclass(frozen=True)
class AdjudicatedRecord:
    """The spans to export for one record, who decided them, and every proposal with its voters."""

    record_id: str
    question: str
    spans: tuple[LabelledSpan, ...]
    decided_by: Decision
    annotators: tuple[str, ...]
    votes: dict[LabelledSpan, frozenset[str]]
    open_reasons: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "record_id": self.record_id,
            "question": self.question,
            "decided_by": self.decided_by,
            "spans": [span.to_json() for span in self.spans],
            "annotators": list(self.annotators),
            "proposed": [
                {**span.to_json(), "chosen_by": sorted(who)} for span, who in sorted(self.votes.items())
            ],
            "open_reasons": list(self.open_reasons),
        }


@dataclass(frozen=True)
class Adjudication:
    """Adjudicated records and review items of one question, spans or labels."""

    question: str
    records: tuple[Any, ...]  # AdjudicatedRecord | AdjudicatedLabel
    review: tuple[ReviewItem, ...]

    @property
    def curated(self) -> int:
        return sum(record.decided_by == "curator" for record in self.records)

    def summary(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "records": len(self.records),
            "curated": self.curated,
            "decided_by": dict(sorted(Counter(r.decided_by for r in self.records).items())),
            "review_items": dict(sorted(Counter(item.reason for item in self.review).items())),
            "records_needing_review": len({item.record_id for item in self.review}),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            **self.summary(),
            "adjudicated": [record.to_json() for record in self.records],
            "review": [item.to_json() for item in self.review],
        }


def single_question(questions: set[str], question: str | None) -> str:
    """The question to adjudicate: `question` if given, else the only one in the annotations."""
    if question is not None:
        return question
    if len(questions) > 1:
        raise AgreementError(
            f"annotations of several questions ({', '.join(sorted(questions))}): "
            "adjudicate one question at a time (pass question=...)"
        )
    return next(iter(questions), "spans")


def _span_details(
    spans: list[LabelledSpan],
    votes: Mapping[LabelledSpan, frozenset[str]],
    annotators: tuple[str, ...],
    text: str | None,
) -> dict[str, Any]:
    shown = []
    for span in sorted(spans):
        entry = {**span.to_json(), "chosen_by": sorted(votes[span]), "votes": len(votes[span])}
        if text is not None:
            entry["text"] = text[span.start : span.end]
        shown.append(entry)
    return {"annotators": list(annotators), "majority_needs": len(annotators) // 2 + 1, "spans": shown}


def adjudicate_spans(
    annotations: Iterable[SpanAnnotation],
    *,
    submissions: Iterable[Submission] = (),
    curated: Mapping[str, Iterable[LabelledSpan | tuple[int, int, str]]] | None = None,
    texts: Mapping[str, str] | None = None,
    question: str | None = None,
) -> Adjudication:
    """Majority vote per span for one span question (rules in the module docstring)."""
    annotations, submissions = list(annotations), list(submissions)
    question = single_question(
        {a.question for a in annotations} | {s.question for s in submissions}, question
    )
    answered: dict[str, set[str]] = defaultdict(set)
    votes: dict[str, dict[LabelledSpan, set[str]]] = defaultdict(lambda: defaultdict(set))
    for submission in submissions:
        if submission.question == question:
            answered[submission.record_id].add(submission.annotator)
    for annotation in annotations:
        if annotation.question == question:
            answered[annotation.record_id].add(annotation.annotator)
            votes[annotation.record_id][annotation.span].add(annotation.annotator)
    curated = curated or {}
    records, review = [], []
    for record_id in sorted(set(answered) | set(curated)):
        who = tuple(sorted(answered.get(record_id, ())))
        record_votes = {span: frozenset(v) for span, v in votes.get(record_id, {}).items()}
        if record_id in curated:
            spans = tuple(sorted({_as_span(s, record_id) for s in curated[record_id]}))
            records.append(AdjudicatedRecord(record_id, question, spans, "curator", who, record_votes))
            continue
        accepted, open_reasons = classify_votes(record_votes, len(who), lone="lone_span")
        text = texts.get(record_id) if texts is not None else None
        for reason, spans_for_review in sorted(open_reasons.items()):
            details = _span_details(spans_for_review, record_votes, who, text)
            review.append(ReviewItem(record_id, question, reason, details))
        decided_by = decide(record_votes, len(who), open_reasons)
        records.append(
            AdjudicatedRecord(
                record_id,
                question,
                tuple(sorted(accepted)),
                decided_by,
                who,
                record_votes,
                tuple(sorted(open_reasons)),
            )
        )
    return Adjudication(question, tuple(records), tuple(review))


def _as_span(span: LabelledSpan | tuple[int, int, str], record_id: str) -> LabelledSpan:
    if isinstance(span, LabelledSpan):
        return span
    try:
        start, end, label = span
        return LabelledSpan(int(start), int(end), str(label))
    except (TypeError, ValueError) as error:
        raise AgreementError(
            f"curated record {record_id!r}: {span!r} is not a span (give LabelledSpan(start, end, label))"
        ) from error
