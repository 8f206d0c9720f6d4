"""Answers of instruction samples: formats that read back, and entity F1 computed by hand."""

from __future__ import annotations

import pytest

from notebooks.instruct.metrics import entity_scores
from portable.answers import format_entities, parse_answer
from portable.errors import AnswerFormatError

PAIRS = [("FARMACO", "metformina"), ("PROTEINA", "hemoglobina glicosilada"), ("FARMACO", "metformina")]


@pytest.mark.parametrize("style", ["lineas", "json"])
@pytest.mark.parametrize("task", ["extraccion", "extraccion_etiqueta"])
def test_entity_answers_read_back_in_both_styles(style: str, task: str) -> None:
    assert parse_answer(task, format_entities(PAIRS, style), strict=True) == PAIRS
    assert format_entities([], style) == "ninguna" and parse_answer(task, "Ninguna.", strict=True) == []


def test_json_lines_keep_accents_and_colons_in_the_text() -> None:
    pairs = [("FARMACO", "ácido acetilsalicílico"), ("PROTEINA", "IL-6: receptor")]
    text = format_entities(pairs, "json")
    assert "ácido" in text and parse_answer("extraccion", text) == pairs
    assert parse_answer("extraccion", "PROTEINA: IL-6: receptor") == [("PROTEINA", "IL-6: receptor")]


@pytest.mark.parametrize(
    ("task", "text", "value"),
    [
        ("mencion", "sí", True),
        ("mencion", "Sí.", True),
        ("mencion", "SI, aparece", True),
        ("mencion", "no", False),
        ("mencion", "quizá", None),
        ("tipado", "FARMACO\n", "FARMACO"),
        ("tipado", "  PROTEINA.", "PROTEINA"),
        ("clasificacion", "renal, cardiologia", ["cardiologia", "renal"]),
        ("clasificacion", "", None),
    ],
)
def test_short_answers(task: str, text: str, value) -> None:
    assert parse_answer(task, text) == value


def test_model_output_is_read_leniently_and_strict_parsing_names_the_line() -> None:
    messy = "FARMACO: metformina\nesto no es una entidad\n{roto\nPROTEINA:  insulina  humana "
    assert parse_answer("extraccion", messy) == [("FARMACO", "metformina"), ("PROTEINA", "insulina humana")]
    with pytest.raises(AnswerFormatError, match="line 2"):
        parse_answer("extraccion", messy, strict=True)
    with pytest.raises(AnswerFormatError, match="cannot be read"):
        parse_answer("mencion", "quizá", strict=True)
    with pytest.raises(AnswerFormatError, match="unknown task"):
        parse_answer("resumen", "x")


def test_entity_f1_by_hand() -> None:
    gold = [[("F", "a"), ("F", "a"), ("P", "b")], [("P", "c")], []]
    pred = [[("F", "a"), ("P", "b"), ("P", "x")], [], [("F", "z")]]
    # sample 1: tp F:a x1, P:b x1; gold F:a x2 -> tp 2, gold 3, pred 3; sample 2: gold 1; sample 3: pred 1
    scores = entity_scores(gold, pred, labels=["F", "P", "Q"])
    assert scores.overall.precision == pytest.approx(2 / 4)
    assert scores.overall.recall == pytest.approx(2 / 4)
    assert scores.overall.f1 == pytest.approx(0.5) and scores.overall.support == 4
    f, p = scores.per_label["F"], scores.per_label["P"]
    assert (f.precision, f.recall, f.support) == pytest.approx((1 / 2, 1 / 2, 2))
    assert (p.precision, p.recall, p.support) == pytest.approx((1 / 2, 1 / 2, 2))
    assert scores.per_label["Q"].f1 == 0.0 and scores.per_label["Q"].support == 0


def test_entity_f1_compares_text_with_collapsed_whitespace_and_case_kept() -> None:
    scores = entity_scores([[("F", "ácido  fólico")]], [[("F", " ácido fólico ")]])
    assert scores.overall.f1 == 1.0
    assert entity_scores([[("F", "Insulina")]], [[("F", "insulina")]]).overall.f1 == 0.0
    with pytest.raises(ValueError, match="2 gold answers but 1"):
        entity_scores([[], []], [[]])
