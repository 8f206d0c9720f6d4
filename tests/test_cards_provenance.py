"""What a card says about who annotated and what was fine-tuned: simulated answers are never people's work,
`base_model` is the Hub id of the weights tuned, no folder of the machine, no internal code, and a model
folder without metrics.json is named with the command that makes it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from run_factory import build_run, write_ner_fallback

from cards.write.build import build_cards
from runfolder import RunFolder

ABSOLUTE = re.compile(r"(?<![\w/.:-])/(?:tmp|root|home|usr|work)/")


def front_matter(card: Path) -> dict:
    import yaml

    return yaml.safe_load(card.read_text(encoding="utf-8").split("---")[1])


@pytest.fixture(scope="module")
def quickstart_like(tmp_path_factory: pytest.TempPathFactory) -> RunFolder:
    """Simulated answers, the NER fallback (a packaged copy of all-MiniLM-L6-v2, asked model offline)."""
    run = build_run(tmp_path_factory.mktemp("q") / "quickstart", simulated=True, annotators_kind=None)
    write_ner_fallback(run)
    (run.models / "instruction").mkdir()  # trained nothing yet: no metrics.json
    result = build_cards(run.path)
    run.warnings = result.warnings  # type: ignore[attr-defined]
    return run


def test_simulated_answers_are_said_to_be_simulated(quickstart_like: RunFolder) -> None:
    for name, simulated in (("README.md", "No person annotated it"), ("README_ES.md", "Ninguna persona")):
        card = quickstart_like.cards / "dataset" / name
        text = card.read_text(encoding="utf-8")
        assert front_matter(card)["annotations_creators"] == ["machine-generated"]
        assert simulated in text and "annotate simulate" in text
        assert "annotated in Argilla by" not in text and "Lo anotaron en Argilla" not in text
        assert "noise 0.10, seed 13" in text or "ruido 0,10, semilla 13" in text


def test_base_model_is_the_weights_tuned_and_no_machine_path_or_code(quickstart_like: RunFolder) -> None:
    for card in sorted(quickstart_like.cards.rglob("README*.md")):
        text = card.read_text(encoding="utf-8")
        assert not ABSOLUTE.search(text), (card, ABSOLUTE.search(text))
        assert "Errno" not in text and "no_agreement_file" not in text and "lone_span" not in text
    model = quickstart_like.cards / "model-ner" / "README.md"
    assert front_matter(model)["base_model"] == "sentence-transformers/all-MiniLM-L6-v2"
    text = model.read_text(encoding="utf-8")
    assert "`PlanTL-GOB-ES/bsc-bio-ehr-es` was asked for but could not be loaded" in text
    assert "| learning_rate | 5e-05 | the fallback model's tested value |" in text
    assert "`notebooks/ner/fallback_defaults.json`" in text


def test_a_model_without_metrics_is_named_with_its_command(quickstart_like: RunFolder) -> None:
    warnings = quickstart_like.warnings  # type: ignore[attr-defined]
    assert any(
        w.startswith("skipped cards/model-instruction: models/instruction/metrics.json is missing")
        and "make train-instruct" in w
        for w in warnings
    ), warnings


def test_a_staging_folder_left_by_a_crashed_notebook_is_no_model(quickstart_like: RunFolder) -> None:
    from cards.write.build import skipped_models

    leftovers = [quickstart_like.models / f".instruction-staging.abc123{end}" for end in ("", "-checkpoints")]
    for folder in leftovers:
        folder.mkdir()
    try:
        assert not any("staging" in w for w in skipped_models(quickstart_like))
    finally:
        for folder in leftovers:
            folder.rmdir()


@pytest.mark.parametrize(("kind", "creators"), [("expert", ["expert-generated"]), (None, ["other"])])
def test_people_are_said_by_their_recorded_kind(tmp_path: Path, kind, creators) -> None:
    run = build_run(tmp_path / "people", model=False, annotators_kind=kind)
    build_cards(run.path)
    card = run.cards / "dataset" / "README.md"
    assert front_matter(card)["annotations_creators"] == creators
    assert "It was annotated in Argilla by 3 " in card.read_text(encoding="utf-8")
    assert (json.loads(run.run_json.read_text())["annotation"] or {}).get("annotators_kind") == kind
