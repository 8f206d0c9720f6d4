"""Agreement on one span question: exact-match F1, token-level kappa, unitizing alpha.

Metrics (each a `Metric`; `annotate.agreement.report` describes the JSON):
- `f1`, `precision`, `recall`: exact match (same start, end and label) between two annotators on the
  records both answered. In pair "a|b" (ids sorted) a is the reference: precision = matched / spans of
  b, recall = matched / spans of a, F1 = 2 matched / (spans of a + spans of b) (symmetric). Overall
  and per label, F1 is pooled (micro) over every pair and shared record.
- `token_cohen_kappa`: per pair, on the tokens of the records both answered (`annotate.agreement.tokens`);
  overall, the mean over the pairs where it is defined.
- `token_fleiss_kappa`: all annotators, on the tokens of the records every one of them answered.
- `alpha_u`: Krippendorff's unitizing alpha per record (continuum = the record text, raters = the
  annotators who answered it; `annotate.agreement.unitizing`), then, as INCEpTION does, the mean over
  the records where it is defined (>= 2 annotators and >= 1 span). Per label: the category alpha_u,
  averaged over the records where that label occurs.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import combinations
from statistics import mean

from annotate.agreement.coding import cohen_kappa_counts, fleiss_kappa_counts
from annotate.agreement.tokens import token_labels, tokenize
from annotate.agreement.types import (
    LabelledSpan,
    Metric,
    QuestionAgreement,
    count_answers,
    lonely_reason,
    pair_key,
)
from annotate.agreement.unitizing import unitizing_alpha
from annotate.errors import AgreementError

# record id -> annotator -> the spans they marked there (empty when they answered with none)
SpanAnswers = Mapping[str, Mapping[str, frozenset[LabelledSpan]]]
PAIR_METRICS = ("f1", "precision", "recall", "token_cohen_kappa", "alpha_u")
OVERALL_METRICS = ("f1", "token_cohen_kappa", "token_fleiss_kappa", "alpha_u")


@dataclass
class _Match:
    """Exact-match tally: spans both marked, spans marked on each side, records compared."""

    matched: int = 0
    first: int = 0
    second: int = 0
    records: set[str] = field(default_factory=set)

    def add(self, record: str, spans_a: frozenset[LabelledSpan], spans_b: frozenset[LabelledSpan]) -> None:
        self.records.add(record)
        self.matched += len(spans_a & spans_b)
        self.first += len(spans_a)
        self.second += len(spans_b)

    def f1(self, reason: str) -> Metric:
        if not self.records:
            return Metric.undefined("no two annotators answered a record in common")
        return _ratio(2 * self.matched, self.first + self.second, len(self.records), reason)


@dataclass
class _AlphaU:
    """Per-record alpha_u values, overall and per label, and the overlapping spans left out."""

    overall: list[float] = field(default_factory=list)
    per_label: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    ignored: int = 0

    def add(self, length: int, spans_by_rater: Mapping[str, frozenset[LabelledSpan]]) -> None:
        result = unitizing_alpha(length, spans_by_rater)
        self.ignored += result.ignored_overlaps
        if result.overall.alpha is not None:
            self.overall.append(result.overall.alpha)
        for label, category in result.per_category.items():
            if category.alpha is not None:
                self.per_label[label].append(category.alpha)


def _ratio(numerator: int, denominator: int, n: int, reason: str) -> Metric:
    return Metric(numerator / denominator, n, "records") if denominator else Metric.undefined(reason, n)


def _mean(values: list[float], unit: str, reason: str) -> Metric:
    return Metric(mean(values), len(values), unit) if values else Metric.undefined(reason, unit=unit)


def _check_offsets(answers: SpanAnswers, texts: Mapping[str, str], question: str) -> None:
    missing = sorted(record for record in answers if record not in texts)
    if missing:
        shown = ", ".join(map(repr, missing[:5])) + (" ..." if len(missing) > 5 else "")
        raise AgreementError(
            f"question {question!r}: no text for record(s) {shown} "
            "(pass the text of every annotated record in `texts`)"
        )
    for record, by_annotator in answers.items():
        for annotator, spans in by_annotator.items():
            for span in spans:
                if span.end > len(texts[record]):
                    raise AgreementError(
                        f"record {record!r}, annotator {annotator!r}: span {span.start}-{span.end} "
                        f"{span.label!r} ends after the text ({len(texts[record])} characters); "
                        "the offsets must index the record text the annotator saw"
                    )


class _SpanQuestion:
    def __init__(self, question: str, answers: SpanAnswers, texts: Mapping[str, str]) -> None:
        _check_offsets(answers, texts, question)
        self.question, self.answers, self.texts = question, answers, texts
        spans_per_annotator: Counter[str] = Counter()
        for by_annotator in answers.values():
            spans_per_annotator.update({a: len(spans) for a, spans in by_annotator.items()})
        self.counts = count_answers({r: set(who) for r, who in answers.items()}, dict(spans_per_annotator))
        self.labelled: dict[tuple[str, str], list[str]] = {}
        for record, by_annotator in answers.items():
            tokens = tokenize(texts[record])
            for annotator, spans in by_annotator.items():
                self.labelled[record, annotator] = token_labels(tokens, spans)
        self.pooled = _Match()
        self.pooled_label: dict[str, _Match] = defaultdict(_Match)
        self.labels = sorted({s.label for who in answers.values() for spans in who.values() for s in spans})

    def pair(self, a: str, b: str) -> dict[str, Metric]:
        """The metrics of pair a|b; also adds its exact matches to the pooled (overall, per label) tallies."""
        shared = sorted(record for record, who in self.answers.items() if a in who and b in who)
        if not shared:
            return {
                name: Metric.undefined(f"{a} and {b} answered no record in common") for name in PAIR_METRICS
            }
        match, alpha_u = _Match(), _AlphaU()
        for record in shared:
            spans_a, spans_b = self.answers[record][a], self.answers[record][b]
            match.add(record, spans_a, spans_b)
            self.pooled.add(record, spans_a, spans_b)
            for label in self.labels:
                by_label = (frozenset(s for s in spans if s.label == label) for spans in (spans_a, spans_b))
                self.pooled_label[label].add(record, *by_label)
            alpha_u.add(len(self.texts[record]), {a: spans_a, b: spans_b})
        on = f"on the {len(shared)} record(s) {a} and {b} share"
        token_pairs: Counter[tuple[str, str]] = Counter()
        for record in shared:
            token_pairs.update(zip(self.labelled[record, a], self.labelled[record, b], strict=True))
        return {
            "f1": match.f1(f"no span at all {on}"),
            "precision": _ratio(match.matched, match.second, len(shared), f"{b} marked no span {on}"),
            "recall": _ratio(match.matched, match.first, len(shared), f"{a} marked no span {on}"),
            "token_cohen_kappa": cohen_kappa_counts(token_pairs, a, b, unit="tokens"),
            "alpha_u": _mean(alpha_u.overall, "records", f"no span {on}"),
        }

    def fleiss(self) -> Metric:
        annotators = self.counts.annotators
        complete = [record for record, who in self.answers.items() if len(who) == len(annotators)]
        rows: Counter[tuple[str, ...]] = Counter()
        for record in complete:
            rows.update(zip(*(self.labelled[record, a] for a in annotators), strict=True))
        return fleiss_kappa_counts(rows, annotators, unit="tokens")

    def result(self) -> QuestionAgreement:
        annotators = self.counts.annotators
        per_pair = {pair_key(a, b): self.pair(a, b) for a, b in combinations(annotators, 2)}
        alpha_u = _AlphaU()
        for record, by_annotator in self.answers.items():
            if len(by_annotator) >= 2:
                alpha_u.add(len(self.texts[record]), by_annotator)
        lonely = lonely_reason(annotators)
        if lonely:
            overall = {name: Metric.undefined(lonely) for name in OVERALL_METRICS}
            per_label = {
                label: {"f1": Metric.undefined(lonely), "alpha_u": Metric.undefined(lonely)}
                for label in self.labels
            }
        else:
            kappas = [m["token_cohen_kappa"].value for m in per_pair.values()]
            overall = {
                "f1": self.pooled.f1("no span at all on the records two annotators share"),
                "token_cohen_kappa": _mean(
                    [k for k in kappas if k is not None],
                    "pairs",
                    "token Cohen's kappa is undefined for every pair",
                ),
                "token_fleiss_kappa": self.fleiss(),
                "alpha_u": _mean(
                    alpha_u.overall, "records", "no span on a record answered by 2 or more annotators"
                ),
            }
            per_label = {
                label: {
                    "f1": self.pooled_label[label].f1(f"no {label} span on a record two annotators share"),
                    "alpha_u": _mean(
                        alpha_u.per_label[label],
                        "records",
                        f"no {label} span on a record answered by 2 or more annotators",
                    ),
                }
                for label in self.labels
            }
        notes = []
        if alpha_u.ignored:
            notes.append(
                f"{alpha_u.ignored} span(s) overlapping another span of the same label by the same annotator "
                "were left out of alpha_u (it needs non-overlapping units per label; INCEpTION does the same)"
            )
        return QuestionAgreement(
            self.question, "spans", self.counts, overall, per_label, per_pair, tuple(notes)
        )


def span_agreement(question: str, answers: SpanAnswers, texts: Mapping[str, str]) -> QuestionAgreement:
    """Agreement on one span question from `answers` (record -> annotator -> spans)."""
    return _SpanQuestion(question, answers, texts).result()
