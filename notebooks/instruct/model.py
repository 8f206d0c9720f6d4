"""The causal LM the instruction notebook tunes, and its LoRA adapters.

    choice = choose_causal_model("bigscience/bloom-560m", allow_fallback=True, train_texts=texts)
    model = get_peft_model(base, lora_config(r=16, alpha=32, dropout=0.05, targets="all-linear"))

Offline, with `allow_fallback`, the model is `tiny_causal_lm(texts)`: a 2-layer Llama (`TINY_CONFIG`) with
a byte-level BPE vocabulary trained (tokenizers library) on the train split's texts, whose embeddings hold
each token's co-occurrence vector from those texts (`context_vectors`), whose two attention heads are set
to copy text (`copy_heads`: a previous-token head and an induction head), and whose other weights are zero
or random. It exists so that every cell runs without the Hub; LoRA teaches it the answer formats and which
words of the input to copy, not much more (`bench/instruct.py` scores it before and after tuning). Built
once, cached under `~/.cache/somosnlp/fallback/` (or `$SOMOSNLP_CACHE`), keyed by the texts and the
config. The choice of model reuses `notebooks.common.fallback` (same reasons, same one line).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from notebooks.common.fallback import ModelChoice, asked_model_unavailable, cached_model

if TYPE_CHECKING:
    import torch
    from peft import LoraConfig
    from transformers import PreTrainedTokenizerBase, PreTrainedTokenizerFast
from notebooks.instruct.context_vectors import context_vectors
from notebooks.instruct.copy_heads import CONTEXT_DIMS, COPY_CONFIG, GAINS, copy_config, set_copy_heads

# what the cached fallback is keyed by (with the texts, the vocabulary size and the seed)
TINY_CONFIG = {**COPY_CONFIG, "copy_gains": GAINS, "context_dims": CONTEXT_DIMS}
TINY_VOCAB = 16000
EOS, PAD = "<|endoftext|>", "<pad>"


def choose_causal_model(
    name_or_path: str, allow_fallback: bool, train_texts: Sequence[str] = ()
) -> ModelChoice:
    """The model to tune; raises `ModelUnavailableError` (one line) when it fails and no fallback."""
    reason = asked_model_unavailable(name_or_path, allow_fallback)
    if reason is None:
        return ModelChoice(asked=name_or_path, path=name_or_path)
    path = tiny_causal_lm(train_texts)
    return ModelChoice(
        asked=name_or_path, path=str(path), fallback=True, kind="tiny-causal-lm", reason=reason
    )


def tiny_causal_lm(texts: Sequence[str], vocab_size: int = TINY_VOCAB, seed: int = 42) -> Path:
    """A tiny Llama with copy heads + byte-level BPE tokenizer trained on `texts`, built once and cached."""
    return cached_model("tiny-causal-lm", TINY_CONFIG, vocab_size, seed, texts, build_tiny_causal_lm)


def build_tiny_causal_lm(texts: Sequence[str], folder: Path, vocab_size: int, seed: int) -> None:
    import torch
    from transformers import LlamaForCausalLM

    tokenizer = byte_level_tokenizer(texts, vocab_size)
    tokenizer.save_pretrained(str(folder))
    torch.manual_seed(seed)
    model = LlamaForCausalLM(copy_config(len(tokenizer), tokenizer.eos_token_id, tokenizer.pad_token_id))
    sequences = tokenizer(list(texts), add_special_tokens=False)["input_ids"]
    context = context_vectors(sequences, len(tokenizer), CONTEXT_DIMS, seed=seed)
    set_copy_heads(model, seed, context).save_pretrained(str(folder))


def byte_level_tokenizer(texts: Sequence[str], vocab_size: int) -> PreTrainedTokenizerFast:
    """A GPT-2-style byte-level BPE tokenizer (any text encodes, no unknown token) trained on `texts`."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=[EOS, PAD], initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    tok.train_from_iterator(texts, trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        eos_token=EOS,
        bos_token=EOS,
        unk_token=EOS,
        pad_token=PAD,
        model_max_length=1024,
    )


def target_modules(spec: str | Sequence[str] | None) -> str | list[str] | None:
    """`lora_target_modules`: "" or None (peft's default per architecture), "all-linear", "q_proj,v_proj"."""
    if spec is None or (isinstance(spec, str) and not spec.strip()):
        return None
    if isinstance(spec, str):
        return (
            "all-linear"
            if spec.strip() == "all-linear"
            else [m.strip() for m in spec.split(",") if m.strip()]
        )
    return list(spec)


def lora_config(r: int, alpha: int, dropout: float, targets: str | Sequence[str] | None) -> LoraConfig:
    from peft import LoraConfig, TaskType

    return LoraConfig(
        task_type=TaskType.CAUSAL_LM,
        r=r,
        lora_alpha=alpha,
        lora_dropout=dropout,
        target_modules=target_modules(targets),
    )


def load_tokenizer(path: str) -> PreTrainedTokenizerBase:
    """The tokenizer with a pad token (the eos token when it has none), padding on the right for training."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "right"
    return tokenizer


def trainable_summary(model: torch.nn.Module) -> dict[str, int | float]:
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    return {"trainable": trainable, "total": total, "share": trainable / total if total else 0.0}
