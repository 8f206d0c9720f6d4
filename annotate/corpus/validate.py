"""Checking annotations against their text before they become a `Document`.

Readers hand over a `DocumentDraft`: the text, `EntityDraft`s (offsets + the surface text the source
claims) and the other annotations wrapped in `Sourced` (where they were read). `build_document`
logs one problem per bad annotation and builds the document from the good ones. A span whose
surface differs from the text at its offsets is rejected, never shifted.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from annotate.corpus.model import (
    Annotation,
    Attribute,
    Coreference,
    DbRef,
    Document,
    Entity,
    Event,
    Normalization,
    Note,
    Relation,
    Span,
)
from annotate.corpus.problems import ProblemLog

_FIELDS = {
    Relation: "relations", Event: "events", Coreference: "coreferences",
    Attribute: "attributes", Note: "notes", Normalization: "normalizations",
}  # fmt: skip
_BLANKS = str.maketrans("\t\n\r", "   ")  # brat writes these as spaces in the .ann surface text


Located = tuple[Document, str, int | None]  # a document, its file and line (None: the whole file)


@dataclass
class EntityDraft:
    id: str  # already prefixed with the document id
    label: str
    offsets: tuple[tuple[int, int], ...]
    surface: str | None  # what the source says the text is (brat: fragments joined by " "), None: unknown
    line: int | None
    source: str  # how problems quote it, e.g. "T3 PROTEINAS 120 131"
    normalized: list[DbRef] = field(default_factory=list)


@dataclass(frozen=True)
class Sourced:
    item: Annotation
    line: int | None
    source: str


@dataclass
class DocumentDraft:
    id: str
    text: str
    file: str  # where the annotations were read, as problems name it
    split: str | None = None
    entities: list[EntityDraft] = field(default_factory=list)
    others: list[Sourced] = field(default_factory=list)
    labels: tuple[str, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)


def build_document(draft: DocumentDraft, log: ProblemLog, allowed: Collection[str] | None = None) -> Document:
    """The document with every valid annotation; each invalid one is logged (and left out)."""
    return _Checker(draft, log, allowed).document()


class _Checker:
    """Checks the annotations of one draft; remembers which problem rejected which id."""

    def __init__(self, draft: DocumentDraft, log: ProblemLog, allowed: Collection[str] | None) -> None:
        self.draft, self.log, self.allowed = draft, log, allowed
        self.rejected: dict[str, int] = {}  # annotation id -> index of its problem in the log
        self.seen: set[str] = set()

    def document(self) -> Document:
        entities = [entity for entity in map(self._entity, self.draft.entities) if entity is not None]
        by_field: dict[str, list[Annotation]] = {name: [] for name in _FIELDS.values()}
        for item in self._referencing({entity.id for entity in entities}):
            by_field[_FIELDS[type(item)]].append(item)
        annotations = {name: tuple(items) for name, items in by_field.items()}
        draft = self.draft
        return Document(
            draft.id, draft.text, draft.split, tuple(entities), **annotations,  # type: ignore[arg-type]
            labels=draft.labels, metadata=draft.metadata,
        )  # fmt: skip

    def _reject(
        self, item_id: str, line: int | None, kind: str, reason: str, expected: str, found: str
    ) -> None:
        index = self.log.add(self.draft.file, line, kind, reason, expected, found)
        self.rejected.setdefault(item_id, index)

    def _entity(self, entity: EntityDraft) -> Entity | None:
        problem = _entity_problem(
            self.draft.text, entity, self.allowed, entity.id in self.seen, self.draft.metadata.get("file")
        )
        self.seen.add(entity.id)
        if problem is not None:
            self._reject(entity.id, entity.line, *problem)
            return None
        spans = tuple(Span(start, end) for start, end in entity.offsets)
        texts = tuple(self.draft.text[start:end] for start, end in entity.offsets)
        return Entity(entity.id, entity.label, spans, texts, tuple(dict.fromkeys(entity.normalized)))

    def _referencing(self, known: set[str]) -> list[Annotation]:
        """The other annotations whose references all exist; logs the rest.

        One that refers to a rejected annotation goes with it and the rejected one's problem says so:
        one defect is one problem (a bad span and its AnnotatorNotes line are one problem, not two).
        """
        kept: list[Sourced] = []
        for sourced in self.draft.others:
            if sourced.item.id in self.seen:
                reason = f"{sourced.source}: the id is already used in this document"
                self._reject(
                    sourced.item.id, sourced.line, "duplicate_id", reason, "a new id", sourced.item.id
                )
                continue
            self.seen.add(sourced.item.id)
            kept.append(sourced)
            known.add(sourced.item.id)
        followers: dict[int, list[str]] = {}
        orphans = [s for s in kept if any(ref not in known for ref in s.item.refs)]
        while orphans:  # dropping an event can orphan a relation or an attribute on it: repeat
            for sourced in orphans:
                kept.remove(sourced)
                known.discard(sourced.item.id)
                self._orphan(sourced, known, followers)
            orphans = [s for s in kept if any(ref not in known for ref in s.item.refs)]
        for index, names in followers.items():
            problem = self.log.problems[index]
            one = len(names) == 1
            also = f"{problem.reason}; {', '.join(names)} {'refers' if one else 'refer'} to it and "
            also += f"{'is' if one else 'are'} left out with it"
            self.log.problems[index] = dataclasses.replace(problem, reason=also)
        return [sourced.item for sourced in kept]

    def _orphan(self, sourced: Sourced, known: set[str], followers: dict[int, list[str]]) -> None:
        missing = [ref for ref in sourced.item.refs if ref not in known]
        culprit = next((ref for ref in missing if ref in self.rejected), None)
        if culprit is not None:
            self.rejected[sourced.item.id] = self.rejected[culprit]
            followers.setdefault(self.rejected[culprit], []).append(sourced.source.split(" ")[0])
            return
        names = ", ".join(_short(ref, self.draft.id) for ref in missing)
        reason = f"{sourced.source} refers to {names}, which is not in this document"
        self._reject(sourced.item.id, sourced.line, "dangling_reference", reason, "an existing id", names)


def _entity_problem(
    text: str,
    entity: EntityDraft,
    allowed: Collection[str] | None,
    duplicate: bool,
    text_file: str | None = None,
) -> tuple[str, str, str, str] | None:
    """(kind, reason, expected, found) of what is wrong with `entity`, or None."""
    where = entity.source
    if duplicate:
        return "duplicate_id", f"{where}: the id is already used in this document", "a new id", entity.id
    for start, end in entity.offsets:
        if not 0 <= start < end:
            return (
                "bad_offsets",
                f"{where}: start {start} is not < end {end}",
                "0 <= start < end",
                f"{start} {end}",
            )
        if end > len(text):
            reason = f"{where} ends at {end}, past the end of the text ({len(text)} characters)"
            return "offsets_past_end", reason, f"end <= {len(text)}", str(end)
    found = " ".join(text[start:end] for start, end in entity.offsets)
    if entity.surface is not None and entity.surface not in (found, found.translate(_BLANKS)):
        if _counts_lf(text, entity):
            reason = (
                f'{where} says "{entity.surface}" but the text there is "{found.translate(_BLANKS)}": '
                f"{text_file or 'the text'} has CRLF (\\r\\n) line endings and these offsets count "
                "each line break as one character"
            )
            return "crlf_offsets", reason, entity.surface, found
        return (
            "text_mismatch",
            f'{where} says "{entity.surface}" but the text there is "{found}"',
            entity.surface,
            found,
        )
    if allowed is not None and entity.label not in allowed:
        labels = ", ".join(sorted(allowed))
        return "unknown_label", f"{where}: label {entity.label} is not one of {labels}", labels, entity.label
    return None


def _counts_lf(text: str, entity: EntityDraft) -> bool:
    """Whether `entity` matches `text` once each CRLF counts as one character (offsets made on LF)."""
    if "\r\n" not in text or entity.surface is None:
        return False
    lf = text.replace("\r\n", "\n")
    if any(end > len(lf) for _, end in entity.offsets):
        return False
    found = " ".join(lf[start:end] for start, end in entity.offsets)
    return entity.surface in (found, found.translate(_BLANKS))


def _short(annotation_id: str, doc_id: str) -> str:
    return annotation_id.removeprefix(f"{doc_id}_")
