"""A stage's outputs replaced in the run folder as one piece: written aside, then swapped in under a journal.

    with staged(run.path, "export") as out:   # out = <run>/.stage-export/, empty, same layout as <run>
        (out / "agreement.json").write_text(...)
        save_to_disk(out / "dataset" / "tokens")
    # every entry of `out` has now replaced its counterpart in <run>

The protocol, so that a kill -9 at any moment leaves the whole previous state or (once `recover` ran) the
whole new one:
1. an exclusive flock on the run folder (the kernel drops it when the writer dies);
2. everything is written into `.stage-<name>/`; without a journal it is an unfinished write;
3. the journal `.stage-<name>/JOURNAL.json` lists the entries (top-level files and folders; the children of
   the shared folders `dataset/` and `models/`): written to a temp name, fsync'ed, renamed. From here on
   the new state is decided;
4. per entry: the current one moves into `.stage-<name>.old/`, the staged one moves in;
5. the journal goes, then `.stage-<name>.old/` and `.stage-<name>/`.
`recover` (run by `RunFolder(...)`, so by every command that opens the folder) does 4-5 again when a journal
is there and deletes an unfinished staging folder otherwise; it leaves alone a stage whose writer holds the
lock. Standard library only (notebooks, cards and the demo import the run folder).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from runfolder.errors import RunFolderBusyError

PREFIX = ".stage-"
JOURNAL = "JOURNAL.json"
SHARED = ("dataset", "models")  # folders several stages write into: their children are the entries


def pause(step: str) -> None:
    """Test hook: at ANNOTATE_PAUSE_AT=step, say so on stderr and wait until ANNOTATE_PAUSE_UNTIL exists."""
    if os.environ.get("ANNOTATE_PAUSE_AT") != step:
        return
    print(f"paused at {step}", file=sys.stderr, flush=True)
    until, deadline = os.environ.get("ANNOTATE_PAUSE_UNTIL"), time.monotonic() + 600
    while time.monotonic() < deadline and not (until and os.path.exists(until)):
        time.sleep(0.05)


@contextlib.contextmanager
def locked(run: Path, wait: bool = True) -> Iterator[bool]:
    """Hold the run folder's stage lock; with wait=False, yield False at once when another process has it."""
    fd = os.open(run, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)  # closing releases the lock


@contextlib.contextmanager
def staged(run: Path, name: str) -> Iterator[Path]:
    """An empty staging folder inside `run`; on success its entries replace the run folder's (see above)."""
    run.mkdir(parents=True, exist_ok=True)
    with locked(run, wait=False) as mine:
        if not mine:
            raise RunFolderBusyError(
                f"{run} is being written by another command right now; "
                "wait for it to finish and run this again"
            )
        _recover_locked(run)
        staging = run / f"{PREFIX}{name}"
        staging.mkdir()
        try:
            yield staging
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        _write_journal(staging, _entries(staging))
        pause(f"{name}:journal")
        _finish(run, staging)


def recover(run: Path) -> list[str]:
    """Finish (journal present) or delete (no journal) the stages a killed command left; their names."""
    if not any(run.glob(f"{PREFIX}*")):
        return []
    with locked(run, wait=False) as mine:
        return _recover_locked(run) if mine else []


def _recover_locked(run: Path) -> list[str]:
    found = []
    for staging in sorted(p for p in run.glob(f"{PREFIX}*") if not p.name.endswith(".old")):
        found.append(staging.name.removeprefix(PREFIX))
        _finish(run, staging)
    for old in run.glob(f"{PREFIX}*.old"):  # a commit killed after its journal went
        shutil.rmtree(old)
    return found


def _entries(staging: Path) -> list[str]:
    entries = []
    for item in sorted(staging.iterdir()):
        if item.name.startswith("."):
            continue
        if item.name in SHARED and item.is_dir():
            entries += [f"{item.name}/{c.name}" for c in sorted(item.iterdir()) if not c.name.startswith(".")]
        else:
            entries.append(item.name)
    return entries


def _write_journal(staging: Path, entries: list[str]) -> None:
    tmp = staging / f".{JOURNAL}.tmp"
    with open(tmp, "w", encoding="utf-8") as out:
        json.dump({"entries": entries}, out)
        out.flush()
        os.fsync(out.fileno())
    tmp.rename(staging / JOURNAL)
    fsync_dir(staging)


def _finish(run: Path, staging: Path) -> None:
    """Steps 4-5: move the staged entries in when the journal says so, then delete the leftovers."""
    journal = staging / JOURNAL
    old_root = staging.with_name(staging.name + ".old")
    if journal.exists():
        name = staging.name.removeprefix(PREFIX)
        for entry in json.loads(journal.read_text(encoding="utf-8"))["entries"]:
            _swap(run, staging, old_root, entry, name)
        fsync_dir(run)
        journal.unlink()
    shutil.rmtree(old_root, ignore_errors=True)
    shutil.rmtree(staging, ignore_errors=True)


def _swap(run: Path, staging: Path, old_root: Path, entry: str, name: str) -> None:
    new, target, old = staging / entry, run / entry, old_root / entry
    if not new.exists() and not new.is_symlink():
        return  # moved in before the kill
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_temp_siblings(target)
    if target.exists() or target.is_symlink():
        old.parent.mkdir(parents=True, exist_ok=True)
        _remove(old)
        target.rename(old)
        pause(f"{name}:{entry}:old")
    new.rename(target)
    pause(f"{name}:{entry}:new")


def _remove_temp_siblings(target: Path) -> None:
    """Temporary names a writer of `target` leaves when killed (`.<name>.<random>`, `.<name>.tmp`)."""
    for leftover in target.parent.glob(f".{target.name}.*"):
        _remove(leftover)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def fsync_dir(path: Path) -> None:
    """Make a rename or a new file in `path` durable (the folder entry, not only the data)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
