"""A stage's outputs swap in as one piece: kill -9 at every step leaves the previous or the new state whole.

The fast tests drive `runfolder.stage.staged` in a child Python that stops at a named step
(ANNOTATE_PAUSE_AT) and is killed there; the slow ones do the same to `python -m annotate export`
against a real server, and stop the server in the middle of an export.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from runfolder import RunFolder
from runfolder.errors import RunFolderBusyError
from runfolder.stage import staged

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "annotate" / "sample" / "brat"

OLD = {"run.json": "old run", "agreement.json": "old agreement", "dataset/tokens/data.arrow": "old tokens"}
NEW = {
    "run.json": "new run",
    "agreement.json": "new agreement",
    "review.jsonl": "new review",
    "dataset/tokens/data.arrow": "new tokens",
    "dataset/bigbio_kb/data.arrow": "new kb",
}
OTHERS = {"dataset/instruction/data.arrow": "remix's view", "models/ner/metrics.json": "training's model"}

WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from runfolder.stage import pause, staged

    files = {NEW!r}
    with staged(Path(sys.argv[1]), "export") as out:
        for i, (name, text) in enumerate(files.items()):
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            (out / name).write_text(text)
            pause(f"export:wrote-{{i}}")
    """
).format(NEW=NEW)

STEPS = [
    ("export:wrote-0", OLD),
    ("export:wrote-4", OLD),
    ("export:journal", NEW),
    ("export:agreement.json:old", NEW),
    ("export:dataset/tokens:old", NEW),
    ("export:dataset/tokens:new", NEW),
    ("export:run.json:new", NEW),
]


def write_files(run: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (run / name).parent.mkdir(parents=True, exist_ok=True)
        (run / name).write_text(text)


def files_of(run: Path) -> dict[str, str]:
    return {p.relative_to(run).as_posix(): p.read_text() for p in sorted(run.rglob("*")) if p.is_file()}


def hidden(run: Path) -> list[str]:
    return [p.relative_to(run).as_posix() for p in run.rglob(".*")]


def start_paused(command: list[str], step: str, env: dict | None = None) -> subprocess.Popen:
    """Start `command` with ANNOTATE_PAUSE_AT=step and return once it says it is paused there."""
    environ = {**os.environ, "ANNOTATE_PAUSE_AT": step, "PYTHONPATH": str(ROOT), **(env or {})}
    child = subprocess.Popen(command, cwd=ROOT, env=environ, stderr=subprocess.PIPE, text=True)
    seen = []
    for line in child.stderr:
        seen.append(line)
        if line.strip() == f"paused at {step}":
            return child
    child.wait()
    raise AssertionError(f"never paused at {step}: exit {child.returncode}\n{''.join(seen)}")


def kill(child: subprocess.Popen) -> None:
    child.send_signal(signal.SIGKILL)
    child.wait()
    child.stderr.close()


@pytest.mark.parametrize(("step", "expected"), STEPS, ids=[s for s, _ in STEPS])
def test_a_kill_at_any_step_leaves_the_old_or_the_new_state(tmp_path: Path, step: str, expected) -> None:
    run = tmp_path / "run"
    write_files(run, OLD | OTHERS)
    kill(start_paused([sys.executable, "-c", WRITER, str(run)], step))
    assert any(p.name.startswith(".stage-export") for p in run.iterdir()), "the kill left the staging"
    assert RunFolder(run).recovered == ["export"]
    assert files_of(run) == expected | OTHERS
    assert hidden(run) == []


def test_leftover_temp_files_of_the_entries_are_removed(tmp_path: Path) -> None:
    run = tmp_path / "run"
    write_files(run, OLD | {".agreement.json.x1y2": "half", "dataset/.tokens.abc/data.arrow": "half"})
    with staged(run, "export") as out:
        write_files(out, NEW)
    assert files_of(run) == NEW and hidden(run) == []


def test_a_failed_stage_keeps_the_old_state(tmp_path: Path) -> None:
    run = tmp_path / "run"
    write_files(run, OLD)
    with pytest.raises(RuntimeError, match="disk full"), staged(run, "export") as out:
        write_files(out, {"run.json": "new"})
        raise RuntimeError("disk full")
    assert files_of(run) == OLD and hidden(run) == []


def test_a_live_writer_is_left_alone_and_a_second_one_refused(tmp_path: Path) -> None:
    run = tmp_path / "run"
    write_files(run, OLD)
    child = start_paused([sys.executable, "-c", WRITER, str(run)], "export:wrote-2")
    try:
        assert RunFolder(run).recovered == []  # the writer holds the lock: its staging stays
        assert (run / ".stage-export").is_dir()
        busy = pytest.raises(RunFolderBusyError, match="being written by another command")
        with busy, staged(run, "export"):
            pass
    finally:
        kill(child)
    assert RunFolder(run).recovered == ["export"] and files_of(run) == OLD


# -- the real export -------------------------------------------------------------------------------


def rows_digest(path: Path) -> str:
    from datasets import load_from_disk

    data = load_from_disk(str(path))
    rows = {split: data[split].to_list() for split in sorted(data)}
    return hashlib.sha256(json.dumps(rows, sort_keys=True, default=str).encode()).hexdigest()


def export_state(run: Path) -> dict:
    """What must change together: every file `export` writes."""
    import pandas as pd

    frame = pd.read_parquet(run / "annotations.parquet")
    return {
        "annotations": (len(frame), sorted(set(frame["annotator"]))),
        "agreement": json.loads((run / "agreement.json").read_text()),
        "review": (run / "review.jsonl").read_text(),
        "run.json": json.loads((run / "run.json").read_text())["export"],
        "tokens": rows_digest(run / "dataset" / "tokens"),
        "bigbio_kb": rows_digest(run / "dataset" / "bigbio_kb"),
    }


@pytest.fixture(scope="module")
def two_states(sqlite_argilla, tmp_path_factory):
    """Run folder A (2 simulated annotators) and reference export B (a 3rd one added since)."""
    from annotate.argilla.client import dataset as find
    from annotate.argilla.export import export
    from annotate.argilla.load import LoadOptions, load
    from annotate.argilla.simulate import simulate

    os.environ["ARGILLA_API_URL"], os.environ["ARGILLA_API_KEY"] = sqlite_argilla.url, sqlite_argilla.api_key
    from annotate.argilla.client import connect

    client, tmp = connect(), tmp_path_factory.mktemp("atomic")
    load(LoadOptions(corpus=SAMPLE, dataset="atomica", run=tmp / "load", suggestions="gold"), client)
    simulate(client, find(client, "atomica", None), 2, 0.4, 11)
    export(client, find(client, "atomica", None), RunFolder(tmp / "A"))
    simulate(client, find(client, "atomica", None), 3, 0.4, 11)
    export(client, find(client, "atomica", None), RunFolder(tmp / "B"))
    a, b = export_state(tmp / "A"), export_state(tmp / "B")
    assert all(a[key] != b[key] for key in a), "every file must differ between A and B"
    return sqlite_argilla, tmp / "A", a, b


def cli_export(server, run: Path) -> list[str]:
    return [sys.executable, "-m", "annotate", "export", "--dataset", "atomica", "--run", str(run)]


EXPORT_STEPS = [
    ("export:views", "A"),
    ("export:journal", "B"),
    ("export:dataset/tokens:old", "B"),
    ("export:annotations.parquet:new", "B"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("step", "expected"), EXPORT_STEPS, ids=[s for s, _ in EXPORT_STEPS])
def test_export_killed_at_any_step(two_states, tmp_path: Path, step: str, expected: str) -> None:
    server, folder_a, state_a, state_b = two_states
    run = tmp_path / "run"
    shutil.copytree(folder_a, run)
    env = {"ARGILLA_API_URL": server.url, "ARGILLA_API_KEY": server.api_key}
    kill(start_paused(cli_export(server, run), step, env))
    assert any(p.name.startswith(".stage-") for p in run.iterdir())
    assert RunFolder(run).recovered == ["export"]
    assert export_state(run) == {"A": state_a, "B": state_b}[expected]
    assert hidden(run) == []
    done = subprocess.run(cli_export(server, run), cwd=ROOT, env={**os.environ, **env}, capture_output=True)
    assert done.returncode == 0, done.stderr
    assert export_state(run) == state_b and hidden(run) == []


@pytest.mark.slow
def test_server_dying_mid_export_is_one_line(tmp_path: Path, monkeypatch) -> None:
    from conftest import running_argilla

    from annotate.argilla.client import connect
    from annotate.argilla.client import dataset as find
    from annotate.argilla.load import LoadOptions, load
    from annotate.argilla.simulate import simulate

    with running_argilla(tmp_path / "home", "sqlite") as server:
        env = {"ARGILLA_API_URL": server.url, "ARGILLA_API_KEY": server.api_key}
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        client = connect()
        load(LoadOptions(corpus=SAMPLE, dataset="atomica", run=tmp_path / "load"), client)
        simulate(client, find(client, "atomica", None), 2, 0.2, 3)
        go = tmp_path / "go"
        child = start_paused(
            cli_export(server, tmp_path / "run"), "export:connected", {**env, "ANNOTATE_PAUSE_UNTIL": str(go)}
        )
        server.argilla.stop()
        go.touch()
        stderr = child.stderr.read()
        assert child.wait(timeout=120) == 1
    assert "Traceback" not in stderr
    assert stderr.strip() == (
        f"error: lost Argilla at {server.url} while reading dataset 'atomica' (ConnectError); nothing was "
        "written: start it again (`python -m annotate serve`) and re-run the command"
    )
    assert not (tmp_path / "run").exists()
