"""Copy heads for the tiny offline causal LM: two attention heads set by hand so that it can copy text.

    config = copy_config(vocab_size=len(tokenizer), eos_token_id=2, pad_token_id=1)
    model = set_copy_heads(LlamaForCausalLM(config))   # "... con metformina 850 mg ... metformina" -> " 850"

Why: extraction answers copy words of the input ("NORMALIZABLES: metformina"). Pretrained LMs copy with an
induction circuit (a head that writes each position's previous token, and a head that finds an earlier
position whose previous token is the current one and predicts what came after it: Olsson et al. 2022,
"In-context learning and induction heads"). A randomly initialised tiny model did not learn it on a CPU:
tuned with LoRA, with trainable embeddings, or fully, it learnt the answer formats but copied no mention
(`bench/instruct.py` scores the extraction answers before and after tuning;
`tests/test_notebook_copy_heads.py` checks that a random model of this shape does not copy and this one
does). So the offline fallback gets that circuit by construction and LoRA learns what to copy and when to
stop, as it would on a pretrained model.

The residual stream (`HIDDEN` wide) is split into named blocks: `TOKEN` (a random unit vector per token),
`CONSTANT` (1 for every token: it lets a head attend by position alone), `CONTEXT` (the token's
distributional vector, `context_vectors` beside this module, when given: what tells a drug name from other
words),
`PREVIOUS` (the token before, written by layer 0) and `OUTPUT` (the token to predict, written by layer 1;
the only block `lm_head` reads). Head 0 of layer 0 attends to the position before (rotary phases of its
query shifted by one position); head 0 of layer 1 matches its `TOKEN` against the keys' `PREVIOUS` on the
rotary dimensions that hardly turn over a prompt's length, and copies the matched position's `TOKEN` into
`OUTPUT`. Every other head, and the MLPs' output projections, start at zero: they change nothing until
LoRA trains them.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM
    from transformers.models.llama.modeling_llama import LlamaAttention, LlamaDecoderLayer

HIDDEN = 256
TOKEN_DIMS = 63
CONTEXT_DIMS = 64
HEAD_DIM = 128
ROPE_THETA = 1e6
TOKEN = slice(0, TOKEN_DIMS)
CONSTANT = TOKEN_DIMS
PREVIOUS = slice(TOKEN_DIMS + 1, 2 * TOKEN_DIMS + 1)
OUTPUT = slice(2 * TOKEN_DIMS + 1, 3 * TOKEN_DIMS + 1)
CONTEXT = slice(3 * TOKEN_DIMS + 1, 3 * TOKEN_DIMS + 1 + CONTEXT_DIMS)
POSITION_PAIRS = range(6)  # the fastest rotary pairs: they tell the position before from its neighbours
STILL_SPAN = 400  # tokens over which a "still" rotary pair turns by less than 0.3 radians

COPY_CONFIG: dict[str, Any] = {  # LlamaConfig keyword arguments
    "hidden_size": HIDDEN,
    "intermediate_size": 384,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "num_key_value_heads": 2,
    "head_dim": HEAD_DIM,
    "max_position_embeddings": 1024,
    "rope_theta": ROPE_THETA,
    "tie_word_embeddings": False,
}
# in nats: the attention score of the position before over the best other one (previous); of an earlier
# token equal to the current one, per unit of squared norm, over an unrelated token (match: unrelated random
# vectors reach ~0.5 of a match, so ~3 nats less); the logit of the copied token's own vector (copy:
# unrelated tokens get ~0.5 of it at most among 16,000)
GAINS = {"previous": 20.0, "match": 6.0, "copy": 21.0}


def copy_config(vocab_size: int, eos_token_id: int, pad_token_id: int) -> LlamaConfig:
    from transformers import LlamaConfig

    return LlamaConfig(
        vocab_size=vocab_size,
        bos_token_id=eos_token_id,
        eos_token_id=eos_token_id,
        pad_token_id=pad_token_id,
        **COPY_CONFIG,
    )


def rotary_frequencies() -> torch.Tensor:
    import torch

    half = HEAD_DIM // 2
    return ROPE_THETA ** (-torch.arange(half, dtype=torch.float64) / half)


def position_margin(span: int = 1024) -> float:
    """Score of the position before minus the best other one (sum of unit cosines), over `span` tokens."""
    import torch

    theta = rotary_frequencies()[list(POSITION_PAIRS)]
    offsets = torch.arange(span, dtype=torch.float64)[:, None]
    scores = torch.cos((offsets - 1) * theta).sum(1)
    return float(scores[1] - torch.cat([scores[:1], scores[2:]]).max())


def rms_scale(blocks: int) -> float:
    """What RMSNorm multiplies a stream of `blocks` orthogonal unit-norm blocks by."""
    return math.sqrt(HIDDEN / blocks)


def set_copy_heads(
    model: LlamaForCausalLM, seed: int = 0, context: torch.Tensor | None = None
) -> LlamaForCausalLM:
    """Write the embeddings (`context`: (vocab, CONTEXT_DIMS) unit rows or None), the copy heads and
    `lm_head` of a `copy_config` Llama; returns the model."""
    import torch

    generator = torch.Generator().manual_seed(seed)
    vocab = model.config.vocab_size
    vectors = torch.randn(vocab, TOKEN_DIMS, generator=generator)
    vectors /= vectors.norm(dim=1, keepdim=True)
    with torch.no_grad():
        embeddings = torch.zeros(vocab, HIDDEN)
        embeddings[:, TOKEN], embeddings[:, CONSTANT] = vectors, 1.0
        if context is not None:
            embeddings[:, CONTEXT] = context
        model.model.embed_tokens.weight.copy_(embeddings)
        for layer in model.model.layers:
            clear_outputs(layer)
        model.model.norm.weight.fill_(1.0)
        blocks = 2 if context is None else 3  # unit-norm blocks of an embedding
        previous_token_head(model.model.layers[0].self_attn, rms_scale(blocks))
        induction_head(model.model.layers[1].self_attn, generator, rms_scale(blocks + 1))
        unembedding = torch.zeros(vocab, HIDDEN)
        unembedding[:, OUTPUT] = vectors * GAINS["copy"] / rms_scale(blocks + 2)
        model.lm_head.weight.copy_(unembedding)
    return model


def clear_outputs(layer: LlamaDecoderLayer) -> None:
    attention = layer.self_attn
    for linear in (attention.q_proj, attention.k_proj, attention.v_proj, attention.o_proj):
        linear.weight.zero_()
    layer.mlp.down_proj.weight.zero_()
    layer.input_layernorm.weight.fill_(1.0)
    layer.post_attention_layernorm.weight.fill_(1.0)


def previous_token_head(attention: LlamaAttention, scale: float) -> None:
    """Head 0 attends from position m to m - 1 and writes that position's TOKEN into PREVIOUS (`scale`:
    what the layer's RMSNorm multiplies the embeddings by)."""
    import torch

    half, theta = HEAD_DIM // 2, rotary_frequencies()
    # q.k / sqrt(HEAD_DIM) = weight^2 * scale^2 * sum_j cos((m - n - 1) theta_j) / sqrt(HEAD_DIM)
    weight = math.sqrt(GAINS["previous"] / position_margin() * math.sqrt(HEAD_DIM)) / scale
    for j in POSITION_PAIRS:  # query = weight * e^{-i theta_j}, key = weight: the phases meet at n = m - 1
        attention.q_proj.weight[j, CONSTANT] = weight * math.cos(theta[j])
        attention.q_proj.weight[j + half, CONSTANT] = -weight * math.sin(theta[j])
        attention.k_proj.weight[j, CONSTANT] = weight
    attention.v_proj.weight[:TOKEN_DIMS, TOKEN] = torch.eye(TOKEN_DIMS)
    attention.o_proj.weight[PREVIOUS, :TOKEN_DIMS] = torch.eye(TOKEN_DIMS) / scale


def induction_head(attention: LlamaAttention, generator: torch.Generator, scale: float) -> None:
    """Head 0 attends to positions whose PREVIOUS is the current TOKEN and copies their TOKEN to OUTPUT."""
    import torch

    half, theta = HEAD_DIM // 2, rotary_frequencies()
    still = [j for j in range(half) if theta[j] * STILL_SPAN < 0.3]
    dims = still + [j + half for j in still]
    projection = torch.linalg.qr(torch.randn(TOKEN_DIMS, len(dims), generator=generator))[0].T
    # a token matched with itself scores |projection e|^2 ~ len(dims) / TOKEN_DIMS
    weight = math.sqrt(GAINS["match"] * math.sqrt(HEAD_DIM) * TOKEN_DIMS / len(dims)) / scale
    attention.q_proj.weight[dims, TOKEN] = weight * projection
    attention.k_proj.weight[dims, PREVIOUS] = weight * projection
    attention.v_proj.weight[:TOKEN_DIMS, TOKEN] = torch.eye(TOKEN_DIMS)
    attention.o_proj.weight[OUTPUT, :TOKEN_DIMS] = torch.eye(TOKEN_DIMS) / scale
