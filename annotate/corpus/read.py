"""`load_corpus`: read any supported corpus into `Document`s, checking every annotation.

    corpus = load_corpus("../shared/data/pharmaconer", "brat", notes_db="SNOMED-CT")
    corpus = load_corpus("casos.jsonl", skip_invalid=True)     # format guessed from the suffix
    write_problems(corpus.problems, "runs/demo/import_problems.jsonl")

Formats: "brat" (folder of .txt/.ann), "bigbio" (bigbio_kb records: .json/.jsonl file, or a
`datasets` name), "jsonl", "csv" (also .tsv), "text" (one document per line), or "auto".
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

from annotate.corpus.model import Document
from annotate.corpus.problems import ImportProblem, ProblemLog
from annotate.corpus.validate import Located
from annotate.errors import CorpusNotFoundError, EmptyCorpusError, UnknownFormatError

FORMATS = ("brat", "bigbio", "jsonl", "csv", "text")


@dataclass(frozen=True)
class Corpus:
    """The imported documents (in source order) and the problems skipped on the way (empty unless
    `skip_invalid`)."""

    documents: tuple[Document, ...]
    problems: tuple[ImportProblem, ...]
    source: str
    format: str

    def __iter__(self) -> Iterator[Document]:
        return iter(self.documents)

    def __len__(self) -> int:
        return len(self.documents)


def load_corpus(
    path: str | Path,
    format: str = "auto",
    *,
    skip_invalid: bool = False,
    labels: Collection[str] | None = None,
    notes_db: str | None = None,
    dataset_config: str | None = None,
) -> Corpus:
    """Read the corpus at `path` (or the `datasets` name, for "bigbio") and check every annotation.

    Without `skip_invalid`, any problem raises one `InvalidCorpusError` listing all of them and
    nothing is returned. With it, invalid annotations are left out and listed in `Corpus.problems`
    (problems with whole files are never skipped). `labels`, when given, is the allowed label set.
    `notes_db` is the `db_name` of bare ids in brat notes (e.g. "SNOMED-CT").

    Raises `CorpusNotFoundError`, `UnknownFormatError`, `InvalidCorpusError` (with `.problems`) or
    `EmptyCorpusError`, all `annotate.errors.CorpusError`s.
    """
    source = str(path)
    format = detect_format(Path(path)) if format == "auto" else format
    if format not in FORMATS:
        raise UnknownFormatError(
            f"{source}: unknown corpus format {format!r} (use one of {', '.join(FORMATS)})"
        )
    if not Path(path).exists() and (format != "bigbio" or not _dataset_name(source)):
        raise CorpusNotFoundError(f"{source}: no such file or folder (check the corpus path)")
    log = ProblemLog()
    located = _read(Path(path), source, format, log, labels, notes_db, dataset_config)
    documents = _unique(located, log)
    log.raise_if_needed(source, skip_invalid)
    if not documents:
        raise EmptyCorpusError(f"{source}: no documents found (a {format} corpus; check the path and format)")
    return Corpus(tuple(documents), tuple(log.problems), source, format)


def detect_format(path: Path) -> str:
    """The format of `path` from its suffix (a folder is brat; a .jsonl with `passages` is bigbio)."""
    if path.is_dir():
        return "brat"
    suffix = path.suffix.lower()
    if suffix == ".json" or (suffix == ".jsonl" and _first_line_has(path, '"passages"')):
        return "bigbio"
    formats = {".jsonl": "jsonl", ".csv": "csv", ".tsv": "csv", ".txt": "text"}
    if suffix in formats:
        return formats[suffix]
    if not path.exists():
        raise CorpusNotFoundError(f"{path}: no such file or folder (check the corpus path)")
    raise UnknownFormatError(
        f"{path}: cannot guess the corpus format from {suffix!r} (pass one of {FORMATS})"
    )


def _read(
    path: Path, source: str, format: str, log: ProblemLog,
    labels: Collection[str] | None, notes_db: str | None, dataset_config: str | None,
) -> list[Located]:  # fmt: skip
    if format == "brat":
        from annotate.corpus.brat import read_brat

        if not path.is_dir():
            raise UnknownFormatError(f"{source}: a brat corpus is a folder of .txt/.ann files, not a file")
        return read_brat(path, log, labels, notes_db)
    if format == "bigbio":
        from annotate.corpus.bigbio import read_bigbio

        return read_bigbio(source, log, labels, dataset_config)
    from annotate.corpus.tabular import read_tabular

    return read_tabular(path, format, log, labels)


def _unique(located: list[Located], log: ProblemLog) -> list[Document]:
    """The documents, logging each id seen before (naming both places)."""
    first: dict[str, str] = {}
    for doc, file, line in located:
        if doc.id in first:
            reason = f"document id {doc.id} is already used by {first[doc.id]}"
            log.add(file, line, "duplicate_document", reason, "a new document id", doc.id)
        first.setdefault(doc.id, file if line is None else f"{file}:{line}")
    return [doc for doc, _, _ in located]


def _dataset_name(source: str) -> bool:
    """Whether `source` can be a Hugging Face dataset name ("bigbio/pharmaconer"), not a file path."""
    return not Path(source).is_absolute() and not source.startswith(".") and Path(source).suffix == ""


def _first_line_has(path: Path, needle: str) -> bool:
    with path.open(encoding="utf-8", errors="replace") as lines:
        return needle in next(lines, "")
