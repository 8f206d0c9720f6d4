"""Distributional token vectors of the tiny offline causal LM (`notebooks.instruct.context_vectors`)."""

from __future__ import annotations

import random

import torch

from notebooks.instruct.context_vectors import context_vectors, cooccurrences, ppmi

# two kinds of words in their own contexts: drugs (10-14) after "con" (1) and before "mg" (2);
# symptoms (20-24) after "presenta" (3) and before "intenso" (4); 30 never appears
DRUGS, SYMPTOMS, UNSEEN = range(10, 15), range(20, 25), 30


def corpus(sentences: int = 400) -> list[list[int]]:
    rng = random.Random(0)
    out = []
    for _ in range(sentences):
        drug, symptom = rng.choice(DRUGS), rng.choice(SYMPTOMS)
        out.append([5, 1, drug, 2, 6] if rng.random() < 0.5 else [5, 3, symptom, 4, 6])
    return out


def test_counts_pairs_within_the_window_in_both_orders() -> None:
    counts = cooccurrences([[1, 2, 3]], vocab_size=4, window=1).to_dense()
    assert counts[1, 2] == counts[2, 1] == counts[2, 3] == counts[3, 2] == 1
    assert counts[1, 3] == 0 and counts.sum() == 4


def test_ppmi_keeps_only_positive_associations() -> None:
    values = ppmi(cooccurrences(corpus(), vocab_size=40, window=2)).values()
    assert (values > 0).all()


def test_words_of_the_same_contexts_are_closer_than_words_of_others() -> None:
    vectors = context_vectors(corpus(), vocab_size=40, dims=8)
    same = vectors[10] @ vectors[11]
    other = vectors[10] @ vectors[20]
    assert same > 0.9 and same > other + 0.5
    assert torch.allclose(vectors[list(DRUGS)].norm(dim=1), torch.ones(len(DRUGS)))
    assert vectors[UNSEEN].abs().sum() == 0


def test_the_vectors_are_reproducible_and_leave_the_global_random_state_alone() -> None:
    torch.manual_seed(7)
    expected_next = torch.rand(1)
    torch.manual_seed(7)
    first = context_vectors(corpus(), vocab_size=40, dims=8, seed=3)
    assert torch.equal(torch.rand(1), expected_next)
    assert torch.allclose(first, context_vectors(corpus(), vocab_size=40, dims=8, seed=3))


def test_no_text_gives_zero_vectors() -> None:
    assert context_vectors([], vocab_size=10, dims=4).abs().sum() == 0
