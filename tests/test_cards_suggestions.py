"""The cards say how much suggestions shaped the answers (run.json `export.suggestions`, written by
`annotate export`): the dataset card's counts and acceptance per label, the model card's line, in both
languages, and `cards check` finds every number in the run folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from run_factory import copy_run, shared_run
from typer.testing import CliRunner

from cards.cli import app
from cards.measure.notation import Numbers
from runfolder import RunFolder

SUGGESTIONS = {  # hand-made, as annotate export writes it
    "answers": 41,
    "answers_with_suggestion": 29,
    "answers_without_suggestion": 12,
    "relations": {"accepted": 17, "corrected": 6, "rejected": 2, "added": 4},
    "relations_by_source": {"model": {"accepted": 17, "corrected": 6, "rejected": 2, "added": 4}},
    "acceptance_per_label": {
        "FARMACO": {"suggested": 33, "accepted": 27, "rate": 27 / 33},
        "PROTEINA": {"suggested": 8, "accepted": 3, "rate": 3 / 8},
    },
    "agreement": {
        "with_suggestion": {"records": 14, "f1": 0.913},
        "without_suggestion": {"records": 5, "f1": 0.642},
    },
}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> RunFolder:
    from cards.write.build import build_cards

    run = copy_run(shared_run(tmp_path_factory), tmp_path_factory.mktemp("suggested") / "run")
    info = json.loads(run.run_json.read_text())
    info.setdefault("export", {})["suggestions"] = SUGGESTIONS
    run.run_json.write_text(json.dumps(info))
    build_cards(run.path)
    return run


@pytest.mark.parametrize(("lang", "readme"), [("en", "README.md"), ("es", "README_ES.md")])
def test_cards_report_the_suggestions(run: RunFolder, lang: str, readme: str) -> None:
    n = Numbers(lang)
    dataset = (run.cards / "dataset" / readme).read_text(encoding="utf-8")
    assert f"{n.int(29)} " in dataset and "suggestion_relation" in dataset
    assert f"| `FARMACO` | 33 | 27 | {n.pct(27 / 33)} |" in dataset
    assert f"| `PROTEINA` | 8 | 3 | {n.pct(3 / 8)} |" in dataset
    assert n.dec(0.913) in dataset and n.dec(0.642) in dataset
    model = (run.cards / "model-ner" / readme).read_text(encoding="utf-8")
    said = "29 of 41 submitted answers" if lang == "en" else "29 de 41 respuestas enviadas"
    assert said in model


def test_cards_check_passes_and_a_run_without_suggestions_says_nothing(
    run: RunFolder, tmp_path_factory: pytest.TempPathFactory
) -> None:
    result = CliRunner().invoke(app, ["check", str(run.cards), "--run", str(run.path)])
    assert result.exit_code == 0, result.output
    plain = shared_run(tmp_path_factory, cards=True)
    for path in Path(plain.cards).rglob("README*.md"):
        text = path.read_text(encoding="utf-8")
        assert "suggestion_relation" not in text and "saw suggestions" not in text
