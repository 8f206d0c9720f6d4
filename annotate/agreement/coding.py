"""Agreement coefficients for coded items: percent agreement, Cohen's and Fleiss' kappa, Krippendorff's alpha.

Every function takes `items`: item id -> {annotator: value}, where an annotator who did not answer an
item is simply absent, and returns a `Metric` (value None plus a reason when undefined):

    items = {"r1": {"ana": "si", "ben": "si"}, "r2": {"ana": "no", "ben": "si", "eva": "no"}}
    krippendorff_alpha(items, "nominal").value

Degenerate cases, one convention for all chance-corrected coefficients (kappa, alpha): when the
expected disagreement is 0 (every pairable answer is the same value) the coefficient is 0/0, so it is
reported as None with the reason "no variation"; the `krippendorff` package refuses such data too
(ValueError). Percent agreement stays defined (1.0) and says that the annotators did agree. Identical
answers with at least two distinct values give 1.0.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from annotate.agreement.types import Metric

if TYPE_CHECKING:
    import numpy as np

Items = Mapping[Any, Mapping[str, Hashable]]  # item id -> {annotator: value}
Level = Literal["nominal", "ordinal"]
H = TypeVar("H", bound=Hashable)  # an answer value

NO_PAIRABLE = "no {unit} was answered by 2 or more annotators"


def _no_variation(values: Sequence[Hashable]) -> str:
    shown = ", ".join(repr(v) for v in values) or "nothing"
    return f"no variation: every answer is {shown}, so expected disagreement is 0 (percent agreement says it)"


def _pairable(items: Items) -> list[list[Hashable]]:
    return [list(answers.values()) for answers in items.values() if len(answers) >= 2]


def percent_agreement(items: Items, unit: str = "items") -> Metric:
    """Mean over items (answered by >= 2 annotators) of the share of annotator pairs that agree."""
    import numpy as np

    pairable = _pairable(items)
    if not pairable:
        return Metric.undefined(NO_PAIRABLE.format(unit=unit[:-1]), unit=unit)
    shares = []
    for values in pairable:
        m = len(values)
        shares.append(sum(c * (c - 1) for c in Counter(values).values()) / (m * (m - 1)))
    return Metric(float(np.mean(shares)), len(pairable), unit)


def cohen_kappa(items: Items, a: str, b: str, unit: str = "items") -> Metric:
    """Cohen's kappa of annotators a and b on the items both answered."""
    pairs = Counter((answers[a], answers[b]) for answers in items.values() if a in answers and b in answers)
    return cohen_kappa_counts(pairs, a, b, unit)


def cohen_kappa_counts(pairs: Mapping[tuple[H, H], int], a: str, b: str, unit: str) -> Metric:
    """Cohen's kappa from the counts of each (a's value, b's value) pair over the items both answered."""
    n = sum(pairs.values())
    if not n:
        return Metric.undefined(f"{a} and {b} answered no {unit[:-1]} in common", unit=unit)
    observed = sum(c for (x, y), c in pairs.items() if x == y) / n
    count_a: Counter[Hashable] = Counter()
    count_b: Counter[Hashable] = Counter()
    for (x, y), c in pairs.items():
        count_a[x] += c
        count_b[y] += c
    expected = sum(count_a[v] * count_b[v] for v in count_a) / (n * n)
    if expected == 1:
        return Metric.undefined(_no_variation(sorted(count_a, key=str)), n, unit)
    return Metric((observed - expected) / (1 - expected), n, unit)


def fleiss_kappa(items: Items, annotators: Sequence[str], unit: str = "items") -> Metric:
    """Fleiss' kappa over the items answered by every one of `annotators` (the others are left out)."""
    rows = Counter(
        tuple(answers[a] for a in annotators)
        for answers in items.values()
        if all(a in answers for a in annotators)
    )
    return fleiss_kappa_counts(rows, annotators, unit)


def fleiss_kappa_counts(
    rows: Mapping[tuple[H, ...], int], annotators: Sequence[str], unit: str = "items"
) -> Metric:
    """Fleiss' kappa from the counts of each row of answers (one value per annotator, in order); items
    with the same answers are tallied once (most tokens are "O" for everybody)."""
    if len(annotators) < 2:
        return Metric.undefined(f"only one annotator ({', '.join(annotators)})", unit=unit)
    n_items = sum(rows.values())
    if not n_items:
        return Metric.undefined(
            f"no {unit[:-1]} was answered by all {len(annotators)} annotators "
            "(Fleiss' kappa needs the same raters on every item; alpha allows missing answers)",
            unit=unit,
        )
    m = len(annotators)
    totals: Counter[Hashable] = Counter()
    agreement = 0.0
    for values, weight in rows.items():
        counts = Counter(values)
        for value, c in counts.items():
            totals[value] += c * weight
        agreement += weight * (sum(c * c for c in counts.values()) - m) / (m * (m - 1))
    p_bar = agreement / n_items
    p_e = sum((c / (n_items * m)) ** 2 for c in totals.values())
    if p_e == 1:
        return Metric.undefined(_no_variation(sorted(totals, key=str)), n_items, unit)
    return Metric((p_bar - p_e) / (1 - p_e), n_items, unit)


def _distances(domain: Sequence[Hashable], n_v: np.ndarray, level: Level) -> np.ndarray:
    import numpy as np

    size = len(domain)
    if level == "nominal":
        return 1.0 - np.eye(size)
    # Ordinal (Krippendorff 2011): squared count of pairable values from rank c to rank k, minus half
    # of the two end ranks' counts.
    cumulative = np.concatenate(([0.0], np.cumsum(n_v)))
    ranks = np.arange(size)
    low, high = np.minimum.outer(ranks, ranks), np.maximum.outer(ranks, ranks)
    between = cumulative[high + 1] - cumulative[low]
    return (between - (n_v[low] + n_v[high]) / 2) ** 2


def krippendorff_alpha(items: Items, level: Level = "nominal", unit: str = "items") -> Metric:
    """Krippendorff's alpha (nominal or ordinal) over the items answered by >= 2 annotators.

    Built on the coincidence matrix (Krippendorff 2011, "Computing Krippendorff's alpha-reliability");
    ordinal values must be sortable (ratings). Matches `krippendorff.alpha` on the same data.
    """
    import numpy as np

    pairable = _pairable(items)
    if not pairable:
        return Metric.undefined(NO_PAIRABLE.format(unit=unit[:-1]), unit=unit)
    values: set[Any] = {v for answers in pairable for v in answers}
    domain = sorted(values) if level == "ordinal" else sorted(values, key=lambda v: (str(type(v)), str(v)))
    if len(domain) < 2:
        return Metric.undefined(_no_variation(domain), len(pairable), unit)
    index = {v: i for i, v in enumerate(domain)}
    coincidences = np.zeros((len(domain), len(domain)))
    for answers in pairable:
        counts = np.bincount([index[v] for v in answers], minlength=len(domain)).astype(float)
        coincidences += (np.outer(counts, counts) - np.diag(counts)) / (len(answers) - 1)
    n_v = coincidences.sum(axis=0)
    n = n_v.sum()
    delta = _distances(domain, n_v, level)
    observed = (coincidences * delta).sum()
    expected = (np.outer(n_v, n_v) * delta).sum() / (n - 1)
    return Metric(float(1 - observed / expected), len(pairable), unit)
