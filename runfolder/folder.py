"""The run folder `runs/<name>/`: the only hand-over between stages (see DESIGN.md).

    run = RunFolder(Path("runs/demo"))
    tokens = run.require(run.dataset_view("tokens"))        # says which stage makes it when missing
    with run.atomic_dir(run.models / "ner") as tmp:          # written aside, renamed into place at the end
        ...
    write_json(run.agreement, data)                          # tmp file + rename
    with staged(run.path, "export") as out:                  # several files swapped in as one piece
        write_json(RunFolder(out).agreement, data)           # (see runfolder.stage)

Every stage reads only this folder (plus its options) and writes only its own files, atomically: a
stage that fails leaves the previous outputs as they were. Opening a folder (`RunFolder(path)`)
finishes or discards what a killed stage left in it (`runfolder.stage.recover`). The JSON files have
pydantic models here (`RunInfo`, `Metrics`, `TrainingInfo`) so that writers (annotate, notebooks) and
readers (cards, demo) agree on one shape. Standard library + pydantic only: the notebooks, cards and
the demo import it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from runfolder.errors import MalformedInputError, MissingInputError, RunFolderError
from runfolder.stage import recover

#: which command writes each part of the run folder (for "missing input" errors)
MADE_BY = {
    "run.json": "python -m annotate export --dataset NAME --run {run}",
    "import_problems.jsonl": "python -m annotate load ... --skip-invalid --run {run}",
    "annotations.parquet": "python -m annotate export --dataset NAME --run {run}",
    "agreement.json": "python -m annotate export --dataset NAME --run {run}",
    "review.jsonl": "python -m annotate export --dataset NAME --run {run}",
    "dataset/bigbio_kb": "python -m annotate export --dataset NAME --run {run}",
    "dataset/tokens": "python -m annotate export --dataset NAME --run {run}",
    "dataset/instruction": "python -m annotate remix --run {run}",
    "models/ner": "make train RUN={run} (notebooks/finetune_ner.ipynb)",
    "models/instruction": "make train-instruct RUN={run} (notebooks/finetune_instruct.ipynb)",
    "privacy.json": "python -m cards build --run {run}",
    "bias.json": "python -m cards build --run {run}",
    "cards": "python -m cards build --run {run}",
    "space": "python -m demo space --run {run}",
}


class RunFolder:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        try:
            self.recovered = recover(self.path)  # what a killed stage left: finished or discarded
        except OSError as exc:
            raise RunFolderError(
                f"{self.path} holds what a killed command left ({exc}); "
                "fix the folder's permissions and run the command again"
            ) from None

    run_json = property(lambda self: self.path / "run.json")
    import_problems = property(lambda self: self.path / "import_problems.jsonl")
    annotations = property(lambda self: self.path / "annotations.parquet")
    agreement = property(lambda self: self.path / "agreement.json")
    review = property(lambda self: self.path / "review.jsonl")
    privacy = property(lambda self: self.path / "privacy.json")
    bias = property(lambda self: self.path / "bias.json")
    space = property(lambda self: self.path / "space")
    models = property(lambda self: self.path / "models")
    cards = property(lambda self: self.path / "cards")

    def dataset_view(self, view: str) -> Path:
        """`dataset/<view>/`: a DatasetDict (save_to_disk): bigbio_kb | tokens | labels | instruction."""
        return self.path / "dataset" / view

    def model(self, task: str) -> Path:
        return self.models / task

    def model_tasks(self) -> list[str]:
        """Tasks with a finished model (a metrics.json), in name order."""
        return sorted(p.name for p in self.models.glob("*") if (p / "metrics.json").exists())

    def require(self, path: Path) -> Path:
        """`path` if it exists, else an error naming it and the command that makes it."""
        if path.exists():
            return path
        relative = path.relative_to(self.path).as_posix() if path.is_relative_to(self.path) else str(path)
        maker = next(
            (cmd for key, cmd in MADE_BY.items() if relative == key or relative.startswith(key + "/")), None
        )
        hint = f"; it is made by `{maker.format(run=self.path)}`" if maker else ""
        raise MissingInputError(f"{path} is missing{hint}")

    def read_json(self, path: Path, model: type[BaseModel] | None = None) -> Any:
        self.require(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return model.model_validate(data) if model else data
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:5])
            raise MalformedInputError(
                f"{path} is malformed ({problems}); re-run the stage that makes it"
            ) from None
        except ValueError as exc:
            raise MalformedInputError(
                f"{path} is not valid JSON ({exc}); re-run the stage that makes it"
            ) from None

    @contextlib.contextmanager
    def atomic_dir(self, target: Path) -> Iterator[Path]:
        """Yield a temporary folder beside `target`; on success it replaces `target`, on error it vanishes."""
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        try:
            yield tmp
            old = target.with_name(f".{target.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            if target.exists():
                target.rename(old)
            tmp.rename(target)
            shutil.rmtree(old, ignore_errors=True)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def write_json(path: Path, data: Any) -> None:
    """Write JSON atomically (tmp file in the same folder, then rename)."""
    if isinstance(data, BaseModel):
        data = data.model_dump(mode="json")
    write_text(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
