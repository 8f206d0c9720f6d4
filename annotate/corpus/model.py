"""The document model every corpus reader produces: frozen dataclasses checked in `__post_init__`.

It follows BigBio's `bigbio_kb` schema (spans are lists of fragments, `offsets` + `text`; every id is
prefixed with the document id, `"S0004-1_T3"`) and keeps what `bigbio_kb` has no field for (brat
attributes, AnnotatorNotes, normalisation lines, document labels, metadata) instead of dropping it.

Event triggers stay in `Document.entities` (a trigger is a text-bound annotation like any other);
`Event.trigger_id` points at one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from annotate.errors import InvalidDocumentError


@dataclass(frozen=True, slots=True)
class Span:
    """One contiguous fragment `[start, end)` of a document's text, in characters."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not (_is_int(self.start) and _is_int(self.end)) or not 0 <= self.start < self.end:
            raise InvalidDocumentError(f"Span({self.start!r}, {self.end!r}): needs integers 0 <= start < end")


@dataclass(frozen=True, slots=True)
class DbRef:
    """A normalisation of an entity: `DbRef("SNOMED-CT", "85600001")` (BigBio's `normalized` item)."""

    db_name: str
    db_id: str

    def __post_init__(self) -> None:
        if not self.db_id:
            raise InvalidDocumentError(f"DbRef({self.db_name!r}, {self.db_id!r}): db_id is empty")


@dataclass(frozen=True, slots=True)
class Entity:
    """A text-bound annotation: one or several fragments (discontinuous entity), their text, a label."""

    id: str
    label: str
    offsets: tuple[Span, ...]
    text: tuple[str, ...]
    normalized: tuple[DbRef, ...] = ()

    def __post_init__(self) -> None:
        if not self.id or not self.label or not self.offsets:
            raise InvalidDocumentError(f"Entity {self.id!r}: needs an id, a label and at least one span")
        if len(self.text) != len(self.offsets):
            raise InvalidDocumentError(
                f"Entity {self.id}: {len(self.offsets)} spans but {len(self.text)} texts"
            )

    @property
    def start(self) -> int:
        return min(span.start for span in self.offsets)

    @property
    def end(self) -> int:
        return max(span.end for span in self.offsets)

    def shifted(self, delta: int) -> Entity:
        """The same entity with every offset moved by `delta` (to segment or reassemble texts)."""
        spans = tuple(Span(span.start + delta, span.end + delta) for span in self.offsets)
        return Entity(self.id, self.label, spans, self.text, self.normalized)


@dataclass(frozen=True, slots=True)
class Relation:
    """A binary relation between two annotations (brat `R` line)."""

    id: str
    type: str
    arg1_id: str
    arg2_id: str
    arg1_role: str = "Arg1"
    arg2_role: str = "Arg2"
    normalized: tuple[DbRef, ...] = ()

    @property
    def refs(self) -> tuple[str, ...]:
        return (self.arg1_id, self.arg2_id)


@dataclass(frozen=True, slots=True)
class Argument:
    role: str
    ref_id: str


@dataclass(frozen=True, slots=True)
class Event:
    """An event (brat `E` line): a trigger entity and role-labelled arguments."""

    id: str
    type: str
    trigger_id: str
    arguments: tuple[Argument, ...] = ()

    @property
    def refs(self) -> tuple[str, ...]:
        return (self.trigger_id, *(argument.ref_id for argument in self.arguments))


@dataclass(frozen=True, slots=True)
class Coreference:
    """A set of annotations that refer to the same thing (brat `*\tEquiv` line, BigBio coreference)."""

    id: str
    entity_ids: tuple[str, ...]
    type: str = "Equiv"

    @property
    def refs(self) -> tuple[str, ...]:
        return self.entity_ids


@dataclass(frozen=True, slots=True)
class Attribute:
    """A brat attribute (`A`/`M` line); `value` is None for a binary attribute."""

    id: str
    type: str
    ref_id: str
    value: str | None = None

    @property
    def refs(self) -> tuple[str, ...]:
        return (self.ref_id,)


@dataclass(frozen=True, slots=True)
class Note:
    """A brat note (`#` line, usually `AnnotatorNotes`), its text as written."""

    id: str
    type: str
    ref_id: str
    text: str

    @property
    def refs(self) -> tuple[str, ...]:
        return (self.ref_id,)


@dataclass(frozen=True, slots=True)
class Normalization:
    """A brat normalisation line (`N1\tReference T1 Wikipedia:534366\tBarack Obama`), as written.

    Its `db_name`/`db_id` are also in the entity's `normalized`.
    """

    id: str
    type: str
    ref_id: str
    db_name: str
    db_id: str
    text: str = ""

    @property
    def refs(self) -> tuple[str, ...]:
        return (self.ref_id,)


Annotation = Relation | Event | Coreference | Attribute | Note | Normalization


@dataclass(frozen=True)
class Document:
    """One document: its text, split, annotations (ids prefixed with `id`), labels and metadata.

    `labels` are document-level categories (classification corpora); `metadata` holds what the source
    had besides (brat folder below the split, extra CSV/JSONL columns, BigBio passages).
    """

    id: str
    text: str
    split: str | None = None
    entities: tuple[Entity, ...] = ()
    relations: tuple[Relation, ...] = ()
    events: tuple[Event, ...] = ()
    coreferences: tuple[Coreference, ...] = ()
    attributes: tuple[Attribute, ...] = ()
    notes: tuple[Note, ...] = ()
    normalizations: tuple[Normalization, ...] = ()
    labels: tuple[str, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def __post_init__(self) -> None:
        if not self.id:
            raise InvalidDocumentError("Document: the id is empty")
        for entity in self.entities:
            _check_entity_text(self, entity)
        ids = [item.id for item in self.annotations()]
        if len(ids) != len(set(ids)):
            duplicates = sorted({i for i in ids if ids.count(i) > 1})
            raise InvalidDocumentError(f"Document {self.id}: duplicate annotation ids {duplicates}")
        known = set(ids)
        for item in self.annotations():
            missing = [ref for ref in getattr(item, "refs", ()) if ref not in known]
            if missing:
                raise InvalidDocumentError(f"Document {self.id}: {item.id} refers to missing {missing}")

    def annotations(self) -> tuple[Entity | Annotation, ...]:
        """Every annotation of the document, entities first."""
        return (
            *self.entities, *self.relations, *self.events, *self.coreferences,
            *self.attributes, *self.notes, *self.normalizations,
        )  # fmt: skip


def _check_entity_text(doc: Document, entity: Entity) -> None:
    for span, text in zip(entity.offsets, entity.text, strict=True):
        if span.end > len(doc.text) or doc.text[span.start : span.end] != text:
            found = doc.text[span.start : span.end]
            where = f"Document {doc.id}: {entity.id} {span.start} {span.end}"
            raise InvalidDocumentError(f"{where} says {text!r} but the text there is {found!r}")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
