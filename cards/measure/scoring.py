"""Entity scores of subsets of the test documents (seqeval, strict IOB2), with bootstrap intervals.

    counts = [document_counts(row["gold"], row["pred"]) for row in predictions]
    score(counts)               # Score(precision, recall, f1, support, predicted, documents, ci95)

Entities are seqeval's own (`seqeval.scheme.Entities` with IOB2, as `f1_score(mode="strict",
scheme=IOB2)` uses), counted per document so that any subset, and any bootstrap resample of documents,
is scored by summing true positives, predictions and gold entities (micro average, as metrics.json's
`overall`). The 95% interval resamples documents with replacement (`RESAMPLES` times, fixed seed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel

RESAMPLES = 1000
SEED = 0
LEVEL = 0.95
INTERVAL = {
    "level": LEVEL,
    "resamples": RESAMPLES,
    "seed": SEED,
    "method": "percentile bootstrap over test documents (micro F1 of each resample)",
}


@dataclass(frozen=True)
class DocCounts:
    true_positives: int
    predicted: int
    gold: int


class Score(BaseModel):
    documents: int
    support: int  # gold entities
    predicted: int
    precision: float | None
    recall: float | None
    f1: float | None
    ci95: tuple[float, float] | None = None  # bootstrap over documents (LEVEL); None under two documents


def _entities(tags: Sequence[str]) -> set[tuple[str, int, int]]:
    from seqeval.scheme import IOB2, Entities

    return {(e.tag, e.start, e.end) for e in Entities([list(tags)], IOB2).entities[0]}


def document_counts(gold: Sequence[str], pred: Sequence[str]) -> DocCounts:
    gold_entities, pred_entities = _entities(gold), _entities(pred)
    return DocCounts(len(gold_entities & pred_entities), len(pred_entities), len(gold_entities))


def _prf(tp: int, predicted: int, gold: int) -> tuple[float | None, float | None, float | None]:
    precision = tp / predicted if predicted else None
    recall = tp / gold if gold else None
    if not predicted and not gold:
        return None, None, None
    f1 = 2 * tp / (predicted + gold)
    return precision, recall, f1


def bootstrap_f1(counts: Sequence[DocCounts]) -> tuple[float, float] | None:
    import numpy as np

    if len(counts) < 2:
        return None
    table = np.array([[c.true_positives, c.predicted, c.gold] for c in counts])
    rng = np.random.default_rng(SEED)
    picks = rng.integers(0, len(counts), size=(RESAMPLES, len(counts)))
    sums = table[picks].sum(axis=1)
    denominators = sums[:, 1] + sums[:, 2]
    f1 = np.where(denominators > 0, 2 * sums[:, 0] / np.maximum(denominators, 1), np.nan)
    f1 = f1[~np.isnan(f1)]
    if not len(f1):
        return None
    tail = 100 * (1 - LEVEL) / 2
    low, high = np.percentile(f1, [tail, 100 - tail])
    return float(low), float(high)


def score(counts: Sequence[DocCounts]) -> Score:
    tp = sum(c.true_positives for c in counts)
    predicted = sum(c.predicted for c in counts)
    gold = sum(c.gold for c in counts)
    precision, recall, f1 = _prf(tp, predicted, gold)
    return Score(
        documents=len(counts),
        support=gold,
        predicted=predicted,
        precision=precision,
        recall=recall,
        f1=f1,
        ci95=bootstrap_f1(counts),
    )
