"""Reading BigBio `bigbio_kb` records.

    {"id": "0", "document_id": "S0004-1",
     "passages": [{"id": "S0004-1_text", "type": "text", "text": ["Se pautó insulina."],
                   "offsets": [[0, 18]]}],
     "entities": [{"id": "S0004-1_T1", "type": "PROTEINAS", "text": ["insulina"], "offsets": [[9, 17]],
                   "normalized": [{"db_name": "SNOMED-CT", "db_id": "67866001"}]}],
     "events": [], "coreferences": [], "relations": []}

`annotate.corpus.bigbio_record.to_bigbio_kb` writes a `Document` back as such a record.

Sources: a .jsonl file (one record a line), a .json file (a list of records, or {split: [records]}),
a folder of those (split = file stem), a `save_to_disk` folder, or a Hugging Face dataset name
(`datasets.load_dataset(name, config)`). The text is rebuilt from the passages at their offsets
(gaps filled with spaces). Ids not yet prefixed with the document id get the prefix. Event triggers
become entities `<event id>_trigger` labelled with the event type; passages go to `metadata`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterator
from pathlib import Path
from typing import Any

from annotate.corpus.model import Argument, Coreference, DbRef, Event, Relation
from annotate.corpus.problems import ProblemLog
from annotate.corpus.textfile import read_utf8, relative_name
from annotate.corpus.validate import DocumentDraft, EntityDraft, Located, Sourced, build_document
from annotate.errors import CorpusNotFoundError

Records = Iterator[tuple[str, int, str | None, dict[str, Any]]]  # file, record number, split, record


def read_bigbio(
    source: str, log: ProblemLog, labels: Collection[str] | None = None, config: str | None = None
) -> list[Located]:
    """Every record of `source` (a path or a `datasets` name) as a document; problems go to `log`."""
    documents: list[Located] = []
    for name, number, split, record in _records(source, config, log):
        draft = _draft(record, name, number, split, log)
        if draft is not None:
            documents.append((build_document(draft, log, labels), name, number))
    return documents


def _records(source: str, config: str | None, log: ProblemLog) -> Records:
    path = Path(source)
    if path.is_dir() and any((path / f).exists() for f in ("dataset_dict.json", "dataset_info.json")):
        import datasets

        yield from _dataset_rows(datasets.load_from_disk(str(path)), source)
    elif path.exists():
        files = (
            sorted(p for p in path.rglob("*") if p.suffix in (".json", ".jsonl")) if path.is_dir() else [path]
        )
        for file in files:
            yield from _file_records(
                file, relative_name(file, path), file.stem if path.is_dir() else None, log
            )
    else:
        import datasets

        try:
            data = datasets.load_dataset(source, config)
        except FileNotFoundError as error:  # datasets' DatasetNotFoundError is one
            raise CorpusNotFoundError(
                f"{source}: not a file, folder or loadable dataset ({error})"
            ) from error
        yield from _dataset_rows(data, source)


def _dataset_rows(data: Any, source: str) -> Records:
    splits = data.items() if hasattr(data, "items") else [(None, data)]
    for split, rows in splits:
        for index, row in enumerate(rows, start=1):
            yield f"{source}[{split}]" if split else source, index, split, row


def _file_records(file: Path, name: str, split: str | None, log: ProblemLog) -> Records:
    text = read_utf8(file, name, log, bom=True)
    if text is None:
        return
    if file.suffix == ".jsonl":
        for number, line in enumerate(text.split("\n"), start=1):
            if line.strip():
                data = _json(line, name, number, log)
                if data is not None:
                    yield name, number, split, data
        return
    data = _json(text, name, None, log)
    groups = data.items() if isinstance(data, dict) and "passages" not in data else [(split, data)]
    for group_split, records in groups:  # {"train": [...], "test": [...]}, [...] or {...}
        for index, record in enumerate(records if isinstance(records, list) else [records], start=1):
            yield name, index, group_split, record


def _json(text: str, name: str, number: int | None, log: ProblemLog) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        line = number or error.lineno
        log.add(name, line, "bad_record", f"not JSON ({error.msg})", "a bigbio_kb record", text[:80])
        return None


def _draft(record: Any, name: str, number: int, split: str | None, log: ProblemLog) -> DocumentDraft | None:
    if not isinstance(record, dict) or not _rows(record.get("passages")):
        log.add(
            name,
            number,
            "bad_record",
            "not a bigbio_kb record (no passages)",
            "a bigbio_kb record",
            str(record)[:80],
        )
        return None
    doc_id = str(record.get("document_id") or record.get("id"))
    text, passages = _text(_rows(record["passages"]), doc_id)
    if text is None:
        log.add(
            name,
            number,
            "bad_record",
            f"document {doc_id}: {passages}",
            "passage texts as long as their offsets",
            "",
        )
        return None
    metadata = {"bigbio_id": str(record.get("id", "")), "passages": passages}
    draft = DocumentDraft(doc_id, text, name, record.get("split") or split, metadata=metadata)
    for index, entity in enumerate(_rows(record.get("entities")), start=1):
        _add_entity(draft, entity, entity.get("type"), entity.get("id") or f"T{index}", number, log)
    for key, build in _BUILDERS.items():
        for index, raw in enumerate(_rows(record.get(key)), start=1):
            try:
                item = build(raw, lambda ref: _pid(doc_id, ref))
            except (KeyError, TypeError, ValueError, AttributeError) as error:
                reason = f"{key} item {index} cannot be read: missing or bad {error}"
                log.add(name, number, "malformed_line", reason, f"a bigbio_kb {key} item", str(raw)[:80])
                continue
            if isinstance(item, tuple):  # an event trigger, then its event
                trigger, item = item
                _add_entity(draft, trigger, item.type, item.trigger_id, number, log)
            draft.others.append(Sourced(item, number, f"{_kind(item)} {_short(item.id, doc_id)}"))
    return draft


def _text(passages: list[dict[str, Any]], doc_id: str) -> tuple[str | None, Any]:
    """The document text rebuilt from its passages, and the passages for metadata (or an error)."""
    pieces: list[tuple[int, str]] = []
    kept = []
    for passage in passages:
        offsets, texts = passage.get("offsets") or [], passage.get("text") or []
        texts = [texts] if isinstance(texts, str) else texts
        if (bad := _bad_offset(offsets)) is not None:
            return None, f"passage {passage.get('id')}: offset {bad!r} is not a pair of integers [start, end]"
        if len(offsets) != len(texts) or any(
            e - s != len(t) for (s, e), t in zip(offsets, texts, strict=False)
        ):
            return None, f"passage {passage.get('id')}: text and offsets disagree"
        pieces.extend((s, t) for (s, _), t in zip(offsets, texts, strict=True))
        kept.append({"id": str(passage.get("id")), "type": passage.get("type"), "offsets": offsets})
    chars: list[str] = []
    for start, piece in sorted(pieces):
        chars.extend(" " * max(0, start - len(chars)))
        chars[start : start + len(piece)] = piece
    return "".join(chars), kept


def _bad_offset(offsets: Any) -> Any:
    """The first item of `offsets` that is not `[start, end]` with integer bounds (`offsets` itself when
    it is not a list), or None."""
    if not isinstance(offsets, list | tuple):
        return offsets
    for pair in offsets:
        if not (
            isinstance(pair, list | tuple)
            and len(pair) == 2
            and all(isinstance(n, int) and not isinstance(n, bool) for n in pair)
        ):
            return pair
    return None


def _add_entity(
    draft: DocumentDraft, entity: dict[str, Any], label: Any, raw_id: Any, number: int, log: ProblemLog
) -> None:
    offsets, texts = entity.get("offsets") or [], entity.get("text") or []
    texts = [texts] if isinstance(texts, str) else texts
    eid = _pid(draft.id, raw_id)
    source = f"entity {_short(eid, draft.id)} {label} {offsets}"
    try:
        pairs = tuple((int(s), int(e)) for s, e in offsets)
    except (TypeError, ValueError):
        pairs = ()
    if not pairs or not isinstance(label, str) or not label:
        log.add(
            draft.file,
            number,
            "malformed_line",
            f"{source}: needs a type and offsets [[start, end], ...]",
            "",
            str(entity)[:80],
        )
        return
    normalized = [
        DbRef(str(n["db_name"]), str(n["db_id"])) for n in _rows(entity.get("normalized")) if n.get("db_id")
    ]
    draft.entities.append(
        EntityDraft(eid, label, pairs, " ".join(texts) if texts else None, number, source, normalized)
    )


def _event(raw: dict[str, Any], p: Callable[[Any], str]) -> tuple[dict[str, Any], Event]:
    arguments = tuple(Argument(str(a["role"]), p(a["ref_id"])) for a in _rows(raw.get("arguments")))
    eid = p(raw["id"])
    return raw.get("trigger") or {}, Event(eid, str(raw["type"]), f"{eid}_trigger", arguments)


def _relation(raw: dict[str, Any], p: Callable[[Any], str]) -> Relation:
    normalized = tuple(DbRef(str(n["db_name"]), str(n["db_id"])) for n in _rows(raw.get("normalized")))
    return Relation(
        p(raw["id"]), str(raw["type"]), p(raw["arg1_id"]), p(raw["arg2_id"]), normalized=normalized
    )


def _coreference(raw: dict[str, Any], p: Callable[[Any], str]) -> Coreference:
    return Coreference(p(raw["id"]), tuple(p(ref) for ref in raw["entity_ids"]))


_BUILDERS: dict[str, Callable[..., Any]] = {
    "events": _event,
    "relations": _relation,
    "coreferences": _coreference,
}


def _rows(value: Any) -> list[dict[str, Any]]:
    """A list of dicts, also from `datasets`' dict-of-lists form of a Sequence feature."""
    if isinstance(value, dict):
        keys = list(value)
        return [dict(zip(keys, items, strict=True)) for items in zip(*value.values(), strict=True)]
    return list(value or [])


def _pid(doc_id: str, raw: Any) -> str:
    raw = str(raw)
    return raw if raw.startswith(f"{doc_id}_") else f"{doc_id}_{raw}"


def _short(annotation_id: str, doc_id: str) -> str:
    return annotation_id.removeprefix(f"{doc_id}_")


def _kind(item: Any) -> str:
    return type(item).__name__.lower()
