"""Words with BIO tags -> sub-word windows for a token-classification model, and predictions back to words.

    encoded = encode_words(["Paciente", "con", "metformina"], tokenizer)   # sub-token ids + word index each
    spans = window_spans(encoded.word_ids, size=510, stride=128)           # [(0, 510), (382, 700), ...]
    windows = split_windows(split, tokenizer, max_length=512, stride=128)  # every document, every window
    windows = split_windows(split, tokenizer, 512, 128, unit="sentence")  # one window per sentence
    tags = merge_predictions(windows, predicted_ids, id2label)             # one tag per word, per document

Labels: the first sub-token of a word carries the word's tag id, the other sub-tokens and the special
tokens carry -100 (ignored by the loss and by the metrics). A document longer than `max_length` is cut
into overlapping windows (`stride` sub-tokens shared), at word boundaries when a word fits, so nothing is
truncated; each word's prediction is taken from the window where it has the most context on both sides.
With `unit="sentence"` every sentence (annotate's Spanish clinical sentence splitter, run on the text
rebuilt from the words at their offsets) is its own window, or several when longer than `max_length`:
short inputs that dynamic padding and length grouping batch with little padding, as in the CoNLL-style
sentence files the published PharmaCoNER models were trained on. Training sentences never start inside
an entity (a cut before an `I-` word is dropped).
A word the tokenizer turns into nothing (e.g. a zero-width space) is encoded as the unknown token so that
it still gets a prediction.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import TYPE_CHECKING

from notebooks.errors import ParameterError
from portable.sentences import sentence_spans

if TYPE_CHECKING:
    from datasets import Dataset
    from transformers import PreTrainedTokenizerBase

IGNORE = -100
UNITS = ("document", "sentence")


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


def encode_words(words: Sequence[str], tokenizer: PreTrainedTokenizerBase) -> Encoded:
    """Sub-token ids of `words` (pre-split), every word getting at least one sub-token."""
    encoding = tokenizer(list(words), is_split_into_words=True, add_special_tokens=False)
    word_ids = encoding.word_ids()
    empty = set(range(len(words))) - set(word_ids)
    if empty:
        words = [tokenizer.unk_token if i in empty else w for i, w in enumerate(words)]
        encoding = tokenizer(list(words), is_split_into_words=True, add_special_tokens=False)
        word_ids = encoding.word_ids()
    return Encoded(list(encoding["input_ids"]), [int(w) for w in word_ids])


def special_tokens(tokenizer: PreTrainedTokenizerBase) -> tuple[list[int], list[int]]:
    """The ids the tokenizer puts before and after a sequence ([CLS] ... [SEP], <s> ... </s>)."""
    encoding = tokenizer(["x"], is_split_into_words=True)
    positions = [i for i, w in enumerate(encoding.word_ids()) if w is not None]
    ids = list(encoding["input_ids"])
    return ids[: positions[0]], ids[positions[-1] + 1 :]


def window_spans(word_ids: Sequence[int], size: int, stride: int) -> list[tuple[int, int]]:
    """(start, end) sub-token ranges of at most `size` covering everything, consecutive ones sharing about
    `stride` sub-tokens; cuts fall between words unless a single word is longer than the window."""
    if size < 1 or not 0 <= stride < size:
        raise ParameterError(
            f"windows need size >= 1 and 0 <= stride < size, got size={size}, stride={stride} "
            "(raise max_length or lower stride)"
        )
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
    tokenizer: PreTrainedTokenizerBase,
    max_length: int,
    stride: int,
    specials: tuple[list[int], list[int]] | None = None,
    pieces: Sequence[tuple[int, int]] | None = None,
) -> list[Window]:
    """The windows of one document, labels aligned to the first sub-token of each word (the overlap is at
    most half a window, whatever `stride` says). `pieces`: sub-token ranges windowed separately
    (sentences); default the whole document."""
    before, after = specials or special_tokens(tokenizer)
    size = max_length - len(before) - len(after)
    windows = []
    for low, high in [(0, len(encoded.input_ids))] if pieces is None else pieces:
        if high <= low:
            continue
        spans = window_spans(encoded.word_ids[low:high], size, min(stride, size // 2))
        for start, end in ((low + a, low + b) for a, b in spans):
            windows.append(_window(doc, encoded, tags, start, end, before, after))
    return windows


def _window(
    doc: int, encoded: Encoded, tags: Sequence[int], start: int, end: int, before: list[int], after: list[int]
) -> Window:
    words: list[int | None] = [
        encoded.word_ids[p] if encoded.first_of_word(p) else None for p in range(start, end)
    ]
    pad: list[int | None] = [None]
    labels = [IGNORE if w is None else int(tags[w]) for w in words]
    return Window(
        doc=doc,
        start=start,
        end=end,
        input_ids=before + encoded.input_ids[start:end] + after,
        labels=[IGNORE] * len(before) + labels + [IGNORE] * len(after),
        word_ids=pad * len(before) + words + pad * len(after),
    )


def sentence_starts(
    words: Sequence[str],
    offsets: Sequence[Sequence[int]] | None = None,
    inside: Sequence[bool] | None = None,
) -> list[int]:
    """Index of the first word of each sentence (0 first). The text is rebuilt from the words at their
    character `offsets` (single spaces without them); `inside[w]` True (an `I-` tag) forbids a cut at w."""
    if not words:
        return [0]
    if offsets is None:
        starts_at = list(accumulate((len(w) + 1 for w in words[:-1]), initial=0))
        offsets = [(a, a + len(w)) for a, w in zip(starts_at, words, strict=True)]
    chars = [" "] * max(end for _, end in offsets)
    for (start, end), word in zip(offsets, words, strict=True):
        chars[start:end] = word[: end - start].ljust(end - start)
    begins = [start for start, _ in offsets]
    cuts = {bisect.bisect_left(begins, start) for start, _ in sentence_spans("".join(chars))}
    return sorted({0} | {w for w in cuts if 0 < w < len(words) and not (inside and inside[w])})


def sentence_pieces(encoded: Encoded, starts: Sequence[int]) -> list[tuple[int, int]]:
    """Sub-token ranges of the sentences beginning at word indexes `starts`."""
    first: dict[int, int] = {}
    for position, word in enumerate(encoded.word_ids):
        first.setdefault(word, position)
    bounds = [first[w] for w in starts if w in first] + [len(encoded.input_ids)]
    return list(zip(bounds[:-1], bounds[1:], strict=True))


def split_windows(
    split: Dataset,
    tokenizer: PreTrainedTokenizerBase,
    max_length: int,
    stride: int,
    unit: str = "document",
    train: bool = False,
) -> list[Window]:
    """Windows of every document of a `tokens` split (columns `tokens`, `ner_tags`, optionally
    `token_offsets`), document order; `unit="sentence"` windows each sentence on its own (with `train`,
    no sentence starts inside an entity)."""
    if unit not in UNITS:
        raise ParameterError(f"unit must be one of {', '.join(UNITS)}, got {unit!r}")
    specials = special_tokens(tokenizer)
    inside_ids = {i for i, name in enumerate(label_names(split)) if name.startswith("I-")} if train else set()
    windows: list[Window] = []
    for doc, row in enumerate(split):
        encoded = encode_words(row["tokens"], tokenizer)
        pieces = None
        if unit == "sentence":
            inside = [tag in inside_ids for tag in row["ner_tags"]] if inside_ids else None
            starts = sentence_starts(row["tokens"], row.get("token_offsets"), inside)
            pieces = sentence_pieces(encoded, starts)
        windows.extend(
            document_windows(doc, encoded, row["ner_tags"], tokenizer, max_length, stride, specials, pieces)
        )
    return windows


def windows_dataset(windows: Sequence[Window]) -> Dataset:
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


def label_names(split: Dataset) -> list[str]:
    """The tag names of a `tokens` split's `ner_tags` ClassLabel."""
    return list(split.features["ner_tags"].feature.names)
