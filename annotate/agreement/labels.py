"""Agreement on label questions (single and multi label) and rating questions.

- Single label: `alpha_nominal` (Krippendorff), `fleiss_kappa` (records answered by every annotator)
  and `percent_agreement` (pairwise observed). Per label: the same three on "chose this label: yes/no".
  Per pair: `alpha_nominal`, `cohen_kappa`, `percent_agreement` on the records both answered.
- Multi label: every (record, label) is a yes/no item, for every label anyone chose in the question.
  Overall and per pair the items of all labels are pooled; per label only that label's items count.
- Rating: `alpha_ordinal` (Krippendorff, ordinal distance) and `percent_agreement` (exact), overall and
  per pair.

A metric an annotator set cannot support (nobody, or one annotator) is None with the reason.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from itertools import combinations

from annotate.agreement.coding import Items, cohen_kappa, fleiss_kappa, krippendorff_alpha, percent_agreement
from annotate.agreement.types import Counts, Metric, QuestionAgreement, count_answers, lonely_reason, pair_key

# record id -> annotator -> answer: a label or a tuple of labels; a rating
LabelAnswers = Mapping[str, Mapping[str, str | tuple[str, ...]]]
RatingAnswers = Mapping[str, Mapping[str, int]]


def _restrict(items: Items, a: str, b: str) -> Items:
    return {item: {x: who[x] for x in (a, b) if x in who} for item, who in items.items()}


def _nominal(items: Items, annotators: tuple[str, ...], unit: str) -> dict[str, Metric]:
    return {
        "alpha_nominal": krippendorff_alpha(items, "nominal", unit=unit),
        "fleiss_kappa": fleiss_kappa(items, annotators, unit=unit),
        "percent_agreement": percent_agreement(items, unit=unit),
    }


def _pair_nominal(items: Items, a: str, b: str, unit: str) -> dict[str, Metric]:
    pair = _restrict(items, a, b)
    return {
        "alpha_nominal": krippendorff_alpha(pair, "nominal", unit=unit),
        "cohen_kappa": cohen_kappa(pair, a, b, unit=unit),
        "percent_agreement": percent_agreement(pair, unit=unit),
    }


def _pair_ordinal(items: Items, a: str, b: str, unit: str) -> dict[str, Metric]:
    pair = _restrict(items, a, b)
    return {
        "alpha_ordinal": krippendorff_alpha(pair, "ordinal", unit=unit),
        "percent_agreement": percent_agreement(pair, unit=unit),
    }


def _binary(answers: LabelAnswers, label: str) -> dict[Hashable, dict[str, Hashable]]:
    """ "Did the annotator choose `label`?" per record (a single label is a one-label tuple here)."""
    return {
        (record, label): {a: label in _as_tuple(v) for a, v in who.items()} for record, who in answers.items()
    }


def _as_tuple(value: str | tuple[str, ...]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else value


def _blank(result: dict[str, Metric], reason: str) -> dict[str, Metric]:
    return {name: Metric.undefined(reason, unit=metric.unit) for name, metric in result.items()}


def label_agreement(question: str, answers: LabelAnswers, multi: bool) -> QuestionAgreement:
    """Agreement on one label question; `multi` when the answers are tuples of labels."""
    counts = count_answers({r: set(who) for r, who in answers.items()}, _answers_per_annotator(answers))
    annotators = counts.annotators
    labels = sorted({label for who in answers.values() for v in who.values() for label in _as_tuple(v)})
    per_label_items = {label: _binary(answers, label) for label in labels}
    if multi:
        items: Items = {item: who for label in labels for item, who in per_label_items[label].items()}
        unit = "items"
    else:
        items, unit = answers, "records"
    overall = _nominal(items, annotators, unit)
    per_label = {label: _nominal(per_label_items[label], annotators, "records") for label in labels}
    per_pair = {pair_key(a, b): _pair_nominal(items, a, b, unit) for a, b in combinations(annotators, 2)}
    notes = ("multi label: each (record, label) pair is one yes/no item",) if multi else ()
    return _finish(question, "multi_label" if multi else "label", counts, overall, per_label, per_pair, notes)


def rating_agreement(question: str, answers: RatingAnswers) -> QuestionAgreement:
    """Agreement on one rating question (ordinal)."""
    counts = count_answers({r: set(who) for r, who in answers.items()}, _answers_per_annotator(answers))
    overall = {
        "alpha_ordinal": krippendorff_alpha(answers, "ordinal", unit="records"),
        "percent_agreement": percent_agreement(answers, unit="records"),
    }
    per_pair = {
        pair_key(a, b): _pair_ordinal(answers, a, b, "records") for a, b in combinations(counts.annotators, 2)
    }
    return _finish(question, "rating", counts, overall, {}, per_pair, ())


def _answers_per_annotator(answers: Mapping[str, Mapping[str, object]]) -> dict[str, int]:
    result: dict[str, int] = {}
    for who in answers.values():
        for annotator in who:
            result[annotator] = result.get(annotator, 0) + 1
    return result


def _finish(
    question: str,
    kind: str,
    counts: Counts,
    overall: dict[str, Metric],
    per_label: dict[str, dict[str, Metric]],
    per_pair: dict[str, dict[str, Metric]],
    notes: tuple[str, ...],
) -> QuestionAgreement:
    lonely = lonely_reason(counts.annotators)
    if lonely:
        overall = _blank(overall, lonely)
        per_label = {label: _blank(metrics, lonely) for label, metrics in per_label.items()}
    return QuestionAgreement(question, kind, counts, overall, per_label, per_pair, notes)
