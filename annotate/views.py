"""The dataset views of a run: Documents -> `dataset/bigbio_kb` and `dataset/tokens` DatasetDicts, and
instruction rows -> `dataset/instruction` (written by `annotate remix` and by the export of a reviewed
instruction project).

    views = build_views(documents)            # {"bigbio_kb": DatasetDict, "tokens": DatasetDict}
    save_views(views, RunFolder("runs/demo"))  # each written atomically with save_to_disk

One row per document, offsets into the original text, splits train/validation/test (the corpus's own
`dev`/`valid` become `validation`). `tokens`: words split on letters/digits/punctuation and additionally
at every entity boundary (so no entity starts or ends inside a token), tagged BIO (IOB2) with
`ner_tags` a `ClassLabel`. Nested or overlapping spans: the outermost (longest, then earliest) wins and
the others are left out of this view only (they stay in `bigbio_kb`); a discontinuous entity tags each
fragment as its own B-/I- run.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from annotate.corpus import Document, Entity, corpus_labels
from annotate.errors import RemixError
from runfolder import RunFolder

if TYPE_CHECKING:
    from datasets import DatasetDict, Features

SPLIT_NAMES = {
    "train": "train",
    "dev": "validation",
    "devel": "validation",
    "valid": "validation",
    "validation": "validation",
    "test": "test",
}
WORD = re.compile(r"\w+|[^\w\s]")
NESTING_NOTE = (
    "Nested or overlapping entities: in the `tokens` view the outermost entity (longest, then "
    "earliest) is kept and the entities inside or overlapping it are left out; `bigbio_kb` keeps all."
)


def split_name(split: str | None) -> str:
    if split is None:
        raise ValueError("a document has no split; assign splits before building views")
    return SPLIT_NAMES.get(split.lower(), split.lower())


def tokenize(text: str, cuts: Iterable[int] = ()) -> list[tuple[int, int]]:
    """Word/punctuation tokens as (start, end), also cut at each offset in `cuts`."""
    cut_points = sorted(set(cuts))
    tokens = []
    for match in WORD.finditer(text):
        start, end = match.span()
        i = bisect_right(cut_points, start)
        while i < len(cut_points) and cut_points[i] < end:
            tokens.append((start, cut_points[i]))
            start = cut_points[i]
            i += 1
        tokens.append((start, end))
    return tokens


def outermost(entities: Sequence[Entity]) -> list[Entity]:
    """Entities that no kept entity overlaps, preferring the longest, then the earliest."""
    kept: list[Entity] = []
    taken: list[tuple[int, int]] = []
    for entity in sorted(entities, key=lambda e: (-(e.end - e.start), e.start, e.label)):
        spans = [(s.start, s.end) for s in entity.offsets]
        if all(e <= ts or s >= te for s, e in spans for ts, te in taken):
            kept.append(entity)
            taken.extend(spans)
    return sorted(kept, key=lambda e: e.start)


def bio_tags(document: Document) -> tuple[list[str], list[str], list[tuple[int, int]]]:
    """(tokens, BIO tags, token offsets) of a document."""
    cuts = [p for entity in document.entities for span in entity.offsets for p in (span.start, span.end)]
    offsets = tokenize(document.text, cuts)
    tags = ["O"] * len(offsets)
    starts = [s for s, _ in offsets]
    for entity in outermost(document.entities):
        for span in entity.offsets:
            first, last = bisect_left(starts, span.start), bisect_left(starts, span.end)
            inside = [i for i in range(first, last) if offsets[i][1] <= span.end]
            for n, i in enumerate(inside):
                tags[i] = f"{'B' if n == 0 else 'I'}-{entity.label}"
    return [document.text[s:e] for s, e in offsets], tags, offsets


def tag_names(labels: Iterable[str]) -> list[str]:
    return ["O", *[f"{p}-{label}" for label in sorted(labels) for p in ("B", "I")]]


def tokens_row(document: Document) -> dict[str, Any]:
    tokens, tags, offsets = bio_tags(document)
    return {
        "id": document.id,
        "tokens": tokens,
        "ner_tags": tags,
        "token_offsets": [list(o) for o in offsets],
    }


def bigbio_kb_row(document: Document) -> dict[str, Any]:
    def spans(entity: Entity) -> list[list[int]]:
        return [[s.start, s.end] for s in entity.offsets]

    return {
        "id": document.id,
        "document_id": document.id,
        "passages": [
            {
                "id": f"{document.id}_text",
                "type": "text",
                "text": [document.text],
                "offsets": [[0, len(document.text)]],
            }
        ],
        "entities": [
            {
                "id": e.id,
                "type": e.label,
                "text": list(e.text),
                "offsets": spans(e),
                "normalized": [{"db_name": n.db_name, "db_id": n.db_id} for n in e.normalized],
            }
            for e in document.entities
        ],
        "events": [
            {
                "id": ev.id,
                "type": ev.type,
                "trigger": _trigger(document, ev.trigger_id),
                "arguments": [{"role": a.role, "ref_id": a.ref_id} for a in ev.arguments],
            }
            for ev in document.events
        ],
        "coreferences": [{"id": c.id, "entity_ids": list(c.entity_ids)} for c in document.coreferences],
        "relations": [
            {
                "id": r.id,
                "type": r.type,
                "arg1_id": r.arg1_id,
                "arg2_id": r.arg2_id,
                "normalized": [{"db_name": n.db_name, "db_id": n.db_id} for n in r.normalized],
            }
            for r in document.relations
        ],
    }


def _trigger(document: Document, trigger_id: str) -> dict[str, Any]:
    entity = next((e for e in document.entities if e.id == trigger_id), None)
    if entity is None:
        return {"text": [], "offsets": []}
    return {"text": list(entity.text), "offsets": [[s.start, s.end] for s in entity.offsets]}


def bigbio_kb_features() -> Features:
    from datasets import Features, Sequence, Value

    def span_list(extra: dict[str, Any] | None = None) -> dict[str, Any]:
        return {"text": Sequence(Value("string")), "offsets": Sequence([Value("int32")]), **(extra or {})}

    normalized = [{"db_name": Value("string"), "db_id": Value("string")}]
    return Features(
        {
            "id": Value("string"),
            "document_id": Value("string"),
            "passages": [{"id": Value("string"), "type": Value("string"), **span_list()}],
            "entities": [
                {"id": Value("string"), "type": Value("string"), **span_list({"normalized": normalized})}
            ],
            "events": [
                {
                    "id": Value("string"),
                    "type": Value("string"),
                    "trigger": span_list(),
                    "arguments": [{"role": Value("string"), "ref_id": Value("string")}],
                }
            ],
            "coreferences": [{"id": Value("string"), "entity_ids": Sequence(Value("string"))}],
            "relations": [
                {
                    "id": Value("string"),
                    "type": Value("string"),
                    "arg1_id": Value("string"),
                    "arg2_id": Value("string"),
                    "normalized": normalized,
                }
            ],
        }
    )


def tokens_features(labels: Iterable[str]) -> Features:
    from datasets import ClassLabel, Features, Sequence, Value

    return Features(
        {
            "id": Value("string"),
            "tokens": Sequence(Value("string")),
            "ner_tags": Sequence(ClassLabel(names=tag_names(labels))),
            "token_offsets": Sequence(Sequence(Value("int32"))),
        }
    )


def build_views(documents: Sequence[Document], description: str = "") -> dict[str, DatasetDict]:
    """DatasetDicts for `bigbio_kb` and `tokens`, one row per document, by split."""
    from datasets import Dataset, DatasetDict, DatasetInfo

    by_split: dict[str, list[Document]] = {}
    for document in documents:
        by_split.setdefault(split_name(document.split), []).append(document)
    text = " ".join(filter(None, [description, NESTING_NOTE]))

    def view(row: Callable[[Document], dict[str, Any]], features: Features) -> DatasetDict:
        return DatasetDict(
            {
                split: Dataset.from_list(
                    [row(d) for d in docs],
                    features=features,
                    info=DatasetInfo(description=text, features=features),
                )
                for split, docs in sorted(by_split.items())
            }
        )

    return {
        "bigbio_kb": view(bigbio_kb_row, bigbio_kb_features()),
        "tokens": view(tokens_row, tokens_features(corpus_labels(documents))),
    }


def save_views(views: dict[str, DatasetDict], run: RunFolder) -> None:
    for name, dataset_dict in views.items():
        with run.atomic_dir(run.dataset_view(name)) as tmp:
            dataset_dict.save_to_disk(str(tmp))


# -- the instruction view (annotate remix, and the export of reviewed instructions) ---------------------


def save_instruction_view(
    run: RunFolder, by_split: dict[str, list[dict[str, Any]]], description: str = ""
) -> None:
    """`dataset/instruction` (one Dataset per split, `instruction_features`), written atomically."""
    from datasets import Dataset, DatasetDict, DatasetInfo

    check_splits((r["source_record"], split) for split, rows in by_split.items() for r in rows)
    features = instruction_features()
    data = DatasetDict(
        {
            split: Dataset.from_list(
                [{k: r[k] for k in features} for r in rows],
                features=features,
                info=DatasetInfo(description=description, features=features),
            )
            for split, rows in sorted(by_split.items())
        }
    )
    with run.atomic_dir(run.dataset_view("instruction")) as tmp:
        data.save_to_disk(str(tmp))


def check_splits(ids_and_splits: Iterable[tuple[str, str | None]]) -> None:
    seen: dict[str, str] = {}
    for doc_id, split in ids_and_splits:
        name = split_name(split)
        if seen.setdefault(doc_id, name) != name:
            raise RemixError(
                f"document {doc_id!r} is in splits {seen[doc_id]!r} and {name!r}; a record must be in "
                "one split only (re-run `python -m annotate export`)"
            )


def instruction_features() -> Features:
    """The columns of `dataset/instruction` (remix and the export of reviewed instructions)."""
    from datasets import Features, Sequence, Value

    entity = {
        "type": Value("string"),
        "text": Sequence(Value("string")),
        "offsets": Sequence([Value("int32")]),
    }
    strings = (
        "id instruction input output task template_id source_record idioma pais dominio tarea fuente licencia"
    )
    return Features(
        {
            **{name: Value("string") for name in strings.split()},
            "input_offset": Value("int32"),
            "entities": [entity],
            "calidad": Value("float32"),
        }
    )
