"""Greedy answers of a causal LM to prompts, batched: the same decoding on test and in the demo.

    answers = generate(model, tokenizer, prompts, max_new_tokens=64, batch_size=8)   # one string each

Prompts are token ids (`portable.prompts.prompt_ids`); batches are made of prompts of similar length,
padded on the left, and the answers come back in the order of the prompts. Decoding stops at the
end-of-sequence token; the answer is the new text only, stripped. `model` is a transformers causal LM
(or a peft model around one); its `generate` runs without gradients. Standard library only: the Space
copies this package whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def generate(
    model: Any, tokenizer: Any, prompts: Sequence[Sequence[int]], max_new_tokens: int, batch_size: int = 8
) -> list[str]:
    order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]))
    answers: list[str] = [""] * len(prompts)
    side, tokenizer.padding_side = tokenizer.padding_side, "left"
    model.eval()
    try:
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            batch = tokenizer.pad({"input_ids": [list(prompts[i]) for i in chunk]}, return_tensors="pt")
            out = model.generate(
                **batch,
                max_new_tokens=max_new_tokens,
                do_sample=False,
                pad_token_id=tokenizer.pad_token_id,
                eos_token_id=tokenizer.eos_token_id,
            )
            new = out[:, batch["input_ids"].shape[1] :]
            for i, ids in zip(chunk, new, strict=True):
                answers[i] = tokenizer.decode(ids, skip_special_tokens=True).strip()
    finally:
        tokenizer.padding_side = side
    return answers
