"""Benchmark of the NER notebook's training set-up, run by hand:

    .venv/bin/python bench/train.py --run runs/pharmaconer --steps 12 --max-length 256 [--full | --reuse DIR]
    .venv/bin/python bench/train.py --run runs/pharmaconer --skip-speed --full --candidate scratch
    .venv/bin/python bench/train.py --corpus ../shared/data/pharmaconer --skip-speed --full [--epochs 3]
    .venv/bin/python bench/train.py --corpus ../shared/data/pharmaconer --sweep [--candidate scratch]

On the `dataset/tokens` view of a run folder (e.g. made from PharmaCoNER), or built from a corpus's own gold
annotations with `--corpus` (what the published scores are measured against), with the offline fallback:
1. training samples/s of the notebook's set-up (dynamic padding + length grouping) vs a naive one (every
   window padded to max_length, random order), same model, same windows, same steps, interleaved and
   repeated (best of --repeat); plus the padded-token ratio over one epoch, which no CPU noise affects;
2. the tracker's cost: the notebook's set-up for --tracker-steps with and without codecarbon's tracker
   (median of --repeat), and its fixed cost alone (start + stop around nothing);
3. entity F1 on the test split after a full CPU training of the fallback: `--full` runs the notebook with
   papermill on a copy of the run's dataset, with the fallback's own defaults for every parameter not
   given here (--epochs, --learning-rate, --max-length, --batch); `--reuse DIR` reads `DIR/models/ner/`
   of such a run;
   `--candidate scratch` measures the other fallback candidate (the small BERT built from a config).
4. `--sweep`: the fallback's training defaults. Learning rate x epochs (`--sweep-lr`, `--sweep-epochs`) on
   the notebook's windows (`--unit`, sentences by default) and training set-up, on a seeded subset of each
   split (`--sweep-docs` train/validation/test documents) so that it fits in an hour on 2 shared cores;
   each configuration trains the fallback from its pretrained weights, then scores whole documents
   (entity level, strict IOB2) on validation and test. The table prints as it goes (and is kept under
   bench/results/ after each row); the configuration with the best validation F1 (the notebook keeps
   its checkpoints by validation F1 too; fewer epochs on a tie) becomes the `values` of the fallback's
   defaults file (`notebooks/ner/fallback_defaults.json`, with the command, the subset and the table),
   which the notebook reads when it falls back. `--extend` adds configurations to that file's table.
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

from runfolder import RunFolder, now, write_json  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
console = Console()
# TrainingArguments of a timed training: no evaluation, no checkpoint, no progress output
QUIET = dict(
    eval_strategy="no",
    save_strategy="no",
    report_to="none",
    disable_tqdm=True,
    log_level="error",
    dataloader_pin_memory=False,
)


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
        seed=0,
        **QUIET,
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
    params = {"run_dir": str(work), "allow_offline_fallback": True, "unit": args.unit, **args.given}
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


def subset(tokens, sizes: dict[str, int], seed: int):
    """A seeded random subset of each split (`sizes[split]` documents, in their original order)."""
    import random

    from datasets import DatasetDict

    rng = random.Random(seed)
    picked = {}
    for split, data in tokens.items():
        n = min(sizes[split], len(data))
        picked[split] = data.select(sorted(rng.sample(range(len(data)), n)))
    return DatasetDict(picked)


def sweep_row(args, choice, tokenizer, model, windows, learning_rate: float, epochs: int) -> dict:
    """Train the fallback once as the notebook does (no per-epoch evaluation) and score it."""
    from transformers import DataCollatorForTokenClassification, TrainingArguments, set_seed

    from notebooks.ner.metrics import entity_labels, entity_scores
    from notebooks.ner.trainer import NerTrainer, argmax, predict_tags

    train, valid, test = windows
    set_seed(args.seed)  # the same classifier initialisation and batch order for every configuration
    started = time.perf_counter()
    output_dir = tempfile.mkdtemp(prefix="bench-sweep-")
    targs = TrainingArguments(
        output_dir=output_dir,
        num_train_epochs=epochs,
        learning_rate=learning_rate,
        per_device_train_batch_size=args.batch,
        per_device_eval_batch_size=2 * args.batch,
        warmup_steps=args.warmup_ratio,  # a float < 1 is a ratio of the steps, as in the notebook
        weight_decay=0.01,
        seed=args.seed,
        train_sampling_strategy="group_by_length",
        **QUIET,
    )
    trainer = NerTrainer(
        model=model(),
        args=targs,
        processing_class=tokenizer,
        data_collator=DataCollatorForTokenClassification(tokenizer),
        train_dataset=train.dataset,
        preprocess_logits_for_metrics=argmax,
    )
    result = trainer.train()
    labels = entity_labels(trainer.model.config.id2label.values())
    scores = {}
    for split in (valid, test):
        pred, _ = predict_tags(trainer, split)
        scores[split.name] = entity_scores(split.gold, pred, labels).overall
    shutil.rmtree(output_dir, ignore_errors=True)
    return {
        "learning_rate": learning_rate,
        "epochs": epochs,
        "validation_f1": round(scores["validation"].f1, 4),
        "test_f1": round(scores["test"].f1, 4),
        "test_precision": round(scores["test"].precision, 4),
        "test_recall": round(scores["test"].recall, 4),
        "steps": result.global_step,
        "wall_s": round(time.perf_counter() - started, 1),
    }


def chosen(rows: list[dict]) -> dict:
    """The best validation F1; fewer epochs, then the lower learning rate, on a tie."""
    return max(rows, key=lambda r: (r["validation_f1"], -r["epochs"], -r["learning_rate"]))


def extended(out: Path, record: dict) -> list[dict]:
    """The rows of an earlier sweep in `out`, to add configurations to (`--extend`): same model, subset
    and fixed values, or it stops; `record["measured_by"]` becomes both commands."""
    try:
        earlier = json.loads(out.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SystemExit(f"{out}: no earlier sweep to extend ({exc}); run without --extend") from exc
    same = ("model", "fallback_kind", "subset", "fixed")
    if any(earlier.get(key) != record[key] for key in same):
        raise SystemExit(f"{out}: its sweep used another model, subset or fixed values; run without --extend")
    record["measured_by"] = f"{earlier['measured_by']} && {record['measured_by']}"
    return list(earlier["sweep"])


def sweep(args, tokens) -> None:
    import torch

    from notebooks.common.fallback import PACKAGED_HUB_ID
    from notebooks.ner.trainer import windowed

    torch.set_num_threads(args.threads)  # more threads than free cores thrash on a shared machine
    sizes = dict(zip(("train", "validation", "test"), args.sweep_docs, strict=True))
    part = subset(tokens, sizes, args.seed)
    choice, tokenizer, model, train = setup(part, args.max_length, args.candidate, args.unit)
    valid, test = (
        windowed(part[s], tokenizer, args.max_length, 128, sort_by_length=True, name=s, unit=args.unit)
        for s in ("validation", "test")
    )
    split_at_max = sum(len(w.input_ids) >= args.max_length for w in train.windows)
    console.print(
        choice.describe(),
        f"; {sizes} documents -> {len(train.windows)} train {args.unit} windows "
        f"({split_at_max} at max_length {args.max_length}), {len(valid.windows)} validation, "
        f"{len(test.windows)} test; {args.threads} thread(s)",
    )
    command = ".venv/bin/python " + " ".join(sys.argv)
    fixed = {"batch_size": args.batch, "max_length": args.max_length, "warmup_ratio": args.warmup_ratio}
    record = {
        "model": PACKAGED_HUB_ID if choice.kind == "packaged" else choice.path,
        "fallback_kind": choice.kind,
        "measured_by": command,
        "subset": {
            "corpus": str(args.corpus or args.run),
            "documents": sizes,
            "seed": args.seed,
            "unit": args.unit,
            "train_windows": len(train.windows),
            "note": "a seeded random subset of each split, to fit the sweep in an hour on 2 shared CPU cores",
        },
        "fixed": {**fixed, "weight_decay": 0.01, "threads": args.threads},
        "chosen_by": "highest validation entity F1 (fewer epochs, then lower learning rate, on a tie)",
    }
    out = args.defaults_file or ROOT / "notebooks" / "ner" / (
        "fallback_defaults.json" if choice.kind == "packaged" else f"fallback_defaults_{choice.kind}.json"
    )
    rows: list[dict] = extended(out, record) if args.extend else []
    done = {(r["learning_rate"], r["epochs"]) for r in rows}
    partial = ROOT / "bench" / "results" / f"train-sweep-{choice.kind}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    columns = ("lr", "epochs", "valid F1", "test F1", "test P", "test R", "steps", "wall s")
    print("".join(f"{c:>9}" for c in columns), flush=True)  # plain lines: the log of a nohup run
    for epochs in args.sweep_epochs:
        for learning_rate in args.sweep_lr:
            if (learning_rate, epochs) in done:
                continue
            row = sweep_row(args, choice, tokenizer, model, (train, valid, test), learning_rate, epochs)
            rows.append(row)
            cells = (learning_rate, epochs, *(row[k] for k in list(row)[2:]))
            print("".join(f"{c:>9g}" for c in cells), f"  load {os.getloadavg()[0]:.1f}", flush=True)
            write_json(partial, {**record, "sweep": rows, "measured_at": now()})  # the table so far
    best = chosen(rows)
    if best["validation_f1"] == 0:
        raise SystemExit(
            f"every configuration left the model tagging no entity (table in {partial}); "
            "nothing written: sweep more epochs or higher learning rates (--sweep-epochs, --sweep-lr)"
        )
    values = {"learning_rate": best["learning_rate"], "epochs": best["epochs"], **fixed}
    write_json(out, {**record, "values": values, "measured_at": now(), "sweep": rows})
    console.print(
        f"chosen: learning_rate {best['learning_rate']:g}, {best['epochs']} epochs "
        f"(validation F1 {best['validation_f1']:.3f}, test F1 {best['test_f1']:.3f}); wrote {out}"
    )


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
            f"({Path(info['model_used']).name}, lr {hp['learning_rate']:g}, {hp['epochs']} epochs, "
            f"max_length {hp['max_length']})",
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
    parser.add_argument("--batch", type=int, help="16 unless given")
    parser.add_argument("--max-length", type=int, help="256, or 128 in the sweep (sentence windows)")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--tracker-steps", type=int, default=120, help="steps per tracker-cost measurement")
    parser.add_argument("--skip-speed", action="store_true", help="only the F1 part")
    parser.add_argument("--full", action="store_true", help="train the fallback fully with the notebook")
    parser.add_argument("--reuse", type=Path, help="a run folder whose models/ner/ came from such a training")
    parser.add_argument(
        "--unit", choices=("sentence", "document"), default="sentence", help="the notebook's `unit`"
    )
    parser.add_argument("--epochs", type=int, help="--full: the fallback's own unless given")
    parser.add_argument("--learning-rate", type=float, help="--full: the fallback's own unless given")
    parser.add_argument("--sweep", action="store_true", help="measure the fallback's training defaults")
    parser.add_argument("--sweep-lr", type=float, nargs="+", default=[5e-5, 1e-4, 2e-4, 4e-4])
    parser.add_argument("--sweep-epochs", type=int, nargs="+", default=[2, 4])
    parser.add_argument(
        "--sweep-docs",
        type=int,
        nargs=3,
        default=[80, 40, 80],
        metavar=("TRAIN", "VALIDATION", "TEST"),
        help="documents of each split in the sweep's seeded subset",
    )
    parser.add_argument(
        "--extend", action="store_true", help="add the configurations to the table of the defaults file"
    )
    parser.add_argument("--warmup-ratio", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--threads", type=int, default=1, help="torch threads in the sweep")
    parser.add_argument(
        "--defaults-file",
        type=Path,
        help="where the sweep writes (default: notebooks/ner/fallback_defaults*.json)",
    )
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
    named = {"epochs": args.epochs, "learning_rate": args.learning_rate, "max_length": args.max_length}
    args.given = {k: v for k, v in {**named, "batch_size": args.batch}.items() if v is not None}
    args.batch = args.batch or 16
    if args.max_length is None:  # sentences: 1-2 % of them are longer than 128 and become two windows
        args.max_length = 128 if args.sweep else 256
    if args.sweep:
        sweep(args, tokens)
        return
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
