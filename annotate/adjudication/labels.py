"""Adjudication of label answers: the majority label, ties and the rest to review, the curator wins.

    result = adjudicate_labels(annotations, curated={"r7": "caso clinico"})

Single label, for a record answered by n annotators: the label more than half of them chose is
accepted ("unanimous" when all n chose it, else "majority"); otherwise the record goes to review,
reason "tie" when two or more labels share the top count (a-b, a-b-c, a-a-b-b) and "no_majority"
when one label leads without a majority (a-a-b-c-d). Multi label: every label is voted on like a span in
`annotate.adjudication.spans` ("tie", "lone_label", "minority"); the accepted labels are the answer.
A pending record's `value` is None (single label) or the accepted labels so far (multi label). One
annotator: "single_annotator". A curator's answer (`curated`: record id -> label or list of labels)
wins: "curator". Nothing is dropped silently: every label anyone chose is in the record's `votes`
(`proposed` in JSON) with its voters, and is accepted, listed in a review item, outvoted by a
majority of the annotators (single label only: a-a-b gives a) or overruled by the curator.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from annotate.adjudication.spans import (
    Adjudication,
    Decision,
    ReviewItem,
    classify_votes,
    decide,
    single_question,
)
from annotate.agreement.types import LabelAnnotation
from annotate.errors import AgreementError

Value = str | tuple[str, ...]


@dataclass(frozen=True)
class AdjudicatedLabel:
    """The label(s) to export for one record, who decided them, and every choice with its voters."""

    record_id: str
    question: str
    value: Value | None
    decided_by: Decision
    annotators: tuple[str, ...]
    votes: dict[str, frozenset[str]]  # label -> annotators who chose it
    open_reasons: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "record_id": self.record_id,
            "question": self.question,
            "decided_by": self.decided_by,
            "value": list(self.value) if isinstance(self.value, tuple) else self.value,
            "annotators": list(self.annotators),
            "proposed": {label: sorted(who) for label, who in sorted(self.votes.items())},
            "open_reasons": list(self.open_reasons),
        }


def _single(votes: Mapping[str, frozenset[str]], answered: int) -> tuple[str | None, dict[str, list[str]]]:
    counts = Counter({label: len(who) for label, who in votes.items()})
    top = counts.most_common()
    if top and 2 * top[0][1] > answered:
        return top[0][0], {}
    leaders = sorted(label for label, count in top if count == top[0][1])
    return None, {"tie" if len(leaders) > 1 else "no_majority": sorted(votes)}


def _curated_value(value: str | Sequence[str], record_id: str, multi: bool) -> Value:
    if multi and not isinstance(value, str):
        return tuple(sorted(set(value)))
    if not multi and isinstance(value, str):
        return value
    kind = "a list of labels" if multi else "one label (a string)"
    raise AgreementError(
        f"curated record {record_id!r}: {value!r} is not {kind}, as the question's answers are"
    )


def adjudicate_labels(
    annotations: Iterable[LabelAnnotation],
    *,
    curated: Mapping[str, str | Sequence[str]] | None = None,
    question: str | None = None,
) -> Adjudication:
    """Majority vote per record for one label question (rules in the module docstring)."""
    annotations = list(annotations)
    question = single_question({a.question for a in annotations}, question)
    chosen = [a for a in annotations if a.question == question]
    multi = any(a.is_multi for a in chosen)
    if multi and not all(a.is_multi for a in chosen):
        raise AgreementError(f"question {question!r} mixes single labels and lists of labels")
    answered: dict[str, set[str]] = defaultdict(set)
    votes: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    seen: dict[tuple[str, str], Value] = {}
    for annotation in chosen:
        key = (annotation.record_id, annotation.annotator)
        if seen.setdefault(key, annotation.value) != annotation.value:
            raise AgreementError(
                f"question {question!r}, record {annotation.record_id!r}: annotator {annotation.annotator!r} "
                f"answered twice ({seen[key]!r} and {annotation.value!r}); keep only the submitted answer"
            )
        answered[annotation.record_id].add(annotation.annotator)
        labels = annotation.value if isinstance(annotation.value, tuple) else (annotation.value,)
        for label in labels:
            votes[annotation.record_id][label].add(annotation.annotator)
    curated = curated or {}
    records, review = [], []
    for record_id in sorted(set(answered) | set(curated)):
        who = tuple(sorted(answered.get(record_id, ())))
        record_votes = {label: frozenset(v) for label, v in votes.get(record_id, {}).items()}
        if record_id in curated:
            value = _curated_value(curated[record_id], record_id, multi)
            records.append(AdjudicatedLabel(record_id, question, value, "curator", who, record_votes))
            continue
        if multi:
            accepted, open_reasons = classify_votes(record_votes, len(who), lone="lone_label")
            result: Value | None = tuple(sorted(accepted))
        else:
            result, open_reasons = _single(record_votes, len(who))
        for reason, choices in sorted(open_reasons.items()):
            details = {
                "annotators": list(who),
                "majority_needs": len(who) // 2 + 1,
                "labels": [
                    {"label": label, "chosen_by": sorted(record_votes[label])} for label in sorted(choices)
                ],
            }
            review.append(ReviewItem(record_id, question, reason, details))
        # Unanimity on a multi-label record means every annotator chose the same set of labels.
        decided_by = decide(record_votes, len(who), open_reasons)
        records.append(
            AdjudicatedLabel(
                record_id, question, result, decided_by, who, record_votes, tuple(sorted(open_reasons))
            )
        )
    return Adjudication(question, tuple(records), tuple(review))
