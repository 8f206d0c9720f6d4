"""The two plots of a NER run, PNG with matplotlib (Agg, no display needed).

learning_curve(trainer.state.log_history, out / "plots" / "learning_curve.png")
per_label_f1(metrics, out / "plots" / "per_label_f1.png")
"""

from __future__ import annotations

from pathlib import Path

from notebooks.common.figures import pyplot, save
from runfolder import Metrics


def learning_curve(log_history: list[dict[str, float]], path: Path) -> Path:
    """Training loss and validation loss per step (left axis), validation entity F1 per eval (right)."""
    plt = pyplot()
    train = [(h["step"], h["loss"]) for h in log_history if "loss" in h]
    evals = [h for h in log_history if "eval_f1" in h]
    fig, ax = plt.subplots(figsize=(7, 4))
    if train:
        ax.plot(*zip(*train, strict=True), label="train loss", color="tab:blue")
    if evals:
        ax.plot(
            [h["step"] for h in evals],
            [h["eval_loss"] for h in evals],
            "o--",
            label="validation loss",
            color="tab:cyan",
        )
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    f1_axis = ax.twinx()
    f1_axis.plot(
        [h["step"] for h in evals],
        [h["eval_f1"] for h in evals],
        "s-",
        color="tab:red",
        label="validation entity F1",
    )
    f1_axis.set_ylabel("entity F1")
    f1_axis.set_ylim(0, 1)
    lines = ax.get_legend_handles_labels()[0] + f1_axis.get_legend_handles_labels()[0]
    ax.legend(lines, [line.get_label() for line in lines], loc="center right")
    ax.set_title("Learning curve")
    return save(fig, path)


def per_label_f1(metrics: Metrics, path: Path) -> Path:
    """Entity F1 per label on validation and test, with the gold support in the tick labels."""
    plt = pyplot()
    labels = sorted(metrics.test.per_label)
    splits = [("test", metrics.test)] + ([("validation", metrics.validation)] if metrics.validation else [])
    fig, ax = plt.subplots(figsize=(max(5, 1.4 * len(labels)), 4))
    width = 0.8 / len(splits)
    for i, (name, split) in enumerate(splits):
        xs = [j + i * width for j in range(len(labels))]
        ax.bar(xs, [split.per_label[label].f1 for label in labels], width, label=name)
    ticks = [f"{label}\n(n={metrics.test.per_label[label].support})" for label in labels]
    ax.set_xticks([j + width * (len(splits) - 1) / 2 for j in range(len(labels))], ticks, fontsize=8)
    ax.set_ylim(0, 1)
    ax.set_ylabel("entity F1 (strict IOB2)")
    ax.legend()
    ax.set_title("F1 per label")
    return save(fig, path)
