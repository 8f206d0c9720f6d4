"""The two plots of an instruction run, PNG with matplotlib (Agg, no display needed).

learning_curve(trainer.state.log_history, out / "plots" / "learning_curve.png")
scores_per_task(metrics, out / "plots" / "scores_per_task.png")
"""

from __future__ import annotations

from pathlib import Path

from notebooks.common.figures import pyplot, save
from runfolder import Metrics


def learning_curve(log_history: list[dict[str, float]], path: Path) -> Path:
    """Training loss per logging step and validation loss per evaluation (answer tokens only)."""
    plt = pyplot()
    train = [(h["step"], h["loss"]) for h in log_history if "loss" in h]
    evals = [(h["step"], h["eval_loss"]) for h in log_history if "eval_loss" in h]
    fig, ax = plt.subplots(figsize=(7, 4))
    if train:
        ax.plot(*zip(*train, strict=True), label="train loss", color="tab:blue")
    if evals:
        ax.plot(*zip(*evals, strict=True), "o--", label="validation loss", color="tab:cyan")
    ax.set_xlabel("step")
    ax.set_ylabel("loss (answer tokens)")
    ax.legend()
    ax.set_title("Learning curve")
    return save(fig, path)


def scores_per_task(metrics: Metrics, path: Path) -> Path:
    """Exact match, ROUGE-L and the main score (entity F1 or accuracy) per task on the test split; with
    `metrics.before`, the zero-shot scores of the base model as hatched bars beside each."""
    plt = pyplot()
    tasks = [name for name in sorted(metrics.per_task) if "/" not in name]
    before = metrics.before.per_task if metrics.before else {}
    series = [
        ("exact match", lambda m: m.extra["exact_match"]),
        ("ROUGE-L", lambda m: m.extra["rouge_l"]),
        ("entity F1 / accuracy", lambda m: m.overall.f1),
    ]
    bars = [
        (f"{name} (before)", [get(before[t]) if t in before else 0.0 for t in tasks], "//")
        for name, get in series
        if before
    ]
    bars += [(name, [get(metrics.per_task[t]) for t in tasks], "") for name, get in series]
    fig, ax = plt.subplots(figsize=(max(5, (1.6 + 1.2 * bool(before)) * len(tasks)), 4))
    width = 0.8 / len(bars)
    colors = ["tab:blue", "tab:orange", "tab:green"]
    for i, (name, values, hatch) in enumerate(bars):
        color = colors[i % len(series)]
        ax.bar(
            [j + i * width for j in range(len(tasks))],
            values,
            width,
            label=name,
            color=color,
            hatch=hatch,
            alpha=0.45 if hatch else 1.0,
        )
    ticks = [f"{t}\n(n={int(metrics.per_task[t].extra['samples'])})" for t in tasks]
    ax.set_xticks([j + width * (len(bars) - 1) / 2 for j in range(len(tasks))], ticks, fontsize=8)
    ax.set_ylim(0, 1)
    ax.legend(fontsize=7, ncol=2 if before else 1)
    ax.set_title("Scores per task (test)" + (": before tuning (hatched) and after" if before else ""))
    return save(fig, path)
