"""The run folder: missing inputs name the stage that makes them; writes are atomic."""

from __future__ import annotations

from pathlib import Path

import pytest

from runfolder import Metrics, RunFolder, RunFolderError, write_json


def test_missing_input_names_the_command_that_makes_it(tmp_path: Path) -> None:
    run = RunFolder(tmp_path / "runs" / "demo")
    with pytest.raises(
        RunFolderError, match=r"dataset/tokens is missing; it is made by `python -m annotate export"
    ):
        run.require(run.dataset_view("tokens"))
    with pytest.raises(RunFolderError, match=r"models/ner is missing; it is made by `make train RUN="):
        run.require(run.model("ner"))


def test_malformed_json_is_named(tmp_path: Path) -> None:
    run = RunFolder(tmp_path)
    (tmp_path / "models" / "ner").mkdir(parents=True)
    (tmp_path / "models" / "ner" / "metrics.json").write_text('{"task": "ner"}')
    with pytest.raises(RunFolderError, match=r"metrics.json is malformed .*test"):
        run.read_json(run.model("ner") / "metrics.json", Metrics)


def test_atomic_dir_keeps_the_old_output_when_the_stage_fails(tmp_path: Path) -> None:
    run = RunFolder(tmp_path)
    target = run.dataset_view("tokens")
    with run.atomic_dir(target) as tmp:
        (tmp / "a.txt").write_text("first")
    with pytest.raises(RuntimeError), run.atomic_dir(target) as tmp:
        (tmp / "a.txt").write_text("half")
        raise RuntimeError("stage failed")
    assert (target / "a.txt").read_text() == "first"
    assert sorted(p.name for p in target.parent.iterdir()) == ["tokens"]
    with run.atomic_dir(target) as tmp:
        (tmp / "b.txt").write_text("second")
    assert sorted(p.name for p in target.iterdir()) == ["b.txt"]


def test_write_json_round_trip(tmp_path: Path) -> None:
    write_json(tmp_path / "x" / "m.json", {"f1": 0.5, "label": "FÁRMACO"})
    assert RunFolder(tmp_path).read_json(tmp_path / "x" / "m.json") == {"f1": 0.5, "label": "FÁRMACO"}
    assert [p.name for p in (tmp_path / "x").iterdir()] == ["m.json"]
