"""Sentence/paragraph segmentation of Spanish clinical text that never cuts an entity."""

from __future__ import annotations

import random

import pytest
from test_corpus_invariants import FIXTURES, assert_segments_ok

from annotate.corpus import Document, Entity, Span, load_corpus, segment


def doc_with(text: str, *fragments: tuple[tuple[int, int], ...]) -> Document:
    entities = tuple(
        Entity(f"d_T{i}", "X", tuple(Span(s, e) for s, e in spans), tuple(text[s:e] for s, e in spans))
        for i, spans in enumerate(fragments, start=1)
    )
    return Document("d", text, entities=entities)


def where(text: str, part: str) -> tuple[int, int]:
    start = text.index(part)
    return start, start + len(part)


@pytest.mark.parametrize(
    "text, sentences",
    [
        (
            "El Dr. Pérez revisa al paciente. Se pauta reposo.",
            ["El Dr. Pérez revisa al paciente.", "Se pauta reposo."],
        ),
        ("Glucemia de 2.5 mmol/l. Se repite.", ["Glucemia de 2.5 mmol/l.", "Se repite."]),
        (
            "Evitar AINE, p. ej. Ibuprofeno, una semana. Control.",
            ["Evitar AINE, p. ej. Ibuprofeno, una semana.", "Control."],
        ),
        ("Recibe 40 mg. IV de furosemida. Mejora.", ["Recibe 40 mg. IV de furosemida.", "Mejora."]),
        ("Toma paracetamol 1 g. A las dos horas cede.", ["Toma paracetamol 1 g.", "A las dos horas cede."]),
        (
            "Se administró i.v. con buena tolerancia. Alta.",
            ["Se administró i.v. con buena tolerancia.", "Alta."],
        ),
        ("Ingresa el día 3. 5 días después, alta.", ["Ingresa el día 3.", "5 días después, alta."]),
        ("Plan:\n1. Hemograma.\n2. Radiografía.", ["Plan:", "1. Hemograma.", "2. Radiografía."]),
        (
            "¿Presenta dolor? Sí, en el hipocondrio. ¡Urgente!",
            ["¿Presenta dolor?", "Sí, en el hipocondrio.", "¡Urgente!"],
        ),
        ("Antecedentes\nHTA y dislipemia.", ["Antecedentes", "HTA y dislipemia."]),
        ("Refiere cansancio... Niega fiebre.", ["Refiere cansancio...", "Niega fiebre."]),
        ("Refiere «mareo». Ver (tabla 1). Se inicia.", ["Refiere «mareo».", "Ver (tabla 1).", "Se inicia."]),
        ("  Vitamina D. Sin cambios.  \n", ["Vitamina D.", "Sin cambios."]),
    ],
)
def test_sentences(text, sentences):
    doc = doc_with(text)
    segments = segment(doc, "sentence")
    assert [s.text for s in segments] == sentences
    assert_segments_ok(doc, segments)


def test_paragraphs_are_lines_and_none_is_the_whole_text():
    text = "Uno. Dos.\nTres.\n\n  Cuatro.\n"
    doc = doc_with(text, (where(text, "Tres"),))
    assert [s.text for s in segment(doc, "paragraph")] == ["Uno. Dos.", "Tres.", "Cuatro."]
    (whole,) = segment(doc, "none")
    assert (whole.start, whole.end, whole.text, whole.entities) == (0, len(text), text, doc.entities)


def test_a_boundary_inside_an_entity_merges_the_sentences():
    text = "Toma ácido fólico. Control en un mes. Alta."
    doc = doc_with(text, (where(text, "fólico. Control"),))
    segments = segment(doc)
    assert [s.text for s in segments] == ["Toma ácido fólico. Control en un mes.", "Alta."]
    assert_segments_ok(doc, segments)


def test_a_discontinuous_entity_lies_in_the_segment_holding_all_its_fragments():
    text = "Hay receptores positivos. Negativo para progesterona. Alta."
    doc = doc_with(text, (where(text, "receptores"), where(text, "progesterona")), (where(text, "Alta"),))
    first, second = segment(doc)
    assert first.text == "Hay receptores positivos. Negativo para progesterona."
    assert first.entities[0].offsets == (Span(4, 14), Span(40, 52))
    assert second.entities[0].offsets == (Span(0, 4),) and second.start == text.index("Alta")
    assert_segments_ok(doc, [first, second])


def test_an_entity_reaching_into_the_whitespace_between_segments_merges_them():
    text = "Uno.\n  insulina\nDos.\n"
    doc = doc_with(text, ((5, 15),))  # "  insulina": starts inside the line break "\n  "
    segments = segment(doc, "paragraph")
    assert [s.text for s in segments] == ["Uno.\n  insulina", "Dos."]
    assert_segments_ok(doc, segments)


@pytest.mark.parametrize("seed", range(40))
def test_random_entities_always_map_back(seed):
    rng = random.Random(seed)
    text = (FIXTURES / "brat" / "train" / "caso1.txt").read_text(encoding="utf-8")
    spans = []
    for _ in range(rng.randint(1, 8)):
        cuts = sorted(rng.sample(range(len(text)), 2 * rng.randint(1, 2)))
        spans.append(tuple(zip(cuts[::2], cuts[1::2], strict=True)))
    doc = doc_with(text, *spans)
    for mode in ("sentence", "paragraph", "none"):
        assert_segments_ok(doc, segment(doc, mode))


def test_the_fixture_corpus_segments_cleanly():
    for doc in load_corpus(FIXTURES / "brat", "brat"):
        for mode in ("sentence", "paragraph"):
            assert_segments_ok(doc, segment(doc, mode))


def test_an_unknown_mode_is_an_error():
    with pytest.raises(ValueError, match="sentence, paragraph, none"):
        segment(doc_with("Hola."), "frase")
