"""Reading corpus files as UTF-8 exactly as stored (no newline translation: offsets count `\\r`)."""

from __future__ import annotations

from pathlib import Path

from annotate.corpus.problems import ProblemLog


def read_utf8(path: Path, name: str, log: ProblemLog, *, bom: bool = False) -> str | None:
    """The text of `path`, or None after logging a `not_utf8` problem (with line and byte offset).

    `name` is how problems call the file. With `bom=True` a leading byte-order mark is dropped
    (CSV/JSONL from spreadsheets); brat texts keep it, since their offsets count it.
    """
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig" if bom else "utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        bad = data[error.start : error.start + 1].hex()
        found = f"byte 0x{bad} at byte offset {error.start}"
        log.add(name, line, "not_utf8", f"not UTF-8: {found}", expected="UTF-8", found=found)
        return None


def relative_name(path: Path, root: Path) -> str:
    """`path` as problems and metadata name it: relative to the corpus folder, with `/`."""
    if root.is_file():
        return path.name
    return path.relative_to(root).as_posix()
