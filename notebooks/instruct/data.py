"""The instruction notebook's data: `dataset/instruction` of a run, prompts, and token ids with the prompt
masked from the loss.

    data = load_instructions(RunFolder("runs/demo"))           # DatasetDict train/validation/test, checked
    prompt = prompt_text(tokenizer, "Extraiga ...", "Se pautó metformina.")
    encoded = encode_split(data["train"], tokenizer, max_length=512)
    encoded.dataset[0]   # {"input_ids": [*prompt, *answer, eos], "labels": [-100, ..., *answer, eos]}

The prompt is the tokenizer's chat template (one user turn: instruction, a blank line, the input) when it
has one, else a plain Spanish prompt (`portable.prompts`, shared with the demo).
Labels are -100 on every prompt token, so only the answer
(and the end-of-sequence token that teaches the model to stop) is learnt. A sample longer than
`max_length` keeps its whole prompt and loses the end of its answer; a prompt that leaves no room for an
answer drops the sample (counted in `EncodedSplit.dropped`).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from notebooks.common.run_inputs import load_view, malformed
from portable.prompts import prompt_ids, prompt_text, user_message
from runfolder import RunFolder

if TYPE_CHECKING:
    from datasets import Dataset, DatasetDict
    from transformers import PreTrainedTokenizerBase

IGNORE = -100
COLUMNS = ("instruction", "input", "output", "task", "template_id")
MIN_ANSWER_TOKENS = 4


class EncodedSample(TypedDict):
    input_ids: list[int]
    labels: list[int]  # IGNORE on the prompt, the answer's ids after it
    length: int


def load_instructions(run: RunFolder) -> DatasetDict:
    """The `instruction` view: train and test (validation optional), or a one-line error."""
    from datasets import DatasetDict

    data = load_view(run, "instruction")
    if not isinstance(data, DatasetDict) or not {"train", "test"} <= set(data):
        raise malformed(
            run, "instruction", f"needs the splits train and test (found {', '.join(data) or 'none'})"
        )
    for split in data:
        lacking = [c for c in COLUMNS if c not in data[split].column_names]
        if lacking:
            raise malformed(run, "instruction", f"split {split} has no column {', '.join(lacking)}")
    if len(data["train"]) == 0 or len(data["test"]) == 0:
        raise malformed(run, "instruction", "has an empty train or test split")
    return data


def answer_text(tokenizer: PreTrainedTokenizerBase, instruction: str, input: str, output: str) -> str:
    """What the model learns to write after the prompt (the chat template's end of turn included)."""
    if getattr(tokenizer, "chat_template", None):
        messages = [
            {"role": "user", "content": user_message(instruction, input)},
            {"role": "assistant", "content": output},
        ]
        full = tokenizer.apply_chat_template(messages, tokenize=False)
        prompt = prompt_text(tokenizer, instruction, input)
        if full.startswith(prompt):
            return full[len(prompt) :]
    return output


def encode(
    tokenizer: PreTrainedTokenizerBase, instruction: str, input: str, output: str, max_length: int
) -> EncodedSample | None:
    """input_ids = prompt + answer + eos, labels = -100 on the prompt; None when it does not fit."""
    prompt = prompt_ids(tokenizer, prompt_text(tokenizer, instruction, input))
    answer = list(
        tokenizer(answer_text(tokenizer, instruction, input, output), add_special_tokens=False)["input_ids"]
    )
    if tokenizer.eos_token_id is not None and (not answer or answer[-1] != tokenizer.eos_token_id):
        answer.append(tokenizer.eos_token_id)
    room = max_length - len(prompt)
    if room < min(MIN_ANSWER_TOKENS, len(answer)):
        return None
    answer = answer[:room]
    ids = prompt + answer
    return {"input_ids": ids, "labels": [IGNORE] * len(prompt) + answer, "length": len(ids)}


@dataclass
class EncodedSplit:
    dataset: Dataset  # input_ids, labels, length
    kept: list[int]  # indices of the samples of the split that were kept
    dropped: int
    truncated: int


def encode_split(split: Dataset, tokenizer: PreTrainedTokenizerBase, max_length: int) -> EncodedSplit:
    from datasets import Dataset

    rows, kept, truncated = [], [], 0
    for index, sample in enumerate(split):
        row = encode(tokenizer, sample["instruction"], sample["input"], sample["output"], max_length)
        if row is None:
            continue
        truncated += row["length"] == max_length and row["input_ids"][-1] != tokenizer.eos_token_id
        rows.append(row)
        kept.append(index)
    return EncodedSplit(Dataset.from_list(rows), kept, len(split) - len(kept), truncated)


def generation_prompts(
    split: Dataset, tokenizer: PreTrainedTokenizerBase, indices: Sequence[int]
) -> list[list[int]]:
    """The prompt ids of the samples `indices` of a split, as seen in training."""
    return [
        prompt_ids(tokenizer, prompt_text(tokenizer, split[i]["instruction"], split[i]["input"]))
        for i in indices
    ]


def balance_empty(train: Dataset, max_share: float | None, seed: int) -> tuple[Dataset, int]:
    """`train` with its extraction samples whose answer names no entity («ninguna») cut down, at random,
    to at most `max_share` of the extraction samples kept; (the split, how many were dropped).

    A remix of sentences is mostly such answers (72 % of PharmaCoNER's extraction samples): trained on
    them as they come, SmolLM2-135M answered «ninguna» to every extraction question of the test samples
    (entity F1 0 after 200 steps). None or >= 1 keeps every sample."""
    from portable.answers import EXTRACTION_TASKS, parse_answer

    if max_share is None or max_share >= 1:
        return train, 0
    empty = [
        i
        for i, (task, output) in enumerate(zip(train["task"], train["output"], strict=True))
        if task in EXTRACTION_TASKS and not parse_answer(task, output)
    ]
    extraction = sum(task in EXTRACTION_TASKS for task in train["task"])
    named = extraction - len(empty)
    # keep k empty ones so that k / (named + k) <= max_share
    keep = int(max_share * named / (1 - max_share)) if max_share > 0 else 0
    if len(empty) <= keep:
        return train, 0
    rng = random.Random(seed)
    dropped = set(rng.sample(empty, len(empty) - keep))
    return train.select([i for i in range(len(train)) if i not in dropped]), len(dropped)
