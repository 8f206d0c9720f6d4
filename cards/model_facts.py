"""Model facts: `models/<task>/` metrics.json, training.json, emissions.csv, test_predictions.jsonl."""

from __future__ import annotations

import json
from pathlib import Path

from annotate.runfolder import Metrics, RunFolder, RunFolderError, TrainingInfo
from cards.emissions import read_emissions
from cards.facts import ModelFacts
from cards.metadata import task_of


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
    )
