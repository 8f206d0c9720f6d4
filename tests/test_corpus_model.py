"""The document model refuses objects that break its invariants (a reader bug, never bad input)."""

from __future__ import annotations

import pytest

from annotate.corpus import DbRef, Document, Entity, Note, Relation, Span
from annotate.errors import CorpusError, InvalidDocumentError

TEXT = "Se pautó insulina."
INSULINA = Entity("d_T1", "PROTEINAS", (Span(9, 17),), ("insulina",))


@pytest.mark.parametrize(
    "build",
    [
        lambda: Span(5, 5),
        lambda: Span(-1, 3),
        lambda: Span(True, 3),
        lambda: DbRef("SNOMED-CT", ""),
        lambda: Entity("d_T1", "PROTEINAS", (), ()),
        lambda: Entity("d_T1", "PROTEINAS", (Span(9, 17),), ("insulina", "extra")),
        lambda: Document("", TEXT),
        lambda: Document("d", TEXT, entities=(Entity("d_T1", "PROTEINAS", (Span(10, 18),), ("insulina",)),)),
        lambda: Document("d", TEXT, entities=(Entity("d_T1", "PROTEINAS", (Span(9, 40),), ("insulina",)),)),
        lambda: Document("d", TEXT, entities=(INSULINA, INSULINA)),
        lambda: Document("d", TEXT, entities=(INSULINA,), relations=(Relation("d_R1", "R", "d_T1", "d_T2"),)),
        lambda: Document("d", TEXT, notes=(Note("d_#1", "AnnotatorNotes", "d_T1", "1"),)),
    ],
    ids=[
        "empty-span", "negative-start", "bool-offset", "empty-db-id", "no-spans", "texts-vs-spans",
        "no-doc-id", "shifted-text", "past-end", "duplicate-ids", "dangling-relation", "dangling-note",
    ],
)  # fmt: skip
def test_invalid_objects_are_refused(build):
    with pytest.raises(InvalidDocumentError) as caught:
        build()
    assert isinstance(caught.value, CorpusError) and isinstance(caught.value, ValueError)


def test_a_valid_document_and_its_helpers():
    doc = Document(
        "d", TEXT, "train", entities=(INSULINA,), notes=(Note("d_#1", "AnnotatorNotes", "d_T1", "1"),)
    )
    assert [item.id for item in doc.annotations()] == ["d_T1", "d_#1"]
    assert (INSULINA.start, INSULINA.end) == (9, 17)
    assert INSULINA.shifted(-9).offsets == (Span(0, 8),)
    with pytest.raises(AttributeError):
        doc.text = "otro"  # type: ignore[misc]
