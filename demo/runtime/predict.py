"""Entities in a text of any length: overlapping windows over the tokenizer's maximum length.

    tagger = Tagger.from_pretrained("runs/demo/models/ner")       # a folder or a hub id
    tagger("Se añade metformina 850 mg.")   # [Entity(label='FARMACO', start=9, end=19, score=0.97, ...)]

The text is cut into windows of the model's length that overlap by `stride` tokens, so nothing is cut off;
each word is tagged from the window where it has the most context on both sides, by the prediction on its
first sub-word (the way the training notebook labels words), and consecutive B-/I- words become entities
(an I- without its B- starts an entity). Scores are the mean probability of the entity's words.

A model trained on sentences (`training_unit: "sentence"` in its config, written by the NER notebook) is
given one sentence at a time, cut by the same rules as in training (`portable.sentences`): such a model
scores lower on long windows than on sentences (`bench/train.py --full --unit sentence`, then
`--unit document`, prints the test entity F1 of each).

Standard library + transformers/torch only (and `.config`, `portable.sentences`): copied into the Space
as `ner_demo/predict.py`, next to its `portable/` package.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from portable.sentences import sentence_spans

from .config import MAX_CHARS

if TYPE_CHECKING:
    import torch
    from transformers import BatchEncoding, PretrainedConfig, PreTrainedModel, PreTrainedTokenizerBase

BATCH_WINDOWS = 16  # windows per forward pass

Highlighted = list[tuple[str, str | None]]  # gradio HighlightedText's value: (piece, label or None)
WordToken = tuple[int, tuple[int, int], int, int]  # (position, (piece start, word index), start, end)


@dataclass(frozen=True)
class Entity:
    label: str
    start: int
    end: int
    score: float
    text: str


@dataclass(frozen=True)
class Word:
    start: int
    end: int
    tag: str  # B-X | I-X | O
    score: float


def input_problem(text: str | None, max_chars: int = MAX_CHARS) -> str | None:
    """What is wrong with `text` as input (empty, too long), in words for the user; None when it is fine."""
    if text is None or not text.strip():
        return "Escribe o pega un texto en español (el campo está vacío)."
    if len(text) > max_chars:
        size, limit = (f"{n:_}".replace("_", ".") for n in (len(text), max_chars))
        return f"El texto tiene {size} caracteres y el máximo es {limit}: divídelo en partes más cortas."
    return None


def window_size(tokenizer: PreTrainedTokenizerBase, config: PretrainedConfig) -> int:
    """The model's input length: the tokenizer's, unless it is unset (a huge default), then the config's."""
    positions = getattr(config, "max_position_embeddings", 512) or 512
    if getattr(config, "model_type", "") in {"roberta", "xlm-roberta", "camembert", "longformer"}:
        positions -= 2  # these count positions from padding_idx + 1
    length = tokenizer.model_max_length
    return min(length, positions) if 0 < length < 1_000_000 else positions


def group_entities(text: str, words: list[Word]) -> list[Entity]:
    """BIO words -> entities (text from the original string, scores averaged over the words)."""
    entities: list[Entity] = []
    current: list[Word] = []

    def close() -> None:
        if current:
            start, end = current[0].start, current[-1].end
            score = sum(w.score for w in current) / len(current)
            entities.append(Entity(current[0].tag[2:], start, end, round(score, 4), text[start:end]))
            current.clear()

    for word in words:
        prefix, label = word.tag[:2], word.tag[2:]
        continues = prefix == "I-" and current and current[-1].tag[2:] == label
        if not continues:
            close()
        if prefix in {"B-", "I-"}:
            current.append(word)
    close()
    return entities


def highlight(text: str, entities: Sequence[Entity] | Sequence[Any]) -> Highlighted:
    """The whole text as (piece, label or None) pairs, for gradio's HighlightedText (entities: anything
    with `label`, `start`, `end`, such as the instruction tab's located mentions)."""
    pieces: Highlighted = []
    position = 0
    for entity in sorted(entities, key=lambda e: e.start):
        if entity.start < position:
            continue  # overlapping entities cannot be shown inline; the table still lists them
        if entity.start > position:
            pieces.append((text[position : entity.start], None))
        pieces.append((text[entity.start : entity.end], entity.label))
        position = entity.end
    if position < len(text):
        pieces.append((text[position:], None))
    return pieces


def window_contents(encoding: BatchEncoding, piece_starts: Sequence[int]) -> list[list[WordToken]]:
    """Per window of a batch encoding (one text per piece, overflowing windows included): its word tokens as
    (position, (piece start, word index), start, end), offsets in the whole text."""
    shifts = [piece_starts[sample] for sample in encoding["overflow_to_sample_mapping"].tolist()]
    windows: list[list[WordToken]] = []
    for w, row in enumerate(encoding["offset_mapping"].tolist()):
        ids, shift = encoding.word_ids(w), shifts[w]
        windows.append(
            [
                (i, (shift, word), row[i][0] + shift, row[i][1] + shift)
                for i, word in enumerate(ids)
                if word is not None
            ]
        )
    return windows


class Tagger:
    """A token-classification model that tags texts of any length (see the module's docstring)."""

    def __init__(
        self,
        tokenizer: PreTrainedTokenizerBase,
        model: PreTrainedModel,
        stride: int | None = None,
        unit: str | None = None,
    ) -> None:
        self.tokenizer, self.model = tokenizer, model.eval()
        self.unit = unit or getattr(model.config, "training_unit", None) or "document"
        self.window = window_size(tokenizer, model.config)
        self.stride = stride if stride is not None else self.window // 4
        self.id2label = {int(k): v for k, v in (model.config.id2label or {}).items()}
        self._tokenizing = threading.Lock()  # a fast tokenizer called from two threads: "Already borrowed"

    @classmethod
    def from_pretrained(cls, name_or_path: str, stride: int | None = None) -> Tagger:
        from transformers import AutoModelForTokenClassification, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(name_or_path)
        return cls(tokenizer, AutoModelForTokenClassification.from_pretrained(name_or_path), stride)

    @property
    def labels(self) -> list[str]:
        return sorted({tag[2:] for tag in self.id2label.values() if tag[:2] in {"B-", "I-"}})

    def __call__(self, text: str) -> list[Entity]:
        return group_entities(text, self.words(text))

    def words(self, text: str) -> list[Word]:
        """One tagged word per word of the tokenizer's pre-tokenizer, in text order (sentence by sentence
        when the model was trained on sentences)."""
        pieces = sentence_spans(text) if self.unit == "sentence" else [(0, len(text))]
        if not pieces:
            return []
        with self._tokenizing:
            encoding = self.tokenizer(
                [text[start:end] for start, end in pieces],
                truncation=True,
                max_length=self.window,
                stride=self.stride,
                padding=True,
                return_overflowing_tokens=True,
                return_offsets_mapping=True,
                return_tensors="pt",
            )
        probabilities = self._probabilities(encoding)
        windows = window_contents(encoding, [start for start, _ in pieces])
        spans: dict[tuple[int, int], tuple[int, int]] = {}  # (piece, word) -> (start, end) in `text`
        for content in windows:
            for _, key, start, end in content:
                old = spans.get(key, (start, end))
                spans[key] = (min(old[0], start), max(old[1], end))
        best: dict[tuple[int, int], tuple[int, str, float]] = {}  # (piece, word) -> (context, tag, score)
        for w, content in enumerate(windows):
            if not content:
                continue
            first, last = content[0][0], content[-1][0]
            for i, key, start, _ in content:
                context = min(i - first, last - i)
                if start == spans[key][0] and context >= best.get(key, (-1,))[0]:
                    score, label = probabilities[w][i].max(-1)
                    best[key] = (context, self.id2label[int(label)], float(score))
        return [Word(*spans[key], best[key][1], best[key][2]) for key in sorted(best)]

    def _probabilities(self, encoding: BatchEncoding) -> torch.Tensor:
        import torch

        inputs = {
            k: v for k, v in encoding.items() if k not in {"offset_mapping", "overflow_to_sample_mapping"}
        }
        parts = []
        with torch.inference_mode():
            for start in range(0, len(inputs["input_ids"]), BATCH_WINDOWS):
                batch = {k: v[start : start + BATCH_WINDOWS] for k, v in inputs.items()}
                parts.append(self.model(**batch).logits.softmax(-1))
        return torch.cat(parts)
