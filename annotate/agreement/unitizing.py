"""Krippendorff's unitizing alpha (alpha_u) on one continuum, as DKPro Agreement and INCEpTION compute it.

The continuum is a record text of `length` characters; each rater (annotator) segments it, per label
category, into units (their spans of that label) and gaps (the rest). For one category c, with R raters,
L = length, N_c units of c over all raters (Krippendorff 1995; 2004, "Measuring the reliability of
qualitative text analysis data"; DKPro's KrippendorffAlphaUnitizingAgreement):

    observed  D_O(c) = 2 / (R (R-1) L^2) * sum over rater pairs, over overlapping segment pairs g, h of
                       d(g, h) = (start_g - start_h)^2 + (end_g - end_h)^2   if g, h are both units
                                 length_g^2        if g is a unit lying inside the gap h (and vice versa)
                                 0                 otherwise
    expected  D_E(c) = (2 / L) * sum over units u of c, length l, of
                       [ (N_c - 1) l (l-1) (2l-1) / 3 + l^2 * sum over gaps of length >= l of (gap - l + 1) ]
                       / ( R L (R L - 1) - sum over units of l (l-1) )

alpha_u(c) = 1 - D_O(c) / D_E(c); the overall alpha_u averages D_O and D_E over the categories present
before dividing (that is DKPro's `calculateAgreement`, not a mean of the per-category alphas).
Arithmetic is exact (integers and fractions) until the final float.

As in INCEpTION, one rater's units of one category must not overlap: sorted by start (longer first),
a unit overlapping an earlier kept unit of the same category and rater is left out and counted in
`ignored_overlaps`. Degenerate cases: fewer than 2 raters, or no unit at all -> alpha None with a
reason (INCEpTION: NaN, skipped); D_E = 0 (only when every rater marks the whole 1-character
continuum) -> None, where DKPro returns 0.0.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import accumulate, combinations

from annotate.agreement.types import LabelledSpan

# A segment of one rater's continuum: (start, end, is_unit)
Segment = tuple[int, int, bool]


@dataclass(frozen=True)
class UnitizingAlpha:
    """alpha_u of one category (or overall), with its observed and expected disagreement."""

    alpha: float | None
    observed: Fraction
    expected: Fraction
    reason: str | None = None


@dataclass(frozen=True)
class UnitizingResult:
    overall: UnitizingAlpha
    per_category: dict[str, UnitizingAlpha]
    ignored_overlaps: int


def _alpha(observed: Fraction, expected: Fraction) -> UnitizingAlpha:
    if expected == 0:
        return UnitizingAlpha(None, observed, expected, "expected disagreement is 0 (no variation)")
    return UnitizingAlpha(float(1 - observed / expected), observed, expected)


def non_overlapping(spans: Iterable[LabelledSpan]) -> tuple[dict[str, list[tuple[int, int]]], int]:
    """One rater's spans as non-overlapping (start, end) lists per label, and how many were left out."""
    per_label: dict[str, list[tuple[int, int]]] = {}
    ignored = 0
    for span in sorted(set(spans), key=lambda s: (s.start, -s.end, s.label)):
        kept = per_label.setdefault(span.label, [])
        if kept and kept[-1][1] > span.start:
            ignored += 1
        else:
            kept.append((span.start, span.end))
    return per_label, ignored


def segments(length: int, units: Sequence[tuple[int, int]]) -> list[Segment]:
    """The partition of [0, length) into the given sorted, non-overlapping units and the gaps between."""
    result: list[Segment] = []
    position = 0
    for start, end in units:
        if start > position:
            result.append((position, start, False))
        result.append((start, end, True))
        position = end
    if position < length:
        result.append((position, length, False))
    return result


def _distance(g: Segment, h: Segment) -> int:
    if g[2] and h[2]:
        return (g[0] - h[0]) ** 2 + (g[1] - h[1]) ** 2
    if g[2] and not h[2] and h[0] <= g[0] and g[1] <= h[1]:
        return (g[1] - g[0]) ** 2
    if h[2] and not g[2] and g[0] <= h[0] and h[1] <= g[1]:
        return (h[1] - h[0]) ** 2
    return 0


def _pair_distance(first: list[Segment], second: list[Segment]) -> int:
    """Sum of d over the overlapping segment pairs of two partitions of the same continuum."""
    total, i, j = 0, 0, 0
    while i < len(first) and j < len(second):
        total += _distance(first[i], second[j])
        end_i, end_j = first[i][1], second[j][1]
        i += end_i <= end_j
        j += end_j <= end_i
    return total


def category_alpha(length: int, units_by_rater: Sequence[Sequence[tuple[int, int]]]) -> UnitizingAlpha:
    """alpha_u of one category; `units_by_rater` holds each rater's sorted, non-overlapping units."""
    raters = len(units_by_rater)
    partitions = [segments(length, units) for units in units_by_rater]
    observed_sum = sum(_pair_distance(a, b) for a, b in combinations(partitions, 2))
    observed = Fraction(2 * observed_sum, raters * (raters - 1) * length * length)

    lengths = [end - start for units in units_by_rater for start, end in units]
    gaps = sorted(end - start for partition in partitions for start, end, unit in partition if not unit)
    gap_sums = [0, *accumulate(gaps)]
    numerator = 0
    for unit in lengths:
        first = bisect_left(gaps, unit)  # gaps long enough to hold the unit
        fitting = gap_sums[-1] - gap_sums[first] - (unit - 1) * (len(gaps) - first)
        numerator += (len(lengths) - 1) * unit * (unit - 1) * (2 * unit - 1) // 3 + unit * unit * fitting
    denominator = raters * length * (raters * length - 1) - sum(unit * (unit - 1) for unit in lengths)
    expected = Fraction(2 * numerator, length * denominator)
    return _alpha(observed, expected)


def unitizing_alpha(length: int, spans_by_rater: Mapping[str, Iterable[LabelledSpan]]) -> UnitizingResult:
    """alpha_u of the raters' spans on a continuum of `length` characters, overall and per label.

    Every rater in `spans_by_rater` counts, also one with no span (a rater who saw the text and
    marked nothing agrees with the others on its gaps).
    """
    raters = sorted(spans_by_rater)
    per_rater = {}
    ignored = 0
    for rater in raters:
        spans = list(spans_by_rater[rater])
        if any(span.end > length for span in spans):
            raise ValueError(f"{rater}: a span ends after the continuum end {length}")
        per_rater[rater], dropped = non_overlapping(spans)
        ignored += dropped
    categories = sorted({label for units in per_rater.values() for label in units})
    zero = Fraction(0)
    if len(raters) < 2:
        reason = "fewer than 2 annotators on this record"
        return UnitizingResult(UnitizingAlpha(None, zero, zero, reason), {}, ignored)
    if not categories or length == 0:
        reason = "no span on this record"
        return UnitizingResult(UnitizingAlpha(None, zero, zero, reason), {}, ignored)
    per_category = {
        label: category_alpha(length, [per_rater[r].get(label, []) for r in raters]) for label in categories
    }
    observed = sum((c.observed for c in per_category.values()), zero) / len(categories)
    expected = sum((c.expected for c in per_category.values()), zero) / len(categories)
    return UnitizingResult(_alpha(observed, expected), per_category, ignored)
