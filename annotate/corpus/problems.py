"""Import problems: one record per rejected annotation or unreadable file, and `import_problems.jsonl`.

Readers never stop at the first problem: they add each one to a `ProblemLog`, keep going, and
`ProblemLog.raise_if_needed` then raises one `InvalidCorpusError` that lists all of them, e.g.

    train/S0004-1.ann:7: T3 PROTEINAS 120 131 says "insulina" but the text there is "insulin" (fix
    the offsets or pass --skip-invalid to continue and list it in import_problems.jsonl)

Problems about one annotation can be skipped (`skip_invalid=True`); problems about a whole file
(missing `.txt`, not UTF-8, empty, duplicate document id, unreadable record) never can.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from annotate.errors import InvalidCorpusError

_SKIP = "pass --skip-invalid to continue and list it in import_problems.jsonl"
ADVICE = {  # kind -> what to do; the kinds whose advice does not mention --skip-invalid are fatal
    "text_mismatch": f"fix the offsets or {_SKIP}",
    "crlf_offsets": (
        "convert the text to LF line endings (e.g. `dos2unix FILE.txt`) and load again; "
        "--skip-invalid would drop every entity after the first line break"
    ),
    "offsets_past_end": f"fix the offsets or {_SKIP}",
    "bad_offsets": f"fix the offsets (0 <= start < end) or {_SKIP}",
    "malformed_line": f"fix the line or {_SKIP}",
    "unknown_label": f"fix the label, add it to the allowed labels, or {_SKIP}",
    "dangling_reference": f"fix the id or {_SKIP}",
    "duplicate_id": f"give it an id of its own or {_SKIP}",
    "missing_text": "add the .txt next to it or remove the .ann; --skip-invalid does not skip files",
    "not_utf8": "re-save it as UTF-8, e.g. `iconv -f latin1 -t utf-8`; --skip-invalid does not skip files",
    "empty_file": "add the text or remove the file; --skip-invalid does not skip files",
    "duplicate_document": "give each document an id of its own; --skip-invalid does not skip documents",
    "bad_record": "fix the record; --skip-invalid skips annotations, not documents",
}
FATAL_KINDS = frozenset(kind for kind, advice in ADVICE.items() if _SKIP not in advice)


@dataclass(frozen=True)
class ImportProblem:
    """One problem: where (`file` relative to the corpus, 1-based `line` or None: the whole file),
    what the source says (`expected`), what is really there (`found`), `reason` (a sentence) and
    `kind` (a key of `ADVICE`; `str(problem)` adds what to do)."""

    file: str
    line: int | None
    expected: str
    found: str
    reason: str
    kind: str

    def __post_init__(self) -> None:
        if self.kind not in ADVICE:
            raise ValueError(f"ImportProblem kind {self.kind!r} is not one of {sorted(ADVICE)}")

    @property
    def fatal(self) -> bool:
        return self.kind in FATAL_KINDS

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.reason} ({ADVICE[self.kind]})"


class ProblemLog:
    """Collects `ImportProblem`s while a corpus is read."""

    def __init__(self) -> None:
        self.problems: list[ImportProblem] = []

    def add(
        self, file: str, line: int | None, kind: str, reason: str, expected: str = "", found: str = ""
    ) -> int:
        """Log a problem; returns its index in `problems` (to amend its reason later)."""
        self.problems.append(ImportProblem(file, line, expected, found, reason, kind))
        return len(self.problems) - 1

    def raise_if_needed(self, source: str, skip_invalid: bool) -> None:
        """Raise one `InvalidCorpusError` listing every problem, unless all are skippable and skipped."""
        fatal = [p for p in self.problems if p.fatal]
        if not fatal and (skip_invalid or not self.problems):
            return
        count = f"{len(self.problems)} problem{'s' * (len(self.problems) != 1)}"
        head = f"{count} in {source}, nothing was imported"
        if fatal and skip_invalid:
            head += f" ({len(fatal)} cannot be skipped)"
        message = "\n".join([head + ":", *map(str, self.problems)])
        raise InvalidCorpusError(message, list(self.problems))


def write_problems(problems: Sequence[ImportProblem], path: str | Path) -> Path:
    """Write `problems` as JSON lines to `path` (e.g. `runs/<name>/import_problems.jsonl`), atomically:
    a temporary file in the same folder, then a rename. An empty list writes an empty file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            for problem in problems:
                out.write(json.dumps(asdict(problem), ensure_ascii=False) + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_problems(path: str | Path) -> list[ImportProblem]:
    """Read back what `write_problems` wrote."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [ImportProblem(**json.loads(line)) for line in lines if line.strip()]
