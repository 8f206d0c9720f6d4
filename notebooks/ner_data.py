"""Words with BIO tags -> sub-word windows for a token-classification model, and predictions back to words.

    encoded = encode_words(["Paciente", "con", "metformina"], tokenizer)   # sub-token ids + word index each
    spans = window_spans(encoded.word_ids, size=510, stride=128)           # [(0, 510), (382, 700), ...]
    windows = split_windows(split, tokenizer, max_length=512, stride=128)  # every document, every window
    tags = merge_predictions(windows, predicted_ids, id2label)             # one tag per word, per document

Labels: the first sub-token of a word carries the word's tag id, the other sub-tokens and the special
tokens carry -100 (ignored by the loss and by the metrics). A document longer than `max_length` is cut
into overlapping windows (`stride` sub-tokens shared), at word boundaries when a word fits, so nothing is
truncated; each word's prediction is taken from the window where it has the most context on both sides.
A word the tokenizer turns into nothing (e.g. a zero-width space) is encoded as the unknown token so that
it still gets a prediction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

IGNORE = -100


@dataclass(frozen=True)
class Encoded:
    """A document's sub-tokens (no special tokens) and the index of the word each one belongs to."""

    input_ids: list[int]
    word_ids: list[int]

    def first_of_word(self, position: int) -> bool:
        return position == 0 or self.word_ids[position] != self.word_ids[position - 1]


@dataclass(frozen=True)
class Window:
    """One model input: sub-tokens `start:end` of document `doc`, with the special tokens around them."""

    doc: int
    start: int
    end: int
    input_ids: list[int]
    labels: list[int]
    word_ids: list[int | None]  # per position: the word whose FIRST sub-token sits there, else None


def encode_words(words: Sequence[str], tokenizer: Any) -> Encoded:
    """Sub-token ids of `words` (pre-split), every word getting at least one sub-token."""
    encoding = tokenizer(list(words), is_split_into_words=True, add_special_tokens=False)
    word_ids = encoding.word_ids()
    empty = set(range(len(words))) - set(word_ids)
    if empty:
        words = [tokenizer.unk_token if i in empty else w for i, w in enumerate(words)]
        encoding = tokenizer(list(words), is_split_into_words=True, add_special_tokens=False)
        word_ids = encoding.word_ids()
    return Encoded(list(encoding["input_ids"]), [int(w) for w in word_ids])


def special_tokens(tokenizer: Any) -> tuple[list[int], list[int]]:
    """The ids the tokenizer puts before and after a sequence ([CLS] ... [SEP], <s> ... </s>)."""
    encoding = tokenizer(["x"], is_split_into_words=True)
    positions = [i for i, w in enumerate(encoding.word_ids()) if w is not None]
    ids = list(encoding["input_ids"])
    return ids[: positions[0]], ids[positions[-1] + 1 :]


def window_spans(word_ids: Sequence[int], size: int, stride: int) -> list[tuple[int, int]]:
    """(start, end) sub-token ranges of at most `size` covering everything, consecutive ones sharing about
    `stride` sub-tokens; cuts fall between words unless a single word is longer than the window."""
    if size < 1 or not 0 <= stride < size:
        raise ValueError(f"need size >= 1 and 0 <= stride < size, got size={size}, stride={stride}")
    n = len(word_ids)

    def word_start(position: int, floor: int) -> int:  # move back to the first sub-token of its word
        p = position
        while p > floor and word_ids[p] == word_ids[p - 1]:
            p -= 1
        return p if p > floor else position

    spans: list[tuple[int, int]] = []
    start = 0
    while True:
        end = n if start + size >= n else word_start(start + size, start)
        spans.append((start, end))
        if end >= n:
            return spans
        start = max(word_start(max(end - stride, start + 1), start), start + 1)


def document_windows(
    doc: int,
    encoded: Encoded,
    tags: Sequence[int],
    tokenizer: Any,
    max_length: int,
    stride: int,
    specials: tuple[list[int], list[int]] | None = None,
) -> list[Window]:
    """The windows of one document, labels aligned to the first sub-token of each word (the overlap is at
    most half a window, whatever `stride` says)."""
    before, after = specials or special_tokens(tokenizer)
    size = max_length - len(before) - len(after)
    windows = []
    spans = window_spans(encoded.word_ids, size, min(stride, size // 2)) if encoded.input_ids else []
    for start, end in spans:
        words: list[int | None] = [
            encoded.word_ids[p] if encoded.first_of_word(p) else None for p in range(start, end)
        ]
        pad: list[int | None] = [None]
        labels = [IGNORE if w is None else int(tags[w]) for w in words]
        windows.append(
            Window(
                doc=doc,
                start=start,
                end=end,
                input_ids=before + encoded.input_ids[start:end] + after,
                labels=[IGNORE] * len(before) + labels + [IGNORE] * len(after),
                word_ids=pad * len(before) + words + pad * len(after),
            )
        )
    return windows


def split_windows(split: Any, tokenizer: Any, max_length: int, stride: int) -> list[Window]:
    """Windows of every document of a `tokens` split (columns `tokens`, `ner_tags`), document order."""
    specials = special_tokens(tokenizer)
    windows: list[Window] = []
    for doc, row in enumerate(split):
        encoded = encode_words(row["tokens"], tokenizer)
        windows.extend(
            document_windows(doc, encoded, row["ner_tags"], tokenizer, max_length, stride, specials)
        )
    return windows


def windows_dataset(windows: Sequence[Window]) -> Any:
    """A `datasets.Dataset` of model inputs (input_ids, attention_mask, labels, length) in window order."""
    from datasets import Dataset

    return Dataset.from_dict(
        {
            "input_ids": [w.input_ids for w in windows],
            "attention_mask": [[1] * len(w.input_ids) for w in windows],
            "labels": [w.labels for w in windows],
            "length": [len(w.input_ids) for w in windows],
        }
    )


def merge_predictions(
    windows: Sequence[Window],
    predictions: Sequence[Sequence[int]],
    n_words: Sequence[int],
    id2label: dict[int, str],
    default: str = "O",
) -> list[list[str]]:
    """One tag per word per document, from per-window predicted ids (position-aligned, padding allowed)."""
    best: list[dict[int, tuple[int, int]]] = [{} for _ in n_words]  # doc -> word -> (context, label id)
    for window, predicted in zip(windows, predictions, strict=True):
        last = len(window.word_ids) - 1
        for position, word in enumerate(window.word_ids):
            if word is None:
                continue
            context = min(position, last - position)
            if word not in best[window.doc] or context > best[window.doc][word][0]:
                best[window.doc][word] = (context, int(predicted[position]))
    return [
        [id2label[best[d][w][1]] if w in best[d] else default for w in range(n)]
        for d, n in enumerate(n_words)
    ]


def label_names(split: Any) -> list[str]:
    """The tag names of a `tokens` split's `ner_tags` ClassLabel."""
    return list(split.features["ner_tags"].feature.names)
