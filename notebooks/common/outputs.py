"""The files of `models/<task>/`, written into a staging folder and published at once.

    staging = staging_dir(run, "ner")               # runs/<name>/models/.ner-staging.XXXX
    write_jsonl(staging / "test_predictions.jsonl", rows)
    publish(run, staging, "ner")                    # replaces models/ner/ in one rename (atomic_dir)

The Trainer's checkpoints go to `checkpoints_dir(staging)`, beside it, and are removed on publishing.

A run that stops half-way leaves `models/<task>/` as it was; its staging folder (a dot-folder) is removed by
the next run of the same task.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from runfolder import RunFolder


def staging_dir(run: RunFolder, task: str) -> Path:
    run.models.mkdir(parents=True, exist_ok=True)
    for stale in run.models.glob(f".{task}-staging.*"):
        shutil.rmtree(stale, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f".{task}-staging.", dir=run.models))


def checkpoints_dir(staging: Path) -> Path:
    """Where the Trainer keeps its checkpoints: beside the staging folder, removed by `publish`."""
    return staging.with_name(staging.name + "-checkpoints")


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    """One JSON object per line, UTF-8, non-ASCII kept (the file goes into a staging folder)."""
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def publish(run: RunFolder, staging: Path, task: str) -> Path:
    """Move everything in `staging` to `models/<task>/` atomically; returns the published folder."""
    target = run.model(task)
    with run.atomic_dir(target) as tmp:
        for item in staging.iterdir():
            item.rename(tmp / item.name)
    shutil.rmtree(staging, ignore_errors=True)
    shutil.rmtree(checkpoints_dir(staging), ignore_errors=True)
    return target
