"""notebooks/finetune_ner.ipynb executed headless (papermill) on a run folder made from PharmaCoNER, with
the offline fallback model and a few steps (what `make train RUN=... QUICK=1` does), then its outputs
checked against each other. Reads ../shared/data/pharmaconer (skipped when absent); copies nothing."""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import pytest
from notebook_run import execute_notebook

from annotate.corpus import load_corpus
from annotate.views import build_views, save_views
from notebooks.ner.defaults import FALLBACK_DEFAULTS_FILES, NOTEBOOK_DEFAULTS
from notebooks.ner.metrics import entity_scores
from runfolder import Metrics, RunFolder, TrainingInfo

ROOT = Path(__file__).resolve().parents[1]
PHARMACONER = ROOT.parent / "shared" / "data" / "pharmaconer"
QUICK = {
    "allow_offline_fallback": True,
    "max_steps": 4,
    "max_length": 128,
    "stride": 32,
    "batch_size": 8,
    "max_documents": 12,
}
LABELS = ["NORMALIZABLES", "NO_NORMALIZABLES", "PROTEINAS", "UNCLEAR"]

pytestmark = pytest.mark.slow


def execute(run_dir: Path, **parameters) -> Path:
    return execute_notebook("finetune_ner.ipynb", run_dir, **parameters)


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunFolder, float]:
    if not PHARMACONER.exists():
        pytest.skip(f"{PHARMACONER} is not here")
    run = RunFolder(tmp_path_factory.mktemp("runs") / "pharmaconer")
    save_views(build_views(list(load_corpus(str(PHARMACONER), "brat", skip_invalid=True))), run)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HF_HUB_OFFLINE", "1")  # as on CI: the hub model is unavailable, the fallback is used
        started = time.perf_counter()
        execute(run.path, **QUICK)
    return run, time.perf_counter() - started


def test_the_outputs_are_all_there(quick_run) -> None:
    run, seconds = quick_run
    out = run.model("ner")
    expected = {
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "metrics.json",
        "training.json",
        "test_predictions.jsonl",
        "emissions.csv",
        "plots",
    }
    assert expected <= {p.name for p in out.iterdir()}
    assert {p.name for p in (out / "plots").glob("*.png")} == {"learning_curve.png", "per_label_f1.png"}
    assert (run.path / "notebooks" / "finetune_ner.ipynb").exists()
    assert [p.name for p in run.models.iterdir()] == ["ner"]  # no staging or checkpoint folder left
    print(f"notebook ran in {seconds:.0f} s")


def test_metrics_cover_every_label_and_agree_with_the_predictions(quick_run) -> None:
    run, _ = quick_run
    metrics = run.read_json(run.model("ner") / "metrics.json", Metrics)
    assert sorted(metrics.test.per_label) == LABELS and sorted(metrics.validation.per_label) == LABELS
    rows = [json.loads(line) for line in (run.model("ner") / "test_predictions.jsonl").open(encoding="utf-8")]
    assert len(rows) == QUICK["max_documents"]
    assert all(len(r["tokens"]) == len(r["gold"]) == len(r["pred"]) for r in rows)
    rescored = entity_scores([r["gold"] for r in rows], [r["pred"] for r in rows], LABELS)
    assert rescored.overall.f1 == pytest.approx(metrics.test.overall.f1)
    assert rescored.overall.support == metrics.test.overall.support > 0
    assert rescored.overall == metrics.test.overall and rescored.per_label == metrics.test.per_label
    # strict IOB2: every gold entity starts with B- (the view is built from spans), so support counts them
    gold_entities = sum(tag.startswith("B-") for r in rows for tag in r["gold"])
    assert metrics.test.overall.support == gold_entities
    predicted = sum(tag.startswith("B-") for r in rows for tag in r["pred"])
    assert predicted > 0, "the quick model tagged no entity on the test split"


def test_training_info_and_emissions(quick_run) -> None:
    run, _ = quick_run
    info = run.read_json(run.model("ner") / "training.json", TrainingInfo)
    assert (
        info.fallback
        and info.base_model == "PlanTL-GOB-ES/bsc-bio-ehr-es"
        and "HF_HUB_OFFLINE" in info.fallback_reason
    )
    assert info.steps == QUICK["max_steps"] and info.hyperparameters["max_length"] == QUICK["max_length"]
    # by default every sentence is a training window: many more samples than documents
    assert info.hyperparameters["unit"] == "sentence" and info.train_samples > 3 * info.train_documents
    config = json.loads((run.model("ner") / "config.json").read_text())
    assert config["training_unit"] == "sentence"  # the demo reads it to tag sentence by sentence
    assert {"torch", "transformers", "codecarbon"} <= set(info.libraries) and info.hardware["cpu_count"] >= 1
    assert info.wall_time_s > 0 and info.country_iso_code == "ESP"
    with (run.model("ner") / "emissions.csv").open(encoding="utf-8") as f:
        (row,) = list(csv.DictReader(f))
    assert (
        float(row["energy_consumed"]) > 0 and float(row["emissions"]) > 0 and row["country_iso_code"] == "ESP"
    )
    assert info.model_extra["carbon"]["energy_kwh"] == pytest.approx(float(row["energy_consumed"]))


def test_unset_parameters_take_the_fallbacks_measured_values_and_set_ones_are_kept(quick_run) -> None:
    run, _ = quick_run
    info = run.read_json(run.model("ner") / "training.json", TrainingInfo)
    measured = json.loads((ROOT / FALLBACK_DEFAULTS_FILES["packaged"]).read_text())["values"]
    assert info.fallback_kind == "packaged" and info.fallback_defaults == FALLBACK_DEFAULTS_FILES["packaged"]
    for name in NOTEBOOK_DEFAULTS:
        if name in QUICK:  # set by the user (max_length, batch_size): kept
            assert (info.hyperparameters[name], info.hyperparameter_sources[name]) == (QUICK[name], "user")
        else:  # left unset (learning_rate, epochs, warmup_ratio): the fallback's, not the notebook's
            assert (info.hyperparameters[name], info.hyperparameter_sources[name]) == (
                measured[name],
                "fallback",
            )


def test_the_saved_model_tags_spanish_in_a_pipeline(quick_run) -> None:
    from transformers import pipeline

    run, _ = quick_run
    tagger = pipeline("token-classification", model=str(run.model("ner")), aggregation_strategy="simple")
    assert tagger.model.config.label2id["B-PROTEINAS"] == 5
    entities = tagger("Se inició tratamiento con metformina 850 mg y se midió la insulina en sangre.")
    assert isinstance(entities, list)
    assert all(e["entity_group"] in LABELS and 0 <= e["start"] < e["end"] for e in entities)


def test_a_missing_run_folder_stops_the_notebook_naming_the_file_and_the_stage(tmp_path: Path) -> None:
    from papermill.exceptions import PapermillExecutionError

    with pytest.raises(PapermillExecutionError) as error:
        execute(tmp_path / "vacio", allow_offline_fallback=True)
    message = str(error.value)
    assert "NotebookInputError" in message and "dataset/tokens is missing" in message
    assert "python -m annotate export" in message
