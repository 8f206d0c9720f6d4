"""The real PharmaCoNER corpus (read from ../shared/data, never copied): counts, the 5 known defects,
segmentation. Skipped when the folder is absent."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest
from test_corpus_invariants import assert_corpus_ok, assert_segments_ok

from annotate.corpus import has_discontinuous, has_overlaps, label_counts, load_corpus, segment
from annotate.errors import InvalidCorpusError

ROOT = Path(__file__).parents[2] / "shared" / "data" / "pharmaconer"
README_COUNTS = {"NORMALIZABLES": 4398, "PROTEINAS": 3009, "UNCLEAR": 167, "NO_NORMALIZABLES": 50}
DEFECTIVE = "train/S0211-69952015000200015-1.ann"
DEFECTS = [  # line, annotation as the .ann has it (no corpus text here)
    (1, "T5 PROTEINAS 1376 1387"),
    (3, "T7 NORMALIZABLES 2565 2575"),
    (7, "T9 NORMALIZABLES 2301 2307"),
    (9, "T10 NORMALIZABLES 1931 1943"),
    (11, "T11 NORMALIZABLES 1915 1928"),
]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not ROOT.is_dir(), reason=f"PharmaCoNER is not at {ROOT}"),
]


@pytest.fixture(scope="module")
def corpus():
    started = time.perf_counter()
    corpus = load_corpus(ROOT, "brat", skip_invalid=True, notes_db="SNOMED-CT")
    seconds = time.perf_counter() - started
    print(f"\nPharmaCoNER import: {len(corpus)} documents in {seconds:.2f} s")
    assert seconds < 5
    return corpus


def test_documents_and_splits(corpus):
    assert len(corpus) == 1000
    assert Counter(doc.split for doc in corpus) == {"train": 500, "dev": 250, "test": 250}
    assert_corpus_ok(corpus)


def test_the_readme_counts_include_the_five_defective_spans(corpus):
    skipped = Counter(problem.reason.split(" ")[1] for problem in corpus.problems)
    assert skipped == {"NORMALIZABLES": 4, "PROTEINAS": 1}
    imported = label_counts(corpus)
    assert {label: imported[label] + skipped[label] for label in README_COUNTS} == README_COUNTS
    assert not has_overlaps(corpus) and not has_discontinuous(corpus)


def test_the_five_defects_are_reported_with_skip_invalid(corpus):
    assert [(p.file, p.line, p.kind) for p in corpus.problems] == [
        (DEFECTIVE, n, "text_mismatch") for n, _ in DEFECTS
    ]
    doc = next(doc for doc in corpus if doc.id == "S0211-69952015000200015-1")
    for problem, (_, annotation) in zip(corpus.problems, DEFECTS, strict=True):
        assert problem.reason.startswith(f'{annotation} says "{problem.expected}" but the text there is')
        start, end = map(int, annotation.split()[2:])
        assert problem.found == doc.text[start:end] != problem.expected
        assert problem.expected in doc.text[start - 2 : end + 2]  # shifted by a character or two, not moved


def test_without_skip_invalid_one_error_lists_all_five():
    with pytest.raises(InvalidCorpusError) as caught:
        load_corpus(ROOT, "brat")
    lines = str(caught.value).splitlines()
    assert lines[0] == f"5 problems in {ROOT}, nothing was imported:"
    assert [line.split(": ")[0] for line in lines[1:]] == [f"{DEFECTIVE}:{n}" for n, _ in DEFECTS]
    assert all(line.endswith("list it in import_problems.jsonl)") for line in lines[1:])


def test_notes_give_snomed_ids(corpus):
    normalized = Counter(ref.db_name for doc in corpus for e in doc.entities for ref in e.normalized)
    assert normalized["SNOMED-CT"] > 7000 and normalized["CHEBI"] > 0
    assert sum(len(doc.notes) for doc in corpus) == 7556 - 5  # every note but the 5 on defective spans


@pytest.mark.parametrize("mode", ["sentence", "paragraph"])
def test_segmentation_never_cuts_an_entity_and_offsets_round_trip(corpus, mode):
    count = 0
    for doc in corpus:
        segments = segment(doc, mode)
        assert_segments_ok(doc, segments)
        count += len(segments)
    assert count > len(corpus)
