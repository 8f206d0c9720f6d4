"""The file of test predictions of greedy answers (`portable.generate`, shared with the demo).

    answers = generate(model, tokenizer, prompts, max_new_tokens=64, batch_size=8)   # one string each
    write_predictions(path, test_split, indices, answers)

Prompts are token ids (as in training, `notebooks.instruct.data.generation_prompts`); batches are made of
prompts of similar length, padded on the left, and the answers come back in the order of the prompts.
Decoding stops at the end-of-sequence token; the answer is the new text only, stripped.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from notebooks.common.outputs import write_jsonl

if TYPE_CHECKING:
    from datasets import Dataset


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
