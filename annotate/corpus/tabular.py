"""Reading JSONL, CSV/TSV and plain-text corpora: one document per record (line or row).

    {"id": "c1", "text": "Se pautó insulina.", "spans": [{"start": 9, "end": 17, "label": "PROTEINAS"}]}
    {"text": "Dolor torácico atípico.", "label": "cardiologia", "split": "train", "hospital": "HUC"}

    id,text,labels,spans                                          (CSV: labels "a|b" or a JSON list;
    c1,Se pautó insulina.,,"[{""start"": 9, ""end"": 17, ...}]"     spans as JSON)

Only `text` is required. `spans` items need `start`, `end`, `label` (a `text`, if given, is checked
against the text; an `id`, if given, is kept); `label`/`labels` are document labels; `id` defaults to
`<file stem>-<record number>`; `split` defaults to the file stem when the path is a folder of files
(`train.jsonl`, `dev.jsonl`), else None; any other column goes to `metadata`. A plain-text file has
one document per non-empty line. Problems name the file and line (CSV: the line where the row starts).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any, TypeGuard

from annotate.corpus.problems import ProblemLog
from annotate.corpus.textfile import read_utf8, relative_name
from annotate.corpus.validate import DocumentDraft, EntityDraft, Located, build_document

SUFFIXES = {"jsonl": (".jsonl",), "csv": (".csv", ".tsv"), "text": (".txt",)}
_RESERVED = {"id", "text", "split", "spans", "label", "labels"}


def read_tabular(
    path: Path, format: str, log: ProblemLog, labels: Collection[str] | None = None
) -> list[Located]:
    """Every record of the file at `path`, or of each matching file in the folder `path`."""
    files = (
        sorted(p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES[format])
        if path.is_dir()
        else [path]
    )
    documents: list[Located] = []
    for file in files:
        name = relative_name(file, path)
        text = read_utf8(file, name, log, bom=True)
        if text is None:
            continue
        if not text.strip():
            log.add(name, None, "empty_file", "the file is empty", "records", "")
            continue
        split = file.stem if path.is_dir() else None
        for number, record in _records(text, format, name, log):
            draft = _draft(record, number, name, file.stem, split, log, labels)
            if draft is not None:
                documents.append((build_document(draft, log, labels), name, number))
    return documents


def _records(text: str, format: str, name: str, log: ProblemLog) -> Iterator[tuple[int, dict[str, Any]]]:
    if format == "csv":
        yield from _csv_rows(text, "\t" if name.lower().endswith(".tsv") else ",", name, log)
        return
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        if format == "text":
            yield number, {"text": line}
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            log.add(
                name,
                number,
                "bad_record",
                f"not JSON ({error.msg} at column {error.colno})",
                "a JSON object",
                line,
            )
            continue
        if not isinstance(record, dict):
            log.add(name, number, "bad_record", "not a JSON object", "a JSON object", line)
            continue
        yield number, record


def _csv_rows(text: str, delimiter: str, name: str, log: ProblemLog) -> Iterator[tuple[int, dict[str, Any]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    if "text" not in (reader.fieldnames or []):
        log.add(name, 1, "bad_record", f"no text column (columns: {reader.fieldnames})", "a text column", "")
        return
    start = reader.line_num + 1
    for row in reader:
        yield start, {key: value for key, value in row.items() if key is not None and value not in (None, "")}
        start = reader.line_num + 1


def _draft(
    record: dict[str, Any], number: int, name: str, stem: str, split: str | None,
    log: ProblemLog, allowed: Collection[str] | None,
) -> DocumentDraft | None:  # fmt: skip
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        log.add(name, number, "bad_record", "the record has no text", "a non-empty text", repr(text))
        return None
    doc_id = str(record["id"]) if record.get("id") not in (None, "") else f"{stem}-{number}"
    metadata = {key: value for key, value in record.items() if key not in _RESERVED}
    split = str(record["split"]) if record.get("split") not in (None, "") else split
    draft = DocumentDraft(doc_id, text, name, split, metadata=metadata)
    draft.labels = _labels(record, number, name, log, allowed)
    spans = _decoded(record.get("spans", []))
    if not isinstance(spans, list):
        log.add(name, number, "malformed_line", "spans is not a list", "a list of spans", repr(spans))
        spans = []
    for index, span in enumerate(spans, start=1):
        entity = _entity(span, index, number, doc_id)
        if entity is None:
            reason = f"span {index} {span!r} needs integer start and end and a label"
            log.add(
                name, number, "malformed_line", reason, '{"start": int, "end": int, "label": str}', repr(span)
            )
        else:
            draft.entities.append(entity)
    return draft


def _entity(span: Any, index: int, number: int, doc_id: str) -> EntityDraft | None:
    if not isinstance(span, dict):
        return None
    start, end, label = span.get("start"), span.get("end"), span.get("label")
    if not (_is_int(start) and _is_int(end) and isinstance(label, str) and label):
        return None
    surface = span.get("text") if isinstance(span.get("text"), str) else None
    source = f"span {index} {label} {start} {end}"
    return EntityDraft(
        f"{doc_id}_{span.get('id') or f'T{index}'}", label, ((start, end),), surface, number, source
    )


def _labels(
    record: dict[str, Any], number: int, name: str, log: ProblemLog, allowed: Collection[str] | None
) -> tuple[str, ...]:
    raw = _decoded(record.get("labels", record.get("label")))
    if isinstance(raw, str):  # "a|b" in a CSV labels cell; a single label as is
        values = raw.split("|") if "label" not in record else [raw]
    else:
        values = raw if isinstance(raw, list) else [] if raw is None else [raw]
    values = [str(value).strip() for value in values if str(value).strip()]
    labels = []
    for value in values:
        if allowed is not None and value not in allowed:
            allowed_labels = ", ".join(sorted(allowed))
            reason = f"label {value} is not one of {allowed_labels}"
            log.add(name, number, "unknown_label", reason, allowed_labels, value)
        else:
            labels.append(value)
    return tuple(dict.fromkeys(labels))


def _decoded(value: Any) -> Any:
    """A JSON list given as a string (CSV cells) decoded; anything else as is."""
    if isinstance(value, str) and value.lstrip().startswith("["):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)
