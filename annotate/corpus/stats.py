"""What a project template needs to know about a corpus: its labels and whether spans overlap."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from annotate.corpus.model import Document


def corpus_labels(docs: Iterable[Document]) -> list[str]:
    """The entity labels used in `docs`, sorted (the labels of a SpanQuestion)."""
    return sorted({entity.label for doc in docs for entity in doc.entities})


def document_labels(docs: Iterable[Document]) -> list[str]:
    """The document labels used in `docs`, sorted (the labels of a Label/MultiLabelQuestion)."""
    return sorted({label for doc in docs for label in doc.labels})


def label_counts(docs: Iterable[Document]) -> dict[str, int]:
    """Entities per label, most frequent first."""
    return dict(Counter(entity.label for doc in docs for entity in doc.entities).most_common())


def has_overlaps(docs: Iterable[Document]) -> bool:
    """Whether two entities of one document share a character (nested or overlapping spans);
    decides Argilla's `allow_overlapping`. The fragments of one entity do not count."""
    return any(_overlapping(doc) for doc in docs)


def has_discontinuous(docs: Iterable[Document]) -> bool:
    """Whether some entity has more than one fragment (Argilla spans are contiguous)."""
    return any(len(entity.offsets) > 1 for doc in docs for entity in doc.entities)


def _overlapping(doc: Document) -> bool:
    fragments = sorted((span.start, span.end, i) for i, e in enumerate(doc.entities) for span in e.offsets)
    reach, owner = -1, -1  # the furthest end seen so far and whose it is
    for start, end, entity in fragments:
        if start < reach and entity != owner:
            return True
        if end > reach:
            reach, owner = end, entity
    return False
