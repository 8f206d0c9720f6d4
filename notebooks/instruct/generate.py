"""Greedy answers of a causal LM to prompts, batched, and the file of test predictions.

    answers = generate(model, tokenizer, prompts, max_new_tokens=64, batch_size=8)   # one string each
    write_predictions(path, test_split, indices, answers)

Prompts are token ids (as in training, `notebooks.instruct.data.generation_prompts`); batches are made of
prompts of similar length, padded on the left, and the answers come back in the order of the prompts.
Decoding stops at the end-of-sequence token; the answer is the new text only, stripped.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from notebooks.common.outputs import write_jsonl

if TYPE_CHECKING:
    from datasets import Dataset
    from transformers import PreTrainedTokenizerBase


def generate(
    model: Any,  # a transformers causal LM or a peft model around one: anything with `generate`
    tokenizer: PreTrainedTokenizerBase,
    prompts: Sequence[Sequence[int]],
    max_new_tokens: int,
    batch_size: int = 8,
) -> list[str]:
    import torch

    order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]))
    answers: list[str] = [""] * len(prompts)
    side, tokenizer.padding_side = tokenizer.padding_side, "left"
    model.eval()
    try:
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            batch = tokenizer.pad({"input_ids": [list(prompts[i]) for i in chunk]}, return_tensors="pt")
            with torch.inference_mode():
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


def write_predictions(path: Path, split: Dataset, indices: Sequence[int], answers: Sequence[str]) -> None:
    """One JSON line per generated test sample: id, task, template_id, instruction, input, gold, pred."""
    write_jsonl(path, generation_rows(split, indices, answers))


def generation_rows(
    split: Dataset, indices: Sequence[int], answers: Sequence[str]
) -> Iterator[dict[str, str]]:
    for index, answer in zip(indices, answers, strict=True):
        sample = split[index]
        yield {
            "id": sample.get("id", str(index)),
            "task": sample["task"],
            "template_id": sample["template_id"],
            "instruction": sample["instruction"],
            "input": sample["input"],
            "gold": sample["output"],
            "pred": answer,
        }
