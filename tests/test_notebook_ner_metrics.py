"""Entity-level scores (seqeval, strict IOB2) on cases computed by hand."""

from __future__ import annotations

import pytest

from notebooks.ner.metrics import entity_labels, entity_scores, flat_scores


def test_hand_computed_precision_recall_f1() -> None:
    # gold: FARMACO "metformina" (1), PROTEINA "insulina glargina" (3-4), FARMACO "enalapril" (6)
    gold = [["O", "B-FARMACO", "O", "B-PROTEINA", "I-PROTEINA", "O", "B-FARMACO"]]
    # pred: FARMACO right; PROTEINA with a wrong end (3 only) -> wrong; enalapril missed; an extra FARMACO
    pred = [["O", "B-FARMACO", "B-FARMACO", "B-PROTEINA", "O", "O", "O"]]
    scores = entity_scores(gold, pred, ["FARMACO", "PROTEINA", "UNCLEAR"])
    # overall: 1 correct of 3 predicted, 1 of 3 gold -> P = R = F1 = 1/3
    assert scores.overall.precision == pytest.approx(1 / 3)
    assert scores.overall.recall == pytest.approx(1 / 3)
    assert scores.overall.f1 == pytest.approx(1 / 3)
    assert scores.overall.support == 3
    # FARMACO: 1 correct of 2 predicted, 1 of 2 gold -> 0.5 / 0.5 / 0.5
    farmaco = scores.per_label["FARMACO"]
    assert (farmaco.precision, farmaco.recall, farmaco.f1, farmaco.support) == (0.5, 0.5, 0.5, 2)
    assert scores.per_label["PROTEINA"].f1 == 0.0 and scores.per_label["PROTEINA"].support == 1
    # a label absent from gold and predictions is listed with zeros
    assert scores.per_label["UNCLEAR"].model_dump() == {
        "precision": 0.0,
        "recall": 0.0,
        "f1": 0.0,
        "support": 0,
    }
    assert scores.extra["token_accuracy"] == pytest.approx(4 / 7)


def test_strict_mode_does_not_count_an_entity_starting_with_i() -> None:
    gold = [["B-FARMACO", "I-FARMACO", "O"]]
    pred = [["I-FARMACO", "I-FARMACO", "O"]]  # lenient (conlleval) would accept it; strict IOB2 does not
    scores = entity_scores(gold, pred)
    assert scores.overall.f1 == 0.0 and scores.overall.recall == 0.0


def test_precision_differs_from_recall() -> None:
    # 2 gold, 1 predicted and correct: P = 1, R = 0.5, F1 = 2*1*0.5/1.5 = 2/3
    scores = entity_scores([["B-X", "O", "B-X"]], [["B-X", "O", "O"]])
    assert (scores.overall.precision, scores.overall.recall) == (1.0, 0.5)
    assert scores.overall.f1 == pytest.approx(2 / 3)
    assert flat_scores(scores) == pytest.approx({"precision": 1.0, "recall": 0.5, "f1": 2 / 3, "f1_X": 2 / 3})


def test_no_entities_anywhere_scores_zero() -> None:
    scores = entity_scores([["O", "O"]], [["O", "O"]], ["X"])
    assert scores.overall.f1 == 0.0 and scores.per_label["X"].support == 0


def test_mismatched_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="differ"):
        entity_scores([["O", "B-X"]], [["O"]])


def test_entity_labels() -> None:
    assert entity_labels(["O", "B-PROTEINAS", "I-PROTEINAS", "B-NORMALIZABLES"]) == [
        "NORMALIZABLES",
        "PROTEINAS",
    ]
