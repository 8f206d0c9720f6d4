"""ROUGE-L, exact match and the instruction scores of `notebooks/instruct/metrics.py`, computed by hand."""

from __future__ import annotations

import pytest

from notebooks.instruct.metrics import SCHEME_F1, SCHEME_ROUGE, exact_match, lcs_length, rouge_l, score, table


def test_lcs_by_hand() -> None:
    assert lcs_length(["a", "b", "c", "d", "e"], ["a", "c", "e", "f"]) == 3
    assert lcs_length([], ["a"]) == 0 and lcs_length(["x"], ["y"]) == 0


@pytest.mark.parametrize(
    ("pred", "ref", "expected"),
    [
        ("FARMACO: metformina", "FARMACO: metformina", 1.0),
        # words: farmaco : metformina 850 (4) vs farmaco : metformina (3): LCS 3, P 3/4, R 1 -> 6/7
        ("FARMACO: metformina 850", "FARMACO: metformina", 6 / 7),
        ("el paciente mejora", "mejora el paciente", 2 * (2 / 3) * (2 / 3) / (4 / 3)),  # LCS "el paciente"
        ("", "", 1.0),
        ("algo", "", 0.0),
        ("sí", "no", 0.0),
        ("Ácido Fólico", "ácido fólico", 1.0),  # lowercased
    ],
)
def test_rouge_l_by_hand(pred: str, ref: str, expected: float) -> None:
    assert rouge_l(pred, ref) == pytest.approx(expected)


def test_exact_match_collapses_whitespace_only() -> None:
    assert exact_match(" sí \n", "sí") == 1.0 and exact_match("Sí", "sí") == 0.0


def test_score_main_metric_per_task_and_per_template() -> None:
    tasks = ["extraccion", "extraccion", "extraccion_etiqueta", "mencion", "mencion", "tipado"]
    templates = ["lineas", "json", "una", "sn", "sn", "tipo"]
    golds = [
        "FARMACO: metformina\nPROTEINA: insulina",
        '{"etiqueta": "FARMACO", "texto": "aspirina"}',
        "ninguna",
        "sí",
        "no",
        "PROTEINA",
    ]
    preds = ["FARMACO: metformina", "FARMACO: aspirina", "ninguna", "Sí.", "sí", "FARMACO"]
    metrics = score(tasks, templates, golds, preds, model="models/instruction")
    # extraction: gold 3 pairs, pred 2 pairs, both right -> P 1, R 2/3
    assert metrics.scheme == SCHEME_F1 and metrics.task == "instruction"
    assert metrics.test.overall.precision == 1.0 and metrics.test.overall.recall == pytest.approx(2 / 3)
    assert metrics.test.overall.f1 == pytest.approx(0.8) and metrics.test.overall.support == 3
    assert metrics.test.extra["exact_match"] == pytest.approx(1 / 6)  # only "ninguna"
    assert metrics.test.extra["samples"] == 6 and metrics.test.extra["extraction_samples"] == 3
    assert metrics.per_task["mencion"].overall.f1 == pytest.approx(0.5)  # "Sí." is read as yes
    assert metrics.per_task["mencion"].extra["exact_match"] == 0.0
    assert metrics.per_task["tipado"].overall.f1 == 0.0
    assert metrics.per_task["extraccion/json"].extra["rouge_l"] < 1.0
    assert set(metrics.per_task) == {
        "extraccion",
        "extraccion/lineas",
        "extraccion/json",
        "extraccion_etiqueta",
        "extraccion_etiqueta/una",
        "mencion",
        "mencion/sn",
        "tipado",
        "tipado/tipo",
    }
    assert "overall (entity F1)" in table(metrics) and "mencion/sn" in table(metrics)


def test_without_extraction_samples_the_main_score_is_rouge_l() -> None:
    metrics = score(
        ["instruccion"] * 2, ["bio"] * 2, ["Un antidiabético oral.", "Sí"], ["Un antidiabético.", "Sí"], "m"
    )
    assert metrics.scheme == SCHEME_ROUGE
    assert metrics.test.overall.f1 == pytest.approx(metrics.test.extra["rouge_l"])
    assert metrics.test.overall.f1 == pytest.approx((2 * 0.75 * 1.0 / 1.75 + 1.0) / 2)
