"""Label alignment, windows and merging predictions back to words (notebooks/ner/data.py), on a tiny
WordPiece tokenizer trained here (no network, no model)."""

from __future__ import annotations

import re

import pytest

from notebooks.common.fallback import wordpiece_tokenizer
from notebooks.ner.data import (
    IGNORE,
    Window,
    document_windows,
    encode_words,
    merge_predictions,
    sentence_starts,
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

    # word 2 sits at the right edge of window A and in the middle of window B: B decides
    a = Window(doc=0, start=0, end=3, input_ids=[9] * 5, labels=[IGNORE] * 5, word_ids=[None, 0, 1, 2, None])
    b = Window(doc=0, start=2, end=5, input_ids=[9] * 5, labels=[IGNORE] * 5, word_ids=[None, 1, 2, 3, None])
    merged = merge_predictions([a, b], [[0, 0, 0, 0, 0], [0, 1, 1, 1, 0]], [4], {0: "O", 1: "B-X"})
    assert merged == [["O", "O", "B-X", "B-X"]]


def words_at(text: str) -> tuple[list[str], list[list[int]]]:
    """Words and punctuation with their character offsets, like the `tokens` view."""
    found = [(m.group(), [m.start(), m.end()]) for m in re.finditer(r"\w+|[^\w\s]", text)]
    return [w for w, _ in found], [o for _, o in found]


CLINICAL = (
    "Varón de 54 años con metformina 850 mg. cada 12 h. Acude por dolor. "
    "El Dr. Pérez pauta insulina glargina."
)


def test_sentences_start_after_a_full_stop_but_not_after_an_abbreviation_or_a_unit() -> None:

    words, offsets = words_at(CLINICAL)
    starts = sentence_starts(words, offsets)
    assert [words[i] for i in starts] == ["Varón", "Acude", "El"]
    assert sentence_starts(words) == starts  # without offsets: words joined by single spaces
    inside = [False] * len(words)
    inside[words.index("El")] = True  # as if an entity ran across the full stop
    assert [words[i] for i in sentence_starts(words, offsets, inside)] == ["Varón", "Acude"]


def test_sentence_windows_hold_one_sentence_each_and_merge_back_to_every_word(tokenizer) -> None:
    from datasets import ClassLabel, Dataset, Features, Sequence, Value

    words, offsets = words_at(CLINICAL + " " + CLINICAL)
    tags = [1 if w in ("metformina", "insulina") else 2 if w == "glargina" else 0 for w in words]
    features = Features(
        {
            "tokens": Sequence(Value("string")),
            "ner_tags": Sequence(ClassLabel(names=["O", "B-FARMACO", "I-FARMACO"])),
            "token_offsets": Sequence(Sequence(Value("int32"))),
        }
    )
    split = Dataset.from_dict({"tokens": [words], "ner_tags": [tags], "token_offsets": [offsets]}, features)
    windows = split_windows(split, tokenizer, max_length=64, stride=8, unit="sentence", train=True)
    firsts = [words[next(w for w in win.word_ids if w is not None)] for win in windows]
    assert firsts == ["Varón", "Acude", "El"] * 2
    predictions = [[0 if lab == IGNORE else lab for lab in w.labels] for w in windows]
    merged = merge_predictions(windows, predictions, [len(words)], {0: "O", 1: "B-FARMACO", 2: "I-FARMACO"})
    assert merged == [[["O", "B-FARMACO", "I-FARMACO"][t] for t in tags]]
    long = split_windows(split, tokenizer, max_length=12, stride=4, unit="sentence")
    assert len(long) > len(windows) and all(len(w.input_ids) <= 12 for w in long)
    with pytest.raises(ValueError, match="unit must be one of"):
        split_windows(split, tokenizer, 64, 8, unit="paragraph")
