"""Reading a brat standoff corpus: a folder of `NAME.txt` + `NAME.ann` pairs, searched recursively.

    pharmaconer/                    load_corpus("pharmaconer", "brat")
      train/S0004-1.txt             -> Document(id="S0004-1", split="train", ...)
      train/S0004-1.ann                T1	PROTEINAS 120 128	insulina
      dev/batch2/S0007-1.txt        -> split "dev", metadata {"folder": "batch2", ...}
      notas.txt                     -> split None (a file right at the root), no annotations

The first folder level under the root names the split (any name); deeper folders go to
`metadata["folder"]`. A `.txt` without `.ann` is a document without annotations; an `.ann` without
`.txt` is a problem. Files and folders whose name starts with "." are ignored. Texts are read as UTF-8
exactly as stored (offsets count every character, `\\r` included). AnnotatorNotes become
`normalized` ids when they look like ids (see `annotate.corpus.notes`), and stay as notes.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from annotate.corpus.model import DbRef, Normalization, Note
from annotate.corpus.notes import note_ids
from annotate.corpus.problems import ProblemLog
from annotate.corpus.standoff import parse_line
from annotate.corpus.textfile import read_utf8
from annotate.corpus.validate import DocumentDraft, EntityDraft, Located, build_document
from annotate.errors import StandoffLineError


def read_brat(
    root: Path, log: ProblemLog, labels: Collection[str] | None = None, notes_db: str | None = None
) -> list[Located]:
    """Every document under `root` with the name of its file; problems go to `log`.

    Bare ids in notes get `notes_db` as `db_name` (default: the note type, "AnnotatorNotes").
    """
    documents: list[Located] = []
    for base, suffixes in sorted(_pairs(root).items()):
        name = base.as_posix()
        if ".txt" not in suffixes:
            log.add(f"{name}.ann", None, "missing_text", f"no {base.name}.txt for this .ann", f"{name}.txt")
            continue
        text = read_utf8(root / f"{name}.txt", f"{name}.txt", log)
        if text is not None and not text.strip():
            log.add(f"{name}.txt", None, "empty_file", "the text is empty", "a text", repr(text))
            continue
        ann = read_utf8(root / f"{name}.ann", f"{name}.ann", log) if ".ann" in suffixes else ""
        if text is None or ann is None:
            continue
        draft = _draft(base, text, ann, log, notes_db)
        documents.append((build_document(draft, log, labels), f"{name}.txt", None))
    return documents


def _pairs(root: Path) -> dict[Path, set[str]]:
    """Path without suffix (relative to `root`) -> the suffixes found, ".txt" and/or ".ann"."""
    found: dict[Path, set[str]] = {}
    for path in root.rglob("*"):
        relative = path.relative_to(root)
        hidden = any(part.startswith(".") for part in relative.parts)
        if path.suffix in (".txt", ".ann") and not hidden and path.is_file():
            found.setdefault(relative.with_suffix(""), set()).add(path.suffix)
    return found


def _draft(base: Path, text: str, ann: str, log: ProblemLog, notes_db: str | None) -> DocumentDraft:
    parts = base.parts
    split = parts[0] if len(parts) > 1 else None
    metadata = {"file": f"{base.as_posix()}.txt", "folder": "/".join(parts[1:-1])}
    draft = DocumentDraft(base.name, text, f"{base.as_posix()}.ann", split, metadata=metadata)
    for number, line in enumerate(ann.split("\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        try:
            parsed = parse_line(line, number, draft.id)
        except StandoffLineError as error:
            reason = f'cannot read "{line}" as brat standoff (expected {error.expected})'
            log.add(draft.file, number, "malformed_line", reason, error.expected, line)
            continue
        if isinstance(parsed, EntityDraft):
            draft.entities.append(parsed)
        else:
            draft.others.append(parsed)
    _attach_normalizations(draft, notes_db)
    return draft


def _attach_normalizations(draft: DocumentDraft, notes_db: str | None) -> None:
    """Copy the ids of `N` lines and of id-like notes into the `normalized` of their entity."""
    by_id: dict[str, list[DbRef]] = {}
    for sourced in draft.others:
        item = sourced.item
        if isinstance(item, Normalization):
            by_id.setdefault(item.ref_id, []).append(DbRef(item.db_name, item.db_id))
        elif isinstance(item, Note):
            by_id.setdefault(item.ref_id, []).extend(note_ids(item.text, notes_db or item.type))
    for entity in draft.entities:
        entity.normalized.extend(by_id.get(entity.id, ()))
