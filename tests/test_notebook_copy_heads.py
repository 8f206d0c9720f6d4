"""The copy heads of the tiny offline causal LM: it continues a span it has seen, before any training."""

from __future__ import annotations

import random

import pytest

from notebooks.instruct.copy_heads import (
    CONSTANT,
    CONTEXT_DIMS,
    OUTPUT,
    TOKEN,
    copy_config,
    position_margin,
    set_copy_heads,
)

VOCAB = 2000


@pytest.fixture(scope="module", params=["without context", "with context"])
def model(request):
    import torch
    from transformers import LlamaForCausalLM

    context = None
    if request.param == "with context":  # unit distributional vectors, zero for a fifth of the tokens
        context = torch.nn.functional.normalize(torch.randn(VOCAB, CONTEXT_DIMS), dim=1)
        context[::5] = 0
    blank = LlamaForCausalLM(copy_config(VOCAB, eos_token_id=0, pad_token_id=1))
    return set_copy_heads(blank, context=context).eval()


def test_the_copy_blocks_of_the_embeddings(model) -> None:
    embeddings = model.model.embed_tokens.weight
    assert (embeddings[:, CONSTANT] == 1).all() and (embeddings[:, OUTPUT] == 0).all()
    assert embeddings[:, TOKEN].norm(dim=1).sub(1).abs().max() < 1e-5


def copy_accuracy(model, text_length: int, span_length: int, rounds: int = 20) -> float:
    """Share of the 2nd+ tokens of a span, repeated after a random text, that the model predicts."""
    import torch

    rng, hits, total = random.Random(0), 0, 0
    for _ in range(rounds):
        text = rng.sample(range(2, VOCAB), text_length)
        start = rng.randrange(text_length - span_length)
        span = text[start : start + span_length]
        ids = torch.tensor([text + [5, 6] + span])  # text, a separator, then the span again
        with torch.no_grad():
            predicted = model(input_ids=ids).logits[0].argmax(-1).tolist()
        first = text_length + 2
        hits += sum(predicted[first + k] == span[k + 1] for k in range(span_length - 1))
        total += span_length - 1
    return hits / total


def test_the_untrained_model_copies_what_follows_an_earlier_occurrence(model) -> None:
    assert copy_accuracy(model, text_length=60, span_length=6) > 0.9
    assert copy_accuracy(model, text_length=300, span_length=6) > 0.8  # far back too


def test_a_random_model_of_the_same_shape_does_not_copy() -> None:
    from transformers import LlamaForCausalLM

    random_model = LlamaForCausalLM(copy_config(VOCAB, eos_token_id=0, pad_token_id=1)).eval()
    assert copy_accuracy(random_model, text_length=60, span_length=6) < 0.1


def test_the_previous_position_wins_by_a_margin_at_every_distance() -> None:
    assert position_margin(span=1024) > 0.5  # in sums of unit cosines; the head scales it to 20 nats


def test_the_copy_heads_survive_save_and_reload(model, tmp_path) -> None:
    from transformers import LlamaForCausalLM

    model.save_pretrained(tmp_path)
    reloaded = LlamaForCausalLM.from_pretrained(tmp_path).eval()
    assert copy_accuracy(reloaded, text_length=60, span_length=6) == copy_accuracy(
        model, text_length=60, span_length=6
    )
