"""`test_predictions.jsonl` of `models/ner/`: the gold and predicted tags of every test document.

    write_predictions(staging / "test_predictions.jsonl", ids, tokens, gold, pred)

One line per document: `{"id", "tokens", "gold", "pred"}`, tag names, one per word. The `cards` stage
re-scores groups of documents from it to report bias.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from notebooks.common.outputs import write_jsonl


def write_predictions(
    path: Path,
    ids: Sequence[str],
    tokens: Sequence[Sequence[str]],
    gold: Sequence[Sequence[str]],
    pred: Sequence[Sequence[str]],
) -> None:
    """One JSON line per document: id, tokens, gold and pred tag names (same length each)."""
    write_jsonl(path, prediction_rows(ids, tokens, gold, pred))


def prediction_rows(
    ids: Sequence[str],
    tokens: Sequence[Sequence[str]],
    gold: Sequence[Sequence[str]],
    pred: Sequence[Sequence[str]],
) -> Iterator[dict[str, str | list[str]]]:
    for doc, words, gold_tags, pred_tags in zip(ids, tokens, gold, pred, strict=True):
        if not len(words) == len(gold_tags) == len(pred_tags):
            raise ValueError(f"document {doc}: tokens, gold and pred differ in length")
        yield {"id": doc, "tokens": list(words), "gold": list(gold_tags), "pred": list(pred_tags)}
