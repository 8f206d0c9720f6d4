"""`python -m cards build`: both languages, Hub-valid metadata, and every number equal to the run's files."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from run_factory import EMISSIONS_KG, copy_run, shared_run, write_emissions
from typer.testing import CliRunner

from cards.cli import app
from cards.measure.notation import Numbers
from runfolder import Metrics, RunFolder, RunFolderError

CARDS = ("dataset/README.md", "dataset/README_ES.md", "model-ner/README.md", "model-ner/README_ES.md")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> RunFolder:
    return shared_run(tmp_path_factory, cards=True)


def metrics(run: RunFolder) -> Metrics:
    return Metrics.model_validate_json((run.model("ner") / "metrics.json").read_text(encoding="utf-8"))


def table_row(text: str, first_cell: str, after: str = "") -> list[str]:
    """The cells of the first table row starting with `first_cell` below the text `after`."""
    line = next(ln for ln in text[text.index(after) :].splitlines() if ln.startswith(f"| {first_cell} |"))
    return [cell.strip() for cell in line.strip("|").split("|")]


def test_both_languages_plots_and_measurements_are_written(run: RunFolder) -> None:
    for card in CARDS:
        assert (run.cards / card).is_file(), card
    pngs = {p.name for p in run.cards.rglob("*.png")}
    assert {
        "label_distribution.png",
        "label_distribution_es.png",
        "f1_per_label.png",
        "f1_per_label_es.png",
        "agreement_per_label.png",
        "f1_per_group.png",
        "f1_per_group_ner_es.png",
    } <= pngs
    assert json.loads(run.bias.read_text())["version"] == 1
    assert json.loads(run.privacy.read_text())["counts"]["email"] == 0
    assert [p.name for p in run.path.glob(".*")] == []  # no temporary folder left behind


def test_dataset_metadata_is_valid_for_the_hub(run: RunFolder) -> None:
    from huggingface_hub import DatasetCard

    english, spanish = (
        DatasetCard.load(run.cards / "dataset" / name).data for name in ("README.md", "README_ES.md")
    )
    assert english.to_dict() == spanish.to_dict()
    assert english.license == "cc-by-4.0" and english.language == ["es"]
    assert english.size_categories == ["n<1K"] and english.task_categories == ["token-classification"]
    assert english.annotations_creators == ["crowdsourced"] and english.source_datasets == ["original"]
    assert english.pretty_name == "Somos NLP workspace sample corpus"


def test_model_index_and_emissions_are_valid_and_equal_the_files(run: RunFolder) -> None:
    from huggingface_hub import ModelCard
    from huggingface_hub.repocard_data import model_index_to_eval_results

    data = ModelCard.load(run.cards / "model-ner" / "README.md").data.to_dict()
    name, results = model_index_to_eval_results(data["model-index"])
    assert name == "demo-ner"
    measured = metrics(run)
    found = {(r.dataset_split, r.metric_type, r.metric_config): r.metric_value for r in results}
    assert found[("test", "f1", None)] == round(measured.test.overall.f1, 4)
    for label, scores in measured.test.per_label.items():
        assert found[("test", "f1", label)] == round(scores.f1, 4)
    assert found[("validation", "recall", None)] == round(measured.validation.overall.recall, 4)
    assert data["base_model"] == "PlanTL-GOB-ES/roberta-base-biomedical-clinical-es"
    assert data["pipeline_tag"] == "token-classification" and data["datasets"] == ["demo"]
    co2 = data["co2_eq_emissions"]
    assert co2["emissions"] == pytest.approx(EMISSIONS_KG * 1000, rel=1e-3)  # grams, not kg
    assert co2 | {"emissions": None} == {
        "emissions": None,
        "source": "codecarbon",
        "training_type": "fine-tuning",
        "geographical_location": "Madrid, Spain",
        "hardware_used": "CPU: Intel(R) Xeon(R) CPU (8 cores)",
    }


@pytest.mark.parametrize("lang", ["en", "es"])
def test_card_numbers_equal_the_files(run: RunFolder, lang: str) -> None:
    n = Numbers(lang)
    readme = "README.md" if lang == "en" else "README_ES.md"
    model_card = (run.cards / "model-ner" / readme).read_text(encoding="utf-8")
    for label, scores in metrics(run).test.per_label.items():
        assert table_row(model_card, f"`{label}`")[1:5] == [
            n.dec(scores.precision),
            n.dec(scores.recall),
            n.dec(scores.f1),
            str(scores.support),
        ]
    assert f"{n.sig(EMISSIONS_KG * 1000)} g" in model_card
    dataset_card = (run.cards / "dataset" / readme).read_text(encoding="utf-8")
    agreement = json.loads(run.agreement.read_text())["questions"]["spans"]
    assert table_row(dataset_card, "alpha_u")[1] == n.dec(agreement["overall"]["alpha_u"]["value"])
    assert table_row(dataset_card, "`PROTEINA`", after="| f1 | alpha_u |")[1:3] == [
        n.dec(agreement["per_label"]["PROTEINA"][m]["value"]) for m in ("f1", "alpha_u")
    ]
    assert table_row(dataset_card, "train")[1:3] == ["18", "559"]


def test_cards_check_passes_on_the_generated_cards(run: RunFolder) -> None:
    result = CliRunner().invoke(app, ["check", str(run.cards), "--run", str(run.path)])
    assert result.exit_code == 0, result.output
    assert result.output.count(": ok") == len(CARDS)


def test_templates_state_no_number_typed_by_hand() -> None:
    from cards.check.numbers import NOT_NUMBERS
    from cards.measure.notation import find_numbers

    for template in (Path(__file__).parents[1] / "cards" / "write" / "templates").glob("*.j2"):
        text = re.sub(
            r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", " ", template.read_text(encoding="utf-8"), flags=re.S
        )
        text = re.sub(r"```.*?```", " ", text, flags=re.S)
        typed = [m[0].text for line in text.splitlines() for m in find_numbers(NOT_NUMBERS.sub(" ", line))]
        assert typed == [], f"{template.name} states {typed}"


def test_a_run_with_only_a_dataset_gets_the_dataset_card_alone(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    from cards.write.build import build_cards

    bare = shared_run(tmp_path_factory, "bare", model=False, annotations=False, synthetic=None, domain=None)
    result = build_cards(bare.path)
    assert sorted(p.relative_to(bare.cards).as_posix() for p in result.cards) == list(CARDS[:2])
    text = (bare.cards / "dataset" / "README.md").read_text(encoding="utf-8")
    assert "**Agreement not measured.** No `annotations.parquet`" in text
    assert "No model has been trained in this run yet" in text
    assert "**Origin not recorded.**" in text
    assert "annotations_creators:\n- found" in text


def test_a_failing_self_check_keeps_the_previous_cards(
    run: RunFolder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cards.check.gap import Gap
    from cards.errors import CardGapsError
    from cards.write import build
    from cards.write.build import build_cards

    copy = copy_run(run, tmp_path / "demo")
    before = (copy.cards / "model-ner" / "README.md").read_text()
    monkeypatch.setattr(build, "check_card", lambda path, **_: [Gap(path, 3, "planted gap")])
    with pytest.raises(CardGapsError, match="planted gap.*previous cards are kept"):
        build_cards(copy.path)
    assert (copy.cards / "model-ner" / "README.md").read_text() == before
    assert sorted(p.name for p in copy.path.iterdir() if p.name.startswith(".")) == []


def test_missing_inputs_name_the_command_that_makes_them(tmp_path: Path, run: RunFolder) -> None:
    result = CliRunner().invoke(app, ["build", "--run", str(tmp_path / "empty")])
    assert result.exit_code == 1
    assert "run.json is missing; it is made by `python -m annotate export" in str(result.exception)

    copy = copy_run(run, tmp_path / "demo")
    (copy.model("ner") / "training.json").unlink()
    with pytest.raises(
        RunFolderError, match=r"models/ner/training.json is missing; it is made by `make train"
    ):
        from cards.write.build import build_cards

        build_cards(copy.path)


def test_main_prints_one_line_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from cards.cli import main

    monkeypatch.setattr("sys.argv", ["cards", "build", "--run", str(tmp_path)])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 1
    assert capsys.readouterr().err.strip().startswith(f"error: {tmp_path}/run.json is missing")


def test_emissions_keep_each_runs_last_row_sum_runs_and_convert_to_grams(tmp_path: Path) -> None:
    """codecarbon's flush() appends running totals of one run id; another session has another run id."""
    from cards.facts.emissions import read_emissions

    path = tmp_path / "emissions.csv"
    write_emissions(path, kg=0.001)
    (row,) = list(csv.DictReader(path.open()))
    with path.open("a", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(row))
        writer.writerow(row | {"emissions": "0.002"})  # the same run, flushed later: its total so far
        writer.writerow(row | {"run_id": "second-session", "emissions": "0.003"})
    facts = read_emissions(path)
    assert facts.runs == 2 and facts.kg == pytest.approx(0.005) and facts.grams == pytest.approx(5.0)
    assert facts.energy_kwh == pytest.approx(2 * float(row["energy_consumed"]))
    path.write_text("timestamp,duration\n2025-01-01,3\n")
    with pytest.raises(RunFolderError, match="not a codecarbon emissions file"):
        read_emissions(path)


def test_a_local_base_model_is_a_warning_not_a_failure(run: RunFolder, tmp_path: Path) -> None:
    from cards.write.build import build_cards

    copy = copy_run(run, tmp_path / "demo")
    training = json.loads((copy.model("ner") / "training.json").read_text())
    training |= {"base_model": "/models/roberta-local", "model_used": "/models/roberta-local"}
    (copy.model("ner") / "training.json").write_text(json.dumps(training))
    result = build_cards(copy.path)
    assert [w.split(": ", 1)[1] for w in result.warnings] == [
        "metadata field 'base_model' is missing: add base_model: the Hub id of the model that was fine-tuned"
    ] * 2
    assert "base_model:" not in (copy.cards / "model-ner" / "README.md").read_text()
