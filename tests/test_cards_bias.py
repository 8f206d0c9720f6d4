"""Bias facts: sex/age mentions in hand-made Spanish sentences counted by hand, entity scores per group
equal to seqeval's, label balance equal to the brat files."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import pytest
from run_factory import SAMPLE, shared_run

from cards.facts.texts import DocText
from cards.measure.bias import mentions, model_scores
from cards.measure.groups import NOT_STATED, find_groups
from cards.measure.scoring import document_counts, score
from runfolder import RunFolder

#: (sentence, sex groups, age groups), decided by hand
SENTENCES = [
    ("Varón de 70 años con gota.", {"male"}, {"older"}),
    ("Mujer de 45, diabética. La paciente refiere mareo.", {"female"}, {"adult"}),
    ("Niña de 6 años con otitis.", {"female"}, {"pediatric"}),
    ("Lactante de 8 meses con bronquiolitis; la madre refiere fiebre.", set(), {"pediatric"}),
    ("Paciente pediátrico de 4 años con asma.", set(), {"pediatric"}),
    ("Anciana de 88 años con fractura de cadera.", {"female"}, {"older"}),
    ("El paciente de 52 años refiere dolor torácico.", set(), {"adult"}),
    ("Mujer de 31 años gestante de 24 semanas.", {"female"}, {"adult"}),
    ("Se revisan 20 casos de pacientes mayores de 65 años.", set(), set()),
    ("Hace 5 años fue operado de una hernia.", set(), set()),
]
#: per group: (documents, mentions), counted by hand over SENTENCES
HAND_COUNTS = {
    "sex": {"female": (4, 6), "male": (1, 1), NOT_STATED: (5, 0)},
    "age": {"pediatric": (3, 3), "adult": (3, 3), "older": (2, 2), NOT_STATED: (2, 0)},
}


@pytest.mark.parametrize(("text", "sex", "age"), SENTENCES)
def test_groups_of_each_sentence(text: str, sex: set[str], age: set[str]) -> None:
    groups = find_groups(text)
    assert (set(groups.sex), set(groups.age)) == (sex, age)


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("niño de 17 años", "pediatric"),
        ("varón de 18 años", "adult"),
        ("mujer de 64 años", "adult"),
        ("mujer de 65 años", "older"),
        ("recién nacida de 3 días", "pediatric"),
        ("paciente de 40 años de edad", "adult"),
    ],
)
def test_age_thresholds(text: str, age: str) -> None:
    assert set(find_groups(text).age) == {age}


def test_mention_counts_match_the_hand_count() -> None:
    docs = [DocText(f"d{i}", "train" if i < 6 else "test", text) for i, (text, _, _) in enumerate(SENTENCES)]
    counted = mentions(docs)
    assert counted["documents"] == len(SENTENCES)
    for kind, groups in HAND_COUNTS.items():
        for group, (documents, found) in groups.items():
            block = counted[kind][group]
            assert (block["documents"], block["mentions"]) == (documents, found), (kind, group)
            assert block["share"] == pytest.approx(documents / len(SENTENCES))
    assert counted["sex"]["female"]["by_split"] == {"test": 1, "train": 3}


def _random_tags(rng: random.Random, length: int) -> list[str]:
    return [
        rng.choice(["O", "O", "O", "B-FARMACO", "I-FARMACO", "B-PROTEINA", "I-PROTEINA"])
        for _ in range(length)
    ]


def test_scores_equal_seqeval_strict_iob2() -> None:
    from seqeval.metrics import f1_score, precision_score, recall_score
    from seqeval.scheme import IOB2

    rng = random.Random(7)
    gold = [_random_tags(rng, rng.randint(3, 20)) for _ in range(40)]
    pred = [
        [t if rng.random() < 0.7 else rng.choice(["O", "B-FARMACO", "I-PROTEINA"]) for t in g] for g in gold
    ]
    ours = score([document_counts(g, p) for g, p in zip(gold, pred, strict=True)])
    kwargs = {"mode": "strict", "scheme": IOB2}
    assert ours.f1 == pytest.approx(f1_score(gold, pred, **kwargs))
    assert ours.precision == pytest.approx(precision_score(gold, pred, **kwargs))
    assert ours.recall == pytest.approx(recall_score(gold, pred, **kwargs))
    low, high = ours.ci95
    assert low <= ours.f1 <= high
    assert score([document_counts(gold[0], pred[0])]).ci95 is None


def test_scores_per_group_on_hand_made_predictions(tmp_path: Path) -> None:
    """male: 1 of 2 entities right, 2 predicted -> F1 0.5; female: 1 of 2 found, 1 predicted -> F1 2/3."""
    rows = [
        {
            "id": "a",
            "tokens": ["Varón", "de", "metformina", "insulina", "glargina"],
            "gold": ["O", "O", "B-FARMACO", "B-PROTEINA", "I-PROTEINA"],
            "pred": ["O", "O", "B-FARMACO", "B-PROTEINA", "O"],
        },
        {"id": "b", "tokens": ["Mujer", "enalapril"], "gold": ["O", "B-FARMACO"], "pred": ["O", "B-FARMACO"]},
        {"id": "c", "tokens": ["Mujer", "ferritina"], "gold": ["O", "B-PROTEINA"], "pred": ["O", "O"]},
    ]
    run = RunFolder(tmp_path)
    (tmp_path / "models" / "ner").mkdir(parents=True)
    (tmp_path / "models" / "ner" / "test_predictions.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in rows)
    )
    texts = {
        "a": "Varón de 70 años con metformina e insulina glargina.",
        "b": "Mujer de 30 años con enalapril.",
        "c": "Mujer de 30 años con ferritina baja.",
    }
    scores = model_scores(run, "ner", texts, metrics_f1=4 / 7)
    assert scores["matches_metrics"] is True
    assert scores["overall"]["f1"] == pytest.approx(4 / 7)
    assert scores["sex"]["male"]["f1"] == pytest.approx(0.5)
    assert scores["sex"]["female"] | {"ci95": None} == {
        "documents": 2,
        "support": 2,
        "predicted": 1,
        "precision": 1.0,
        "recall": 0.5,
        "f1": pytest.approx(2 / 3),
        "ci95": None,
    }
    assert scores["age"]["older"]["documents"] == 1 and scores["age"]["adult"]["documents"] == 2
    assert scores["gaps"]["sex"]["best"] == "female" and scores["gaps"]["sex"]["f1_gap"] == pytest.approx(
        1 / 6
    )


def test_label_balance_equals_the_brat_files(tmp_path_factory: pytest.TempPathFactory) -> None:
    run = shared_run(tmp_path_factory, cards=True)
    bias = json.loads(run.bias.read_text(encoding="utf-8"))
    by_hand = Counter(
        line.split("\t")[1].split()[0]
        for ann in SAMPLE.rglob("*.ann")
        for line in ann.read_text(encoding="utf-8").splitlines()
        if line.startswith("T")
    )
    balance = bias["label_balance"]
    assert balance["counts"] == dict(by_hand)
    assert balance["majority"] == "FARMACO" and balance["minority"] == "PROTEINA"
    assert balance["imbalance_ratio"] == pytest.approx(by_hand["FARMACO"] / by_hand["PROTEINA"])
    assert bias["variety"] == {"recorded": False, "source": None, "counts": {}}
    assert set(bias["model_scores"]["ner"]) >= {"overall", "sex", "age", "gaps", "interval"}
