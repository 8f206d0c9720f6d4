"""Label alignment, windows and merging predictions back to words (notebooks/ner_data.py), on a tiny
WordPiece tokenizer trained here (no network, no model)."""

from __future__ import annotations

import pytest

from notebooks.fallback import wordpiece_tokenizer
from notebooks.ner_data import (
    IGNORE,
    document_windows,
    encode_words,
    merge_predictions,
    special_tokens,
    split_windows,
    window_spans,
)

TEXTS = [
    "Paciente con metformina 850 mg y enalapril",
    "insulina glargina 20 UI al día",
    "se suspende el omeprazol por hipomagnesemia",
] * 20
TAGS = ["O", "B-FARMACO", "I-FARMACO", "B-PROTEINA", "I-PROTEINA"]


@pytest.fixture(scope="module")
def tokenizer():
    return wordpiece_tokenizer(TEXTS, vocab_size=120)  # small vocabulary: rare words split in pieces


def test_first_sub_token_carries_the_label(tokenizer) -> None:
    words = ["Paciente", "con", "metformina", "hipoglucemiante"]
    tags = [0, 0, 1, 1]
    encoded = encode_words(words, tokenizer)
    assert encoded.word_ids.count(3) > 1  # a word unseen in training is split into several sub-tokens
    (window,) = document_windows(0, encoded, tags, tokenizer, max_length=64, stride=8)
    before, after = special_tokens(tokenizer)
    assert window.input_ids[: len(before)] == before and window.input_ids[-len(after) :] == after
    labelled = [(w, lab) for w, lab in zip(window.word_ids, window.labels, strict=True) if lab != IGNORE]
    assert labelled == [(0, 0), (1, 0), (2, 1), (3, 1)]  # one label per word, on its first sub-token
    assert window.labels.count(IGNORE) == len(window.labels) - len(words)


def test_a_word_the_tokenizer_drops_still_gets_a_sub_token(tokenizer) -> None:
    encoded = encode_words(["con", "\u200b", "insulina"], tokenizer)
    assert sorted(set(encoded.word_ids)) == [0, 1, 2]


@pytest.mark.parametrize(
    ("n_words", "pieces", "size", "stride"), [(50, 1, 10, 3), (40, 3, 10, 4), (7, 2, 30, 5)]
)
def test_window_spans_cover_everything_and_cut_between_words(n_words, pieces, size, stride) -> None:
    word_ids = [w for w in range(n_words) for _ in range(pieces)]
    spans = window_spans(word_ids, size, stride)
    assert spans[0][0] == 0 and spans[-1][1] == len(word_ids)
    for (s1, e1), (s2, e2) in zip(spans, spans[1:], strict=False):
        assert s1 < s2 <= e1 < e2  # progress, no gap
    for start, end in spans:
        assert end - start <= size
        assert start == 0 or word_ids[start] != word_ids[start - 1]  # starts at a word
        assert end == len(word_ids) or word_ids[end] != word_ids[end - 1]  # ends at a word


def test_a_word_longer_than_the_window_is_cut_hard() -> None:
    word_ids = [0] * 25 + [1]
    spans = window_spans(word_ids, size=10, stride=2)
    assert spans[-1][1] == 26 and all(e - s <= 10 for s, e in spans)


def test_a_long_document_is_windowed_and_every_word_gets_one_prediction(tokenizer) -> None:
    sentence = "Paciente con metformina 850 mg y enalapril , insulina glargina al día ."
    words = sentence.split(" ") * 30
    tags = [1 if w in ("metformina", "enalapril", "insulina") else 0 for w in words]
    split = [{"tokens": words, "ner_tags": tags}, {"tokens": ["omeprazol"], "ner_tags": [1]}]
    windows = split_windows(split, tokenizer, max_length=32, stride=8)
    doc0 = [w for w in windows if w.doc == 0]
    assert len(doc0) > 10 and all(len(w.input_ids) <= 32 for w in windows)
    # an oracle that predicts each window's gold labels: merging must give back every word's tag once
    predictions = [[0 if lab == IGNORE else lab for lab in w.labels] for w in windows]
    merged = merge_predictions(windows, predictions, [len(words), 1], {0: "O", 1: "B-FARMACO"})
    assert [len(m) for m in merged] == [len(words), 1]
    assert merged[0] == ["B-FARMACO" if t else "O" for t in tags] and merged[1] == ["B-FARMACO"]
    seen = {(w.doc, word) for w in windows for word in w.word_ids if word is not None}
    assert seen == {(0, i) for i in range(len(words))} | {(1, 0)}


def test_merge_takes_the_window_with_most_context() -> None:
    from notebooks.ner_data import Window

    # word 2 sits at the right edge of window A and in the middle of window B: B decides
    a = Window(doc=0, start=0, end=3, input_ids=[9] * 5, labels=[IGNORE] * 5, word_ids=[None, 0, 1, 2, None])
    b = Window(doc=0, start=2, end=5, input_ids=[9] * 5, labels=[IGNORE] * 5, word_ids=[None, 1, 2, 3, None])
    merged = merge_predictions([a, b], [[0, 0, 0, 0, 0], [0, 1, 1, 1, 0]], [4], {0: "O", 1: "B-X"})
    assert merged == [["O", "O", "B-X", "B-X"]]
