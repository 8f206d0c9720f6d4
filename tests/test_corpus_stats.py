"""Corpus facts a project template needs: labels, overlapping and discontinuous spans."""

from __future__ import annotations

import itertools
import random

import pytest
from test_corpus_invariants import FIXTURES

from annotate.corpus import Document, Entity, Span, load_corpus
from annotate.corpus.stats import (
    corpus_labels,
    document_labels,
    has_discontinuous,
    has_overlaps,
    label_counts,
)

TEXT = "abcdefghijklmnopqrstuvwxyz"


def doc_of(*fragments: tuple[tuple[int, int], ...]) -> Document:
    entities = tuple(
        Entity(f"d_T{i}", "X", tuple(Span(s, e) for s, e in spans), tuple(TEXT[s:e] for s, e in spans))
        for i, spans in enumerate(fragments)
    )
    return Document("d", TEXT, entities=entities)


def brute_force_overlaps(doc: Document) -> bool:
    return any(
        a.start < b.end and b.start < a.end
        for x, y in itertools.combinations(doc.entities, 2)
        for a in x.offsets
        for b in y.offsets
    )


def test_labels_and_counts_of_the_fixture_corpus():
    docs = load_corpus(FIXTURES / "brat", "brat")
    assert corpus_labels(docs) == ["Administracion", "NORMALIZABLES", "PROTEINAS"]
    assert label_counts(docs) == {"PROTEINAS": 6, "NORMALIZABLES": 4, "Administracion": 1}
    assert document_labels(docs) == []


@pytest.mark.parametrize(
    "fragments, overlaps",
    [
        ((((0, 5),), ((5, 9),)), False),  # touching is not overlapping
        ((((0, 5),), ((2, 3),)), True),  # nested
        ((((0, 5),), ((4, 9),)), True),  # crossing
        ((((0, 2), (6, 8)), ((3, 5),)), False),  # inside the gap of a discontinuous entity
        ((((0, 2), (1, 8)),), False),  # the fragments of one entity do not count
    ],
)
def test_overlaps(fragments, overlaps):
    assert has_overlaps([doc_of(*fragments)]) is overlaps


@pytest.mark.parametrize("seed", range(200))
def test_overlaps_agree_with_brute_force(seed):
    rng = random.Random(seed)
    fragments = []
    for _ in range(rng.randint(1, 5)):
        cuts = sorted(rng.sample(range(len(TEXT)), 2 * rng.randint(1, 2)))
        fragments.append(tuple(zip(cuts[::2], cuts[1::2], strict=True)))
    doc = doc_of(*fragments)
    assert has_overlaps([doc]) is brute_force_overlaps(doc)


def test_discontinuous():
    assert has_discontinuous([doc_of(((0, 2), (4, 6)))])
    assert not has_discontinuous([doc_of(((0, 2),), ((4, 6),))])
