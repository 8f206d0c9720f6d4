"""Writing a `Document` as a BigBio `bigbio_kb` record (the inverse of `annotate.corpus.bigbio`).

What `bigbio_kb` has no field for (attributes, notes, normalisation lines, labels, metadata) stays
in the `Document`; event triggers leave `entities` for `events`, as in BigBio
(unless a relation or coreference refers to one: then it stays an entity too).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from annotate.corpus.model import DbRef, Document, Entity, Event, Relation


def to_bigbio_kb(doc: Document, record_id: str | None = None) -> dict[str, Any]:
    """`doc` as a `bigbio_kb` record (event triggers leave `entities` for `events`, as in BigBio)."""
    referred = {ref for item in doc.relations for ref in item.refs}
    referred |= {ref for item in doc.coreferences for ref in item.refs}
    triggers = {event.trigger_id for event in doc.events} - referred  # a relation on a trigger keeps it
    entities = {entity.id: entity for entity in doc.entities}
    passages = doc.metadata.get("passages") or [
        {"id": f"{doc.id}_text", "type": "text", "offsets": [[0, len(doc.text)]]}
    ]
    return {
        "id": record_id or doc.id,
        "document_id": doc.id,
        "passages": [{**p, "text": [doc.text[s:e] for s, e in p["offsets"]]} for p in passages],
        "entities": [_entity_record(e) for e in doc.entities if e.id not in triggers],
        "events": [_event_record(event, entities[event.trigger_id]) for event in doc.events],
        "coreferences": [{"id": c.id, "entity_ids": list(c.entity_ids)} for c in doc.coreferences],
        "relations": [_relation_record(r) for r in doc.relations],
    }


def _entity_record(entity: Entity) -> dict[str, Any]:
    return {
        "id": entity.id, "type": entity.label, "text": list(entity.text),
        "offsets": [[s.start, s.end] for s in entity.offsets], "normalized": _normalized(entity.normalized),
    }  # fmt: skip


def _event_record(event: Event, trigger: Entity) -> dict[str, Any]:
    trig = {"text": list(trigger.text), "offsets": [[s.start, s.end] for s in trigger.offsets]}
    args = [{"role": a.role, "ref_id": a.ref_id} for a in event.arguments]
    return {"id": event.id, "type": event.type, "trigger": trig, "arguments": args}


def _relation_record(rel: Relation) -> dict[str, Any]:
    return {
        "id": rel.id, "type": rel.type, "arg1_id": rel.arg1_id, "arg2_id": rel.arg2_id,
        "normalized": _normalized(rel.normalized),
    }  # fmt: skip


def _normalized(refs: Iterable[DbRef]) -> list[dict[str, str]]:
    return [{"db_name": ref.db_name, "db_id": ref.db_id} for ref in refs]
