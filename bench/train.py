"""Benchmark of the NER notebook's training set-up, run by hand:

    .venv/bin/python bench/train.py --run runs/pharmaconer --steps 12 --max-length 256 [--full | --reuse DIR]
    .venv/bin/python bench/train.py --run runs/pharmaconer --skip-speed --full --candidate scratch
    .venv/bin/python bench/train.py --corpus ../shared/data/pharmaconer --skip-speed --full --epochs 3

On the `dataset/tokens` view of a run folder (e.g. made from PharmaCoNER), or built from a corpus's own gold
annotations with `--corpus` (what the published scores are measured against), with the offline fallback:
1. training samples/s of the notebook's set-up (dynamic padding + length grouping) vs a naive one (every
   window padded to max_length, random order), same model, same windows, same steps, interleaved and
   repeated (best of --repeat); plus the padded-token ratio over one epoch, which no CPU noise affects;
2. the tracker's cost: the notebook's set-up for --tracker-steps with and without codecarbon's tracker
   (median of --repeat), and its fixed cost alone (start + stop around nothing);
3. entity F1 on the test split after a full CPU training of the fallback: `--full` runs the notebook with
   papermill on a copy of the run's dataset; `--reuse DIR` reads `DIR/models/ner/` of such a run;
   `--candidate scratch` measures the other fallback candidate (the small BERT built from a config).
Targets: >= 1.5x samples/s, <= 3 % tracker cost, test F1 >= 0.75. The load average is printed: on a shared
machine, timings are only comparable within one run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from runfolder import RunFolder  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
console = Console()


def gold_tokens(corpus: Path):
    """The `tokens` view of a corpus's own annotations (invalid spans left out, as `--skip-invalid`)."""
    from annotate.corpus import load_corpus
    from annotate.views import build_views

    loaded = load_corpus(corpus, skip_invalid=True)
    console.print(
        f"{corpus}: {len(loaded.documents)} documents, {len(loaded.problems)} invalid spans left out"
    )
    return build_views(loaded.documents)["tokens"]


def setup(tokens, max_length: int, candidate: str = "packaged", unit: str = "sentence"):
    """(tokenizer, model factory, train windows) with an offline fallback candidate (`packaged`: the one
    the notebook uses offline; `scratch`: the small BERT built from a config)."""
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    from notebooks.common.fallback import choose_model
    from notebooks.ner.data import label_names
    from notebooks.ner.trainer import windowed

    choice = choose_model(
        "PlanTL-GOB-ES/bsc-bio-ehr-es",
        True,
        [" ".join(t) for t in tokens["train"]["tokens"]],
        prefer=(candidate,),
    )
    tokenizer = AutoTokenizer.from_pretrained(choice.path, add_prefix_space=True)
    names = label_names(tokens["train"])

    def model():
        return AutoModelForTokenClassification.from_pretrained(
            choice.path, num_labels=len(names), id2label=dict(enumerate(names))
        )

    train = windowed(tokens["train"], tokenizer, max_length, 128, name="train", unit=unit, train=True)
    return choice, tokenizer, model, train


def train_seconds(
    model,
    tokenizer,
    train,
    steps: int,
    batch: int,
    naive: bool,
    max_length: int,
    tracker_dir: Path | None = None,
) -> float:
    """Wall seconds of `steps` training steps (after one warm-up step) with one set-up."""
    from transformers import DataCollatorForTokenClassification, TrainingArguments, set_seed

    from notebooks.common.tracking import emissions_tracker
    from notebooks.ner.trainer import NerTrainer

    set_seed(0)
    collator = (
        DataCollatorForTokenClassification(tokenizer, padding="max_length", max_length=max_length)
        if naive
        else DataCollatorForTokenClassification(tokenizer)
    )
    args = TrainingArguments(
        output_dir=tempfile.mkdtemp(),
        max_steps=steps,
        per_device_train_batch_size=batch,
        train_sampling_strategy="random" if naive else "group_by_length",
        save_strategy="no",
        eval_strategy="no",
        report_to="none",
        disable_tqdm=True,
        log_level="error",
        dataloader_pin_memory=False,
        seed=0,
    )
    trainer = NerTrainer(
        model=model(),
        args=args,
        data_collator=collator,
        train_dataset=train.dataset,
        processing_class=tokenizer,
    )
    tracker = emissions_tracker(tracker_dir, "ESP") if tracker_dir else None
    started = time.perf_counter()
    if tracker:
        tracker.start()
    trainer.train()
    if tracker:
        tracker.stop()
    shutil.rmtree(args.output_dir, ignore_errors=True)
    return time.perf_counter() - started


def padded_tokens(train, batch: int, max_length: int) -> tuple[int, int]:
    """Tokens fed to the model in one epoch: (notebook: length-grouped batches padded to their longest,
    naive: every window padded to max_length)."""
    from transformers.trainer_pt_utils import LengthGroupedSampler

    lengths = [len(w.input_ids) for w in train.windows]
    order = list(LengthGroupedSampler(batch, lengths=lengths))
    grouped = sum(
        max(lengths[i] for i in order[k : k + batch]) * len(order[k : k + batch])
        for k in range(0, len(order), batch)
    )
    return grouped, max_length * len(lengths)


def throughput(args, tokenizer, model, train) -> dict[str, float]:
    samples = args.steps * args.batch
    runs: dict[str, list[float]] = {"notebook": [], "naive": []}
    for _ in range(args.repeat):
        for name in runs:
            seconds = train_seconds(
                model, tokenizer, train, args.steps, args.batch, name == "naive", args.max_length
            )
            runs[name].append(samples / seconds)
            console.print(f"  {name}: {runs[name][-1]:.2f} samples/s")
    return {name: max(values) for name, values in runs.items()}


def tracker_cost(args, tokenizer, model, train) -> dict[str, float]:
    from notebooks.common.tracking import emissions_tracker

    runs: dict[str, list[float]] = {"without": [], "with": [], "alone": []}
    folder = Path(tempfile.mkdtemp())
    for _ in range(args.repeat):
        for name in ("without", "with"):
            tracked = folder if name == "with" else None
            runs[name].append(
                train_seconds(
                    model, tokenizer, train, args.tracker_steps, args.batch, False, args.max_length, tracked
                )
            )
            console.print(f"  {name} codecarbon: {runs[name][-1]:.1f} s")
        tracker = emissions_tracker(folder, "ESP")
        started = time.perf_counter()
        tracker.start()
        tracker.stop()
        runs["alone"].append(time.perf_counter() - started)
    shutil.rmtree(folder, ignore_errors=True)
    return {name: statistics.median(values) for name, values in runs.items()}


def full_run(args, choice, tokens) -> Path:
    """Run the notebook (papermill) with the candidate on a copy of the run's dataset; returns the run dir.
    The packaged candidate goes through the notebook's own offline fallback; another is given by path."""
    import papermill

    work = Path(tempfile.mkdtemp(prefix="bench-train-"))
    tokens.save_to_disk(str(work / "dataset" / "tokens"))
    (work / "notebooks").mkdir()
    params = {
        "run_dir": str(work),
        "allow_offline_fallback": True,
        "epochs": args.epochs,
        "learning_rate": args.learning_rate,
        "max_length": args.max_length,
        "batch_size": args.batch,
        "unit": args.unit,
    }
    if args.candidate != "packaged":
        params["model_name_or_path"] = choice.path
    os.environ["HF_HUB_OFFLINE"] = "1"
    papermill.execute_notebook(
        str(ROOT / "notebooks" / "finetune_ner.ipynb"),
        str(work / "notebooks" / "finetune_ner.ipynb"),
        parameters=params,
        cwd=str(ROOT),
        kernel_name="python3",
        progress_bar=False,
        log_output=True,
    )
    return work


def report(choice, speeds, padding, costs, full: Path | None) -> None:
    table = Table(title=f"NER training benchmark ({choice.kind}: {Path(choice.path).name})")
    for column in ("measure", "notebook set-up", "baseline", "ratio / result", "target"):
        table.add_column(column)
    if speeds:
        table.add_row(
            "training samples/s",
            f"{speeds['notebook']:.2f} (dynamic padding + length grouping)",
            f"{speeds['naive']:.2f} (pad to max_length, random)",
            f"{speeds['notebook'] / speeds['naive']:.2f}x",
            ">= 1.5x",
        )
    table.add_row(
        "tokens fed per epoch",
        f"{padding[0]:,}",
        f"{padding[1]:,}",
        f"{padding[1] / padding[0]:.2f}x fewer",
        "",
    )
    if costs:
        overhead = 100 * (costs["with"] / costs["without"] - 1)
        table.add_row(
            f"wall time, {costs['steps']:.0f} steps",
            f"{costs['with']:.1f} s with codecarbon",
            f"{costs['without']:.1f} s without",
            f"{overhead:+.1f} %",
            "<= 3 %",
        )
        table.add_row("tracker start + stop alone", f"{costs['alone']:.2f} s", "", "fixed, once per run", "")
    if full:
        metrics = json.loads((full / "models" / "ner" / "metrics.json").read_text())
        info = json.loads((full / "models" / "ner" / "training.json").read_text())
        hp = info["hyperparameters"]
        table.add_row(
            "entity F1, PharmaCoNER test",
            f"{metrics['test']['overall']['f1']:.3f} "
            f"({Path(info['model_used']).name}, {hp['epochs']} epochs, max_length {hp['max_length']})",
            "0.891 (bsc-bio-ehr-es, published)",
            f"wall {info['wall_time_s'] / 60:.0f} min, {info['steps']} steps",
            ">= 0.75",
        )
    console.print(table)
    console.print(f"load average at the end: {os.getloadavg()} on {os.cpu_count()} cores")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--run", help="run folder with dataset/tokens")
    source.add_argument("--corpus", type=Path, help="a corpus (e.g. brat) whose gold annotations to train on")
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--tracker-steps", type=int, default=120, help="steps per tracker-cost measurement")
    parser.add_argument("--skip-speed", action="store_true", help="only the F1 part")
    parser.add_argument("--full", action="store_true", help="train the fallback fully with the notebook")
    parser.add_argument("--reuse", type=Path, help="a run folder whose models/ner/ came from such a training")
    parser.add_argument(
        "--unit", choices=("sentence", "document"), default="sentence", help="the notebook's `unit`"
    )
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--learning-rate", type=float, default=1e-4)
    parser.add_argument(
        "--candidate",
        choices=("packaged", "scratch"),
        default="packaged",
        help="which offline fallback to measure (packaged is the notebook's choice)",
    )
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    console.print(f"load average at the start: {os.getloadavg()} on {os.cpu_count()} cores")
    from notebooks.common.run_inputs import load_tokens

    tokens = gold_tokens(args.corpus) if args.corpus else load_tokens(RunFolder(args.run))
    choice, tokenizer, model, train = setup(tokens, args.max_length, args.candidate, args.unit)
    console.print(choice.describe(), f"; {len(train.windows)} train windows ({args.unit})")
    speeds = costs = None
    if not args.skip_speed:
        console.print("throughput ...")
        speeds = throughput(args, tokenizer, model, train)
        console.print("tracker cost ...")
        costs = {**tracker_cost(args, tokenizer, model, train), "steps": args.tracker_steps}
    full = full_run(args, choice, tokens) if args.full else args.reuse
    report(choice, speeds, padded_tokens(train, args.batch, args.max_length), costs, full)


if __name__ == "__main__":
    main()
