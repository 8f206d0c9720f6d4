"""The files of `models/ner/`, written into a staging folder and published at once.

    staging = staging_dir(run)                      # runs/<name>/models/.ner-staging.XXXX
    write_predictions(staging / "test_predictions.jsonl", ids, tokens, gold, pred)
    publish(run, staging)                           # replaces models/ner/ in one rename (atomic_dir)

The Trainer's checkpoints go to `checkpoints_dir(staging)`, beside it, and are removed on publishing.

A run that stops half-way leaves `models/ner/` as it was; its staging folder (a dot-folder) is removed by
the next run.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from annotate.runfolder import RunFolder

TASK = "ner"


def staging_dir(run: RunFolder, task: str = TASK) -> Path:
    run.models.mkdir(parents=True, exist_ok=True)
    for stale in run.models.glob(f".{task}-staging.*"):
        shutil.rmtree(stale, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f".{task}-staging.", dir=run.models))


def checkpoints_dir(staging: Path) -> Path:
    """Where the Trainer keeps its checkpoints: beside the staging folder, removed by `publish`."""
    return staging.with_name(staging.name + "-checkpoints")


def write_predictions(
    path: Path,
    ids: Sequence[str],
    tokens: Sequence[Sequence[str]],
    gold: Sequence[Sequence[str]],
    pred: Sequence[Sequence[str]],
) -> None:
    """One JSON line per document: id, tokens, gold and pred tag names (same length each)."""
    with path.open("w", encoding="utf-8") as out:
        for row in zip(ids, tokens, gold, pred, strict=True):
            if not len(row[1]) == len(row[2]) == len(row[3]):
                raise ValueError(f"document {row[0]}: tokens, gold and pred differ in length")
            line = {"id": row[0], "tokens": list(row[1]), "gold": list(row[2]), "pred": list(row[3])}
            out.write(json.dumps(line, ensure_ascii=False) + "\n")


def read_predictions(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def publish(run: RunFolder, staging: Path, task: str = TASK) -> Path:
    """Move everything in `staging` to `models/<task>/` atomically; returns the published folder."""
    target = run.model(task)
    with run.atomic_dir(target) as tmp:
        for item in staging.iterdir():
            item.rename(tmp / item.name)
    shutil.rmtree(staging, ignore_errors=True)
    shutil.rmtree(checkpoints_dir(staging), ignore_errors=True)
    return target
