"""Inter-annotator agreement per question: the `agreement.json` of a run.

    agreement = compute_agreement(spans, labels, ratings, texts, submissions=submissions)
    json.dumps(agreement.to_json())

`spans`, `labels`, `ratings` are `SpanAnnotation`/`LabelAnnotation`/`RatingAnnotation` rows (one per
span or answer, `annotate.agreement.types`), `texts` maps record id -> record text (span questions
need it), `submissions` tells which annotators answered a span question on a record without marking
any span. The JSON shape:

    {"version": 1,
     "methods": {metric name: how it is computed},
     "questions": {
       "<question>": {
         "kind": "spans" | "label" | "multi_label" | "rating",
         "counts": {"records", "annotators", "annotator_ids", "records_with_2_or_more_annotators",
                    "records_answered_by_all", "records_per_annotator", "annotations_per_annotator"},
         "overall":   {metric: {"value": float | null, "n": int, "unit": str, "reason": str | null}},
         "per_label": {label: {metric: {...}}},
         "per_pair":  {"ann1|ann2": {metric: {...}}},
         "notes": [str]}}}

Metrics: spans -> f1, precision, recall (pairs only), token_cohen_kappa, token_fleiss_kappa (overall),
alpha_u (`annotate.agreement.spans`); labels -> alpha_nominal, fleiss_kappa or cohen_kappa (pairs),
percent_agreement; ratings -> alpha_ordinal, percent_agreement (`annotate.agreement.labels`).

Degenerate cases never raise; the metric is null and `reason` says why: nobody or one annotator on
the question, a pair with no shared record, no span at all (F1 = 0/0), no record answered by every
annotator (Fleiss' kappa), no variation (every answer the same value: kappa and alpha are 0/0, as the
`krippendorff` package also refuses; percent agreement is 1.0 then). Identical annotators with some
variation score 1.0 everywhere. Malformed input (a span past the end of its text, two different
answers from one annotator to one question on one record) raises `AgreementError`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from annotate.agreement.labels import label_agreement, rating_agreement
from annotate.agreement.spans import span_agreement
from annotate.agreement.tokens import tokenize
from annotate.agreement.types import (
    LabelAnnotation,
    LabelledSpan,
    Metric,
    QuestionAgreement,
    RatingAnnotation,
    SpanAnnotation,
    Submission,
    pair_key,
)
from annotate.errors import AgreementError

__all__ = [
    "Agreement",
    "LabelAnnotation",
    "Metric",
    "QuestionAgreement",
    "RatingAnnotation",
    "LabelledSpan",
    "SpanAnnotation",
    "Submission",
    "compute_agreement",
    "pair_key",
    "tokenize",
]

METHODS = {
    "f1": "exact match (start, end, label) between two annotators on the records both answered; "
    "overall and per label pooled (micro) over all pairs",
    "precision": "pair a|b: spans both marked / spans of b",
    "recall": "pair a|b: spans both marked / spans of a",
    "token_cohen_kappa": "Cohen's kappa on token labels (outermost span's label or O; tokens = words and "
    "punctuation marks); overall = mean over pairs",
    "token_fleiss_kappa": "Fleiss' kappa on token labels, records answered by every annotator",
    "alpha_u": "Krippendorff's unitizing alpha (DKPro Agreement, as INCEpTION reports it): continuum = "
    "record text, mean over records with >= 2 annotators and >= 1 span",
    "alpha_nominal": "Krippendorff's alpha, nominal; multi label: one yes/no item per record and label",
    "alpha_ordinal": "Krippendorff's alpha, ordinal",
    "fleiss_kappa": "Fleiss' kappa on the records answered by every annotator",
    "cohen_kappa": "Cohen's kappa on the records both annotators answered",
    "percent_agreement": "share of agreeing annotator pairs per item, averaged over items with >= 2 answers",
}


@dataclass(frozen=True)
class Agreement:
    """Agreement on every question of a dataset (the content of `agreement.json`)."""

    questions: dict[str, QuestionAgreement]

    def to_json(self) -> dict[str, Any]:
        return {
            "version": 1,
            "methods": dict(METHODS),
            "questions": {name: q.to_json() for name, q in sorted(self.questions.items())},
        }


def _one_answer(
    answers: dict[str, dict[str, dict[str, Any]]], question: str, record: str, who: str, value: Any
) -> None:
    previous = answers[question][record].setdefault(who, value)
    if previous != value:
        raise AgreementError(
            f"question {question!r}, record {record!r}, annotator {who!r}: two different answers "
            f"({previous!r} and {value!r}); keep only the submitted one"
        )


def compute_agreement(
    spans: Iterable[SpanAnnotation],
    labels: Iterable[LabelAnnotation],
    ratings: Iterable[RatingAnnotation],
    texts: Mapping[str, str],
    *,
    submissions: Iterable[Submission] = (),
) -> Agreement:
    """Agreement per question over all annotations (see the module docstring for the JSON)."""
    span_sets: dict[str, dict[str, dict[str, set[LabelledSpan]]]] = defaultdict(lambda: defaultdict(dict))
    for annotation in spans:
        span_sets[annotation.question][annotation.record_id].setdefault(annotation.annotator, set()).add(
            annotation.span
        )
    label_answers: dict[str, dict[str, dict[str, Any]]] = defaultdict(lambda: defaultdict(dict))
    for answer in labels:
        _one_answer(label_answers, answer.question, answer.record_id, answer.annotator, answer.value)
    rating_answers: dict[str, dict[str, dict[str, Any]]] = defaultdict(lambda: defaultdict(dict))
    for rating in ratings:
        _one_answer(rating_answers, rating.question, rating.record_id, rating.annotator, rating.value)
    for submission in submissions:
        if submission.question not in label_answers and submission.question not in rating_answers:
            span_sets[submission.question][submission.record_id].setdefault(submission.annotator, set())

    kinds: dict[str, str] = {}
    for kind, names in (("spans", span_sets), ("label", label_answers), ("rating", rating_answers)):
        for name in names:
            if name in kinds:
                raise AgreementError(
                    f"question {name!r} has both {kinds[name]} and {kind} answers; "
                    "give each question one type"
                )
            kinds[name] = kind

    questions: dict[str, QuestionAgreement] = {}
    for name, records in span_sets.items():
        frozen = {r: {a: frozenset(s) for a, s in who.items()} for r, who in records.items()}
        questions[name] = span_agreement(name, frozen, texts)
    for name, answers in label_answers.items():
        multi = {isinstance(v, tuple) for who in answers.values() for v in who.values()}
        if len(multi) > 1:
            raise AgreementError(
                f"question {name!r} mixes single labels (strings) and multi labels (lists); "
                "a question is one or the other"
            )
        questions[name] = label_agreement(name, answers, multi=multi == {True})
    for name, answers in rating_answers.items():
        questions[name] = rating_agreement(name, answers)
    return Agreement(questions)
