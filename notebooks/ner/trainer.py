"""Glue between the `tokens` view, the windows of `notebooks.ner.data` and the transformers `Trainer`.

    train = windowed(tokens["train"], tokenizer, 512, 128, name="train", unit="sentence", train=True)
    valid = windowed(tokens["validation"], tokenizer, 512, 128, sort_by_length=True)
    trainer = NerTrainer(..., train_dataset=train.dataset, eval_dataset=valid.dataset,
                         compute_metrics=metrics_for(valid, id2label), preprocess_logits_for_metrics=argmax)
    pred_tags = predict_tags(trainer, valid)         # one tag per word, per document

Imports transformers at module level (for the `Trainer` subclass): import it from the notebook only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch
from torch.utils.data import SequentialSampler
from transformers import EvalPrediction, PreTrainedTokenizerBase, Trainer

if TYPE_CHECKING:
    from datasets import Dataset
    from numpy.typing import NDArray

from notebooks.ner.data import Window, label_names, merge_predictions, split_windows, windows_dataset
from notebooks.ner.metrics import entity_labels, entity_scores, flat_scores


class NerTrainer(Trainer):
    """A `Trainer` whose evaluation keeps the dataset's order.

    With `train_sampling_strategy="group_by_length"` the stock Trainer also shuffles evaluation batches by
    length; predictions would then come back in an order we cannot map to windows and documents. Our
    evaluation windows are already sorted by length, so sequential order pads just as little.
    """

    def _get_eval_sampler(self, eval_dataset: Dataset) -> SequentialSampler:
        return SequentialSampler(eval_dataset)


@dataclass
class WindowedSplit:
    """A split of the `tokens` view as model inputs, with what is needed to map predictions back."""

    name: str
    windows: list[Window]
    dataset: Dataset  # input_ids / attention_mask / labels / length, in `windows` order
    ids: list[str]
    tokens: list[list[str]]
    gold: list[list[str]]

    @property
    def n_words(self) -> list[int]:
        return [len(t) for t in self.tokens]


def windowed(
    split: Dataset,
    tokenizer: PreTrainedTokenizerBase,
    max_length: int,
    stride: int,
    sort_by_length: bool = False,
    name: str = "",
    unit: str = "document",
    train: bool = False,
) -> WindowedSplit:
    """A split as windows (`unit`: whole documents or sentences); with `train`, no sentence starts inside
    an entity (the gold tags decide, so only for the split trained on)."""
    names = label_names(split)
    windows = split_windows(split, tokenizer, max_length, stride, unit=unit, train=train)
    if sort_by_length:
        windows.sort(key=lambda w: len(w.input_ids))
    return WindowedSplit(
        name=name,
        windows=windows,
        dataset=windows_dataset(windows),
        ids=list(split["id"]),
        tokens=[list(t) for t in split["tokens"]],
        gold=[[names[i] for i in tags] for tags in split["ner_tags"]],
    )


def argmax(logits: torch.Tensor | tuple[torch.Tensor, ...], labels: torch.Tensor) -> torch.Tensor:
    """`preprocess_logits_for_metrics`: keep label ids only, not the logits (less memory)."""
    return (logits[0] if isinstance(logits, tuple) else logits).argmax(dim=-1)


def predicted_tags(split: WindowedSplit, predictions: NDArray, id2label: dict[int, str]) -> list[list[str]]:
    """Per-word tags per document from per-window predicted ids (rows padded with -100 are fine)."""
    return merge_predictions(split.windows, predictions, split.n_words, id2label)


def metrics_for(
    split: WindowedSplit, id2label: dict[int, str]
) -> Callable[[EvalPrediction], dict[str, float]]:
    """`compute_metrics` scoring whole documents (windows merged back), entity level, strict IOB2."""
    labels = entity_labels(id2label.values())

    def compute(prediction: EvalPrediction) -> dict[str, float]:
        pred = predicted_tags(split, prediction.predictions, id2label)
        return flat_scores(entity_scores(split.gold, pred, labels))

    return compute


def predict_tags(trainer: Trainer, split: WindowedSplit) -> tuple[list[list[str]], dict[str, float]]:
    """(per-word tags per document, the Trainer's metrics with the split's name as prefix)."""
    id2label = {int(k): v for k, v in trainer.model.config.id2label.items()}
    trainer.compute_metrics = metrics_for(split, id2label)  # the metrics must score this split's windows
    output = trainer.predict(split.dataset, metric_key_prefix=split.name or "test")
    return predicted_tags(split, output.predictions, id2label), output.metrics
