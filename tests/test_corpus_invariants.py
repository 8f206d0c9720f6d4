"""Invariant checks every imported corpus must pass (reused by the other corpus tests), and their tests.

Written independently of `annotate.corpus.model`'s own checks, as BigBio's tests do: text at the
offsets equals the stored text, ids are unique, every referenced id exists.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from annotate.corpus import Document, Entity, Note, Segment, Span, load_corpus

FIXTURES = Path(__file__).parent / "fixtures" / "corpus"


def assert_text_at_offsets(doc: Document) -> None:
    for entity in doc.entities:
        assert len(entity.offsets) == len(entity.text), entity.id
        for span, text in zip(entity.offsets, entity.text, strict=True):
            assert doc.text[span.start : span.end] == text, (doc.id, entity.id, span, text)


def assert_unique_ids(docs: Iterable[Document]) -> None:
    docs = list(docs)
    doc_ids = [doc.id for doc in docs]
    assert len(doc_ids) == len(set(doc_ids)), "duplicate document ids"
    all_ids = [item.id for doc in docs for item in doc.annotations()]
    assert len(all_ids) == len(set(all_ids)), "duplicate annotation ids across the corpus"
    for doc in docs:
        assert all(item.id.startswith(f"{doc.id}_") for item in doc.annotations()), doc.id


def assert_references_exist(doc: Document) -> None:
    ids = {item.id for item in doc.annotations()}
    entity_ids = {entity.id for entity in doc.entities}
    for relation in doc.relations:
        assert {relation.arg1_id, relation.arg2_id} <= ids, relation
    for event in doc.events:
        assert event.trigger_id in entity_ids, event
        assert {argument.ref_id for argument in event.arguments} <= ids, event
    for item in (*doc.attributes, *doc.notes, *doc.normalizations):
        assert item.ref_id in ids, item
    for coreference in doc.coreferences:
        assert set(coreference.entity_ids) <= ids, coreference


def assert_corpus_ok(docs: Iterable[Document]) -> None:
    docs = list(docs)
    assert_unique_ids(docs)
    for doc in docs:
        assert_text_at_offsets(doc)
        assert_references_exist(doc)


def assert_segments_ok(doc: Document, segments: list[Segment]) -> None:
    """Segments are ordered, disjoint, inside the text; every entity is in exactly one and maps back."""
    assert [seg.index for seg in segments] == list(range(len(segments)))
    for before, after in zip(segments, segments[1:], strict=False):
        assert before.end <= after.start
    seen = []
    for seg in segments:
        assert doc.text[seg.start : seg.end] == seg.text
        for entity in seg.entities:
            seen.append(entity.id)
            for local, text in zip(entity.offsets, entity.text, strict=True):
                assert seg.text[local.start : local.end] == text
                assert doc.text[seg.start + local.start : seg.start + local.end] == text
    assert sorted(seen) == sorted(entity.id for entity in doc.entities)


@pytest.mark.parametrize(
    "path, format",
    [("brat", "brat"), ("tabular/casos.jsonl", "jsonl"), ("tabular/casos.csv", "csv"), ("bigbio", "bigbio")],
)
def test_fixture_corpora_pass_the_invariants(path: str, format: str) -> None:
    assert_corpus_ok(load_corpus(FIXTURES / path, format))


def unchecked_document(**values: object) -> Document:
    """A `Document` built without its own checks, to show the helpers catch what those would."""
    doc = object.__new__(Document)
    for field in dataclasses.fields(Document):
        if field.name in values:
            value = values[field.name]
        elif field.default is dataclasses.MISSING:
            value = field.default_factory()  # type: ignore[misc]
        else:
            value = field.default
        object.__setattr__(doc, field.name, value)
    return doc


TEXT = "Se pautó insulina."
INSULINA = Entity("d_T1", "PROTEINAS", (Span(9, 17),), ("insulina",))


@pytest.mark.parametrize(
    "check, values",
    [
        (
            assert_text_at_offsets,
            {"entities": (Entity("d_T1", "PROTEINAS", (Span(10, 18),), ("insulina",)),)},
        ),
        (assert_unique_ids, {"entities": (INSULINA, INSULINA)}),
        (assert_unique_ids, {"entities": (Entity("T1", "PROTEINAS", (Span(9, 17),), ("insulina",)),)}),
        (
            assert_references_exist,
            {"entities": (INSULINA,), "notes": (Note("d_#1", "AnnotatorNotes", "d_T9", "1"),)},
        ),
    ],
    ids=["shifted-span", "duplicate-id", "unprefixed-id", "dangling-note"],
)
def test_the_invariant_helpers_catch_broken_documents(check: Callable[..., None], values: dict) -> None:
    doc = unchecked_document(id="d", text=TEXT, **values)
    with pytest.raises(AssertionError):
        check([doc] if check is assert_unique_ids else doc)
