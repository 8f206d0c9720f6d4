"""Run a notebook of `notebooks/` headless with papermill, as `make train` does, into the run folder."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def execute_notebook(name: str, run_dir: Path, **parameters) -> Path:
    """`notebooks/<name>` executed with `run_dir` and `parameters`; the executed copy goes to
    `<run_dir>/notebooks/<name>` (papermill raises PapermillExecutionError when a cell fails)."""
    import papermill

    output = run_dir / "notebooks" / name
    output.parent.mkdir(parents=True, exist_ok=True)
    papermill.execute_notebook(
        str(ROOT / "notebooks" / name),
        str(output),
        parameters={"run_dir": str(run_dir), **parameters},
        cwd=str(ROOT),
        kernel_name="python3",
        progress_bar=False,
    )
    return output
