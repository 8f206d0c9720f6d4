"""Benchmark of the instruction notebook's set-up, run by hand:

    .venv/bin/python bench/instruct.py --run runs/pharmaconer [--steps 24] [--train-steps 1000] [--test 200]

On `dataset/instruction` of a run folder (e.g. `annotate remix` of PharmaCoNER), with the notebook's tiny
offline model (notebooks/instruct/model.py) and LoRA on every linear layer:
1. training tokens/s of the notebook's set-up (prompt masking, dynamic padding, length grouping) vs a naive
   one (every sample padded to max_length, random order), same model, same samples, same steps,
   interleaved and repeated (best of --repeat); tokens = real (non-padding) tokens of the batches, so both
   count the same work; plus the share of padding tokens over those steps, which no CPU noise affects;
2. scores on --test test samples (same sample for both) of the tiny model before and after --train-steps
   of tuning with the notebook's set-up: entity F1 (extraction), exact match, ROUGE-L, accuracy per task.
Targets: >= 1.5x tokens/s; after beats before on every metric. The load average is printed: on a shared
machine, timings are only comparable within one run.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from runfolder import RunFolder  # noqa: E402

console = Console()
ASKED = "bigscience/bloom-560m"


def setup(run: RunFolder, samples: int, max_length: int, seed: int):
    """(data, tokenizer, model factory, encoded train subset) as the notebook builds them offline."""
    from peft import get_peft_model
    from transformers import AutoModelForCausalLM

    from notebooks.instruct.data import encode_split, load_instructions
    from notebooks.instruct.model import choose_causal_model, load_tokenizer, lora_config

    data = load_instructions(run)
    texts = sorted(
        {t for row in data["train"] for t in (row["instruction"], row["input"], row["output"]) if t}
    )
    choice = choose_causal_model(ASKED, True, texts)
    tokenizer = load_tokenizer(choice.path)
    subset = data["train"].shuffle(seed=seed).select(range(min(samples, len(data["train"]))))

    def model():
        base = AutoModelForCausalLM.from_pretrained(choice.path)
        return get_peft_model(base, lora_config(16, 32, 0.0, "all-linear"))

    return data, tokenizer, model, encode_split(subset, tokenizer, max_length)


def trainer_for(model, tokenizer, dataset, steps: int, batch: int, naive: bool, max_length: int, lr: float):
    from transformers import DataCollatorForSeq2Seq, Trainer, TrainingArguments

    collator = DataCollatorForSeq2Seq(
        tokenizer,
        padding="max_length" if naive else True,
        max_length=max_length if naive else None,
        label_pad_token_id=-100,
    )
    args = TrainingArguments(
        output_dir=tempfile.mkdtemp(prefix="bench-instruct-"),
        max_steps=steps,
        learning_rate=lr,
        per_device_train_batch_size=batch,
        train_sampling_strategy="random" if naive else "group_by_length",
        warmup_steps=0.03,
        lr_scheduler_type="cosine",
        save_strategy="no",
        report_to="none",
        disable_tqdm=True,
        logging_steps=max(1, steps // 10),
        log_level="error",
        dataloader_pin_memory=False,
        seed=0,
    )
    return Trainer(model=model, args=args, train_dataset=dataset, data_collator=collator)


def throughput(
    tokenizer, model, encoded, steps: int, batch: int, max_length: int, naive: bool
) -> tuple[float, float]:
    """(real tokens/s, share of padding tokens) over `steps` steps on exactly steps * batch samples."""
    from transformers import set_seed

    set_seed(0)
    dataset = encoded.dataset.select(range(steps * batch))
    trainer = trainer_for(model(), tokenizer, dataset, steps, batch, naive, max_length, 1e-3)
    started = time.perf_counter()
    trainer.train()
    seconds = time.perf_counter() - started
    real = sum(dataset["length"])
    padded = steps * batch * max_length if naive else padded_tokens(trainer, dataset)
    return real / seconds, 1 - real / padded


def padded_tokens(trainer, dataset) -> int:
    """Tokens the grouped, dynamically padded batches hold (padding included), over one pass."""
    loader = trainer.get_train_dataloader()
    return sum(int(b["input_ids"].numel()) for b in loader)


def evaluate(model, tokenizer, test, max_new_tokens: int, batch: int):
    from notebooks.instruct.data import generation_prompts
    from notebooks.instruct.metrics import score
    from portable.generate import generate

    indices = list(range(len(test)))
    answers = generate(model, tokenizer, generation_prompts(test, tokenizer, indices), max_new_tokens, batch)
    return score(test["task"], test["template_id"], test["output"], answers, model="bench")


def metric_rows(metrics) -> dict[str, float]:
    rows = {
        "entity F1 (extraction)": metrics.test.overall.f1,
        "exact match (all)": metrics.test.extra["exact_match"],
        "ROUGE-L (all)": metrics.test.extra["rouge_l"],
    }
    for task, scores in metrics.per_task.items():
        if "/" not in task and not task.startswith("extraccion"):
            rows[f"accuracy {task}"] = scores.overall.f1
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--run", type=Path, required=True)
    parser.add_argument("--steps", type=int, default=24, help="steps per throughput measurement")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--max-length", type=int, default=512)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--train-steps", type=int, default=1000)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--test", type=int, default=200, help="test samples generated before and after")
    parser.add_argument("--max-new-tokens", type=int, default=48)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    import transformers

    transformers.logging.set_verbosity_error()
    console.print(
        f"load average {os.getloadavg()}, {os.cpu_count()} cores, torch threads {torch.get_num_threads()}"
    )
    run = RunFolder(args.run)
    samples = max(args.steps * args.batch, args.train_steps * args.batch)
    data, tokenizer, model, encoded = setup(run, samples, args.max_length, seed=0)
    speed = {"notebook": [], "naive": []}
    for _ in range(args.repeat):
        for name in speed:
            speed[name].append(
                throughput(
                    tokenizer, model, encoded, args.steps, args.batch, args.max_length, name == "naive"
                )
            )
    table = Table(
        title=f"training throughput ({args.steps} steps x {args.batch} samples, max_length {args.max_length})"
    )
    for column in ("set-up", "real tokens/s (best)", "padding share", "speed-up"):
        table.add_column(column)
    best = {name: max(s for s, _ in runs) for name, runs in speed.items()}
    for name, runs in speed.items():
        table.add_row(name, f"{best[name]:,.0f}", f"{runs[0][1]:.1%}", f"{best[name] / best['naive']:.2f}x")
    console.print(table)

    test = data["test"].shuffle(seed=0).select(range(min(args.test, len(data["test"]))))
    tuned = model()
    before = metric_rows(evaluate(tuned, tokenizer, test, args.max_new_tokens, args.batch))
    started = time.perf_counter()
    train = encoded.dataset.select(range(min(len(encoded.dataset), args.train_steps * args.batch)))
    trainer_for(
        tuned, tokenizer, train, args.train_steps, args.batch, False, args.max_length, args.lr
    ).train()
    minutes = (time.perf_counter() - started) / 60
    after = metric_rows(evaluate(tuned, tokenizer, test, args.max_new_tokens, args.batch))
    table = Table(
        title=f"tiny model, {len(test)} test samples: before vs after {args.train_steps} steps "
        f"({minutes:.1f} min)"
    )
    for column in ("metric", "before", "after", "after > before"):
        table.add_column(column)
    for name in before:
        table.add_row(
            name, f"{before[name]:.3f}", f"{after[name]:.3f}", "yes" if after[name] > before[name] else "NO"
        )
    console.print(table)
    console.print(f"load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
