"""Windowed inference (`demo.runtime.predict`): hand-made BIO cases, then the tiny model on texts past
its window."""

from __future__ import annotations

from pathlib import Path

import pytest
from run_factory import cached_tiny_run

from demo.runtime.config import MAX_CHARS
from demo.runtime.predict import (
    Entity,
    Tagger,
    Word,
    group_entities,
    highlight,
    input_problem,
    window_size,
)

SENTENCE = "Tratamiento con amoxicilina y paracetamol. Se pide troponina I y procalcitonina."


@pytest.fixture(scope="session")
def tiny_tagger(tmp_path_factory: pytest.TempPathFactory) -> Tagger:
    run = cached_tiny_run(tmp_path_factory.getbasetemp() / "demo-tiny-run")
    return Tagger.from_pretrained(str(run.model("ner")))


def words(text: str, *tags: str) -> list[Word]:
    """The whitespace-separated words of `text` with the given tags (score 0.5 each)."""
    out, position = [], 0
    for word, tag in zip(text.split(), tags, strict=True):
        start = text.index(word, position)
        position = start + len(word)
        out.append(Word(start, position, tag, 0.5))
    return out


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (("O", "B-FARMACO", "O", "O"), [("FARMACO", "insulina")]),
        (("O", "B-FARMACO", "I-FARMACO", "O"), [("FARMACO", "insulina glargina")]),
        (
            ("O", "I-FARMACO", "I-FARMACO", "O"),
            [("FARMACO", "insulina glargina")],
        ),  # I- without B- starts one
        (("O", "B-FARMACO", "B-FARMACO", "O"), [("FARMACO", "insulina"), ("FARMACO", "glargina")]),
        (("O", "B-FARMACO", "I-PROTEINA", "O"), [("FARMACO", "insulina"), ("PROTEINA", "glargina")]),
        (("B-PROTEINA", "O", "O", "B-FARMACO"), [("PROTEINA", "con"), ("FARMACO", "diaria")]),
    ],
)
def test_bio_words_become_entities(tags: tuple[str, ...], expected: list[tuple[str, str]]) -> None:
    text = "con insulina glargina diaria"
    entities = group_entities(text, words(text, *tags))
    assert [(e.label, e.text) for e in entities] == expected
    assert all(text[e.start : e.end] == e.text and e.score == 0.5 for e in entities)


def test_highlight_covers_the_whole_text() -> None:
    text = "Se añade metformina."
    entities = [Entity("FARMACO", 9, 19, 0.9, "metformina")]
    assert highlight(text, entities) == [("Se añade ", None), ("metformina", "FARMACO"), (".", None)]
    assert highlight(text, []) == [(text, None)]
    overlapping = [*entities, Entity("FARMACO", 12, 19, 0.4, "formina")]
    assert "".join(piece for piece, _ in highlight(text, overlapping)) == text


@pytest.mark.parametrize(
    ("text", "problem"),
    [("", "vacío"), ("  \n ", "vacío"), (None, "vacío"), ("x" * (MAX_CHARS + 1), "20.001 caracteres")],
)
def test_empty_or_oversized_input_is_refused(text: str | None, problem: str) -> None:
    message = input_problem(text)
    assert message is not None and problem in message
    assert input_problem("x" * MAX_CHARS) is None


def test_window_size_falls_back_to_the_model_positions() -> None:
    class Tok:
        model_max_length = int(1e30)

    class Config:
        max_position_embeddings = 514
        model_type = "roberta"

    assert window_size(Tok(), Config()) == 512
    Tok.model_max_length = 128
    assert window_size(Tok(), Config()) == 128


def test_the_tiny_model_finds_entities(tiny_tagger: Tagger) -> None:
    entities = tiny_tagger(SENTENCE)
    assert entities, "the tiny model should have memorised at least one drug of the sample corpus"
    assert all(SENTENCE[e.start : e.end] == e.text and 0 < e.score <= 1 for e in entities)
    assert tiny_tagger.labels == ["FARMACO", "PROTEINA"]


def test_long_texts_are_windowed_not_cut(tiny_tagger: Tagger) -> None:
    repeats = 120
    text = " ".join([SENTENCE] * repeats)
    assert len(tiny_tagger.tokenizer(text)["input_ids"]) > 20 * tiny_tagger.window
    words = tiny_tagger.words(text)
    assert len(words) == len(tiny_tagger.words(SENTENCE)) * repeats  # every word tagged once
    assert all(a.end <= b.start for a, b in zip(words, words[1:], strict=False))
    assert words[-1].end == len(text)
    entities = tiny_tagger(text)
    last = len(text) - len(SENTENCE)
    assert any(e.start >= last for e in entities), "the last window's entities are missing"
    assert all(text[e.start : e.end] == e.text for e in entities)


def test_the_tiny_model_folder_has_what_the_notebook_writes(tiny_tagger: Tagger, tmp_path_factory) -> None:
    folder = Path(tmp_path_factory.getbasetemp()) / "demo-tiny-run" / "models" / "ner"
    assert {"config.json", "model.safetensors", "metrics.json", "emissions.csv"} <= {
        p.name for p in folder.iterdir()
    }


def test_the_tagger_can_serve_several_threads(tiny_tagger: Tagger) -> None:
    from concurrent.futures import ThreadPoolExecutor

    texts = [SENTENCE, " ".join([SENTENCE] * 5)] * 6
    alone = [tiny_tagger(t) for t in texts]
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(tiny_tagger, texts)) == alone


def test_a_model_trained_on_sentences_tags_sentence_by_sentence(tiny_tagger: Tagger) -> None:
    from demo.runtime.predict import Tagger as TaggerClass

    text = f"{SENTENCE} El Dr. Pérez lo revisa.\n\n  {SENTENCE}"
    by_sentence = TaggerClass(tiny_tagger.tokenizer, tiny_tagger.model, unit="sentence")
    assert tiny_tagger.unit == "document"  # no `training_unit` in the tiny model's config
    words = by_sentence.words(text)
    assert all(a.end <= b.start for a, b in zip(words, words[1:], strict=False))
    assert words[-1].end == len(text)
    # each sentence is tagged alone: the same words and tags as the sentence by itself, shifted
    alone = by_sentence.words(SENTENCE)
    last = text.rindex(SENTENCE)
    assert [(w.start - last, w.end - last, w.tag) for w in words if w.start >= last] == [
        (w.start, w.end, w.tag) for w in alone
    ]
    assert all(text[e.start : e.end] == e.text for e in by_sentence(text))
    assert by_sentence.words("   ") == []
    tiny_tagger.model.config.training_unit = "sentence"  # what the notebook writes
    try:
        assert TaggerClass(tiny_tagger.tokenizer, tiny_tagger.model).unit == "sentence"
    finally:
        del tiny_tagger.model.config.training_unit
