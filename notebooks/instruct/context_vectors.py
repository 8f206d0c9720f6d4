"""Distributional vectors of tokens (PPMI + truncated SVD of their co-occurrences in the train texts).

    vectors = context_vectors([[5, 9, 7], [5, 8]], vocab_size=16000, dims=64)   # (16000, 64), unit rows

Tokens used in the same contexts get close vectors ("metformina" and "enalapril" both follow "con" and
precede "mg"), which is what lets a tiny model tell drug and protein names from other words before any
tuning; a token never seen gets a zero row. Co-occurrence counts within `window` tokens each side,
positive pointwise mutual information with context smoothing (counts ** 0.75, Levy et al. 2015), then the
left singular vectors scaled by the square roots of the singular values, each row normalised to 1.
Torch only (a sparse matrix, `torch.svd_lowrank`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

SMOOTHING = 0.75


def cooccurrences(sequences: Sequence[Sequence[int]], vocab_size: int, window: int) -> torch.Tensor:
    """Sparse (vocab, vocab) counts of token pairs at most `window` positions apart (both orders)."""
    import torch

    rows, cols = [], []
    for ids in sequences:
        ids = torch.as_tensor(list(ids), dtype=torch.long)
        for offset in range(1, window + 1):
            if len(ids) > offset:
                rows += [ids[:-offset], ids[offset:]]
                cols += [ids[offset:], ids[:-offset]]
    if not rows:
        return torch.sparse_coo_tensor(
            torch.zeros(2, 0, dtype=torch.long), [], (vocab_size, vocab_size), check_invariants=True
        )
    index = torch.stack([torch.cat(rows), torch.cat(cols)])
    values = torch.ones(index.shape[1])
    return torch.sparse_coo_tensor(index, values, (vocab_size, vocab_size), check_invariants=True).coalesce()


def ppmi(counts: torch.Tensor) -> torch.Tensor:
    """Positive PMI of a sparse count matrix, with smoothed context probabilities."""
    import torch

    index, values = counts.indices(), counts.values()
    row_sums = torch.zeros(counts.shape[0]).index_add_(0, index[0], values)
    col_sums = torch.zeros(counts.shape[1]).index_add_(0, index[1], values) ** SMOOTHING
    # log P(w, c) / (P(w) P_smoothed(c)): the total count cancels out
    pmi = torch.log(values * col_sums.sum() / (row_sums[index[0]] * col_sums[index[1]]))
    keep = pmi > 0
    return torch.sparse_coo_tensor(
        index[:, keep], pmi[keep], counts.shape, check_invariants=False
    ).coalesce()  # indices of a valid matrix


def context_vectors(
    sequences: Sequence[Sequence[int]], vocab_size: int, dims: int, window: int = 2, seed: int = 0
) -> torch.Tensor:
    """(vocab_size, dims) unit vectors (zero rows for unseen tokens) from the token id sequences."""
    import torch

    matrix = ppmi(cooccurrences(sequences, vocab_size, window))
    vectors = torch.zeros(vocab_size, dims)
    if matrix.values().numel() == 0:
        return vectors
    rank = min(dims, vocab_size)
    with torch.random.fork_rng():  # svd_lowrank draws a random start: seeded, without touching the caller's
        torch.manual_seed(seed)
        left, singular, _ = torch.svd_lowrank(matrix, q=rank, niter=4)
    vectors[:, :rank] = left * singular.sqrt()
    norms = vectors.norm(dim=1, keepdim=True)
    return torch.where(norms > 0, vectors / norms.clamp_min(1e-12), vectors)
