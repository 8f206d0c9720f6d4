"""Model facts: `models/<task>/` metrics.json, training.json, emissions.csv, test_predictions.jsonl; for an
instruction model also its adapter files and the samples of `dataset/instruction` it was trained on."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from cards.facts.emissions import read_emissions
from cards.facts.hub_vocabulary import is_hub_id, task_of
from cards.facts.model import BaseModelFacts, InstructionFacts, ModelFacts, TaskSamples
from cards.facts.texts import available_views, load_view
from runfolder import Metrics, RunFolder, RunFolderError, TrainingInfo


def test_predictions(run: RunFolder, task: str) -> Path:
    return run.model(task) / "test_predictions.jsonl"


def read_predictions(path: Path) -> list[dict]:
    """test_predictions.jsonl: one line per test document with `id`, `tokens`, `gold`, `pred` tag lists."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            raise RunFolderError(
                f"{path}:{number}: not JSON; re-run the evaluation cell of the notebook"
            ) from None
        missing = [k for k in ("id", "gold", "pred") if k not in row]
        if missing or len(row["gold"]) != len(row["pred"]):
            why = f"lacks {', '.join(missing)}" if missing else "gold and pred differ in length"
            raise RunFolderError(
                f"{path}:{number}: {why} (document {row.get('id')!r}); re-run the evaluation"
            )
        rows.append(row)
    return rows


SPLIT_ORDER = ("train", "validation", "test")


def count_lines(path: Path) -> int | None:
    if not path.exists():
        return None
    return sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())


def instruction_samples(run: RunFolder) -> tuple[dict[str, int] | None, list[TaskSamples]]:
    """Samples per split and per task of `dataset/instruction` ((None, []) when the view is absent)."""
    if "instruction" not in available_views(run):
        return None, []
    data = load_view(run, "instruction")
    names = sorted(data, key=lambda s: (SPLIT_ORDER.index(s) if s in SPLIT_ORDER else len(SPLIT_ORDER), s))
    counts = {split: Counter(data[split]["task"]) for split in names}
    templates: dict[str, set[str]] = {}
    for split in names:
        for task, template in zip(data[split]["task"], data[split]["template_id"], strict=True):
            templates.setdefault(task, set()).add(template)
    tasks = [
        TaskSamples(
            task=task,
            by_split={split: counts[split][task] for split in names},
            total=sum(counts[split][task] for split in names),
            templates=sorted(templates[task]),
        )
        for task in sorted(templates)
    ]
    return {split: len(data[split]) for split in names}, tasks


def instruction_facts(run: RunFolder, folder: Path) -> InstructionFacts:
    adapter = folder / "adapter_config.json"
    config = run.read_json(adapter) if adapter.exists() else {}
    splits, tasks = instruction_samples(run)
    return InstructionFacts(
        adapter=adapter.exists(),
        adapter_base=config.get("base_model_name_or_path"),
        peft_type=config.get("peft_type"),
        merged=(folder / "merged").is_dir(),
        test_generations=count_lines(folder / "test_generations.jsonl"),
        plots=sorted(p.name for p in (folder / "plots").glob("*.png")),
        splits=splits,
        total=sum(splits.values()) if splits is not None else None,
        tasks=tasks,
    )


def base_hub_id(training: TrainingInfo) -> str | None:
    """The Hub id of the weights fine-tuned: `model_used_hub_id`; without it (a training.json written before
    that field), `model_used` when it is a Hub id (not a folder), else None (built from scratch)."""
    if training.model_used_hub_id:
        return training.model_used_hub_id
    return training.model_used if is_hub_id(training.model_used) else None


def base_facts(training: TrainingInfo) -> BaseModelFacts:
    asked = training.base_model
    return BaseModelFacts(
        hub_id=base_hub_id(training),
        asked=asked if is_hub_id(asked) else Path(asked).name or asked,
        fallback=training.fallback,
        fallback_kind=training.fallback_kind,
        source=training.model_used_source,
        defaults_file=relative(training.fallback_defaults),
    )


def relative(path: str | None) -> str | None:
    """A path inside the repository as recorded; an absolute one (a machine's) is cut to its name."""
    if not path:
        return None
    return Path(path).name if Path(path).is_absolute() else path


def model_facts(run: RunFolder, task: str) -> ModelFacts:
    folder = run.require(run.model(task))
    metrics = run.read_json(folder / "metrics.json", Metrics)
    training = run.read_json(folder / "training.json", TrainingInfo)
    emissions = read_emissions(run.require(folder / "emissions.csv"))
    predictions = test_predictions(run, task)
    return ModelFacts(
        task=task,
        folder=folder.relative_to(run.path).as_posix(),
        pipeline_tag=task_of(task).pipeline_tag,
        metrics=metrics,
        training=training,
        emissions=emissions,
        has_test_predictions=predictions.exists(),
        test_documents=len(read_predictions(predictions)) if predictions.exists() else None,
        training_minutes=training.wall_time_s / 60,
        base=base_facts(training),
        instruction=instruction_facts(run, folder) if task == "instruction" else None,
    )
