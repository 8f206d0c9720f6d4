"""The cards' plots (PNG beside the README), one per language, drawn with matplotlib (Agg, no display).

    label_distribution(dataset.label_counts, folder / "label_distribution.png", "en")
    scores_per_label(metrics.test.per_label, folder / "f1_per_label_es.png", "es")

Every value drawn is a fact the card also prints in a table, so the plot never says more than the text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cards.facts.model import LabelCount
from cards.measure.groups import GROUP_NAMES

TEXT = {
    "en": {
        "labels": "Entities per label and split",
        "entities": "entities",
        "agreement": "Agreement per label",
        "scores": "Test scores per label",
        "groups": "Test F1 per group ({level:.0%} bootstrap interval)",
        "precision": "precision",
        "recall": "recall",
        "f1": "F1",
        "alpha_u": "alpha_u",
        "sex": "sex",
        "age": "age",
    },
    "es": {
        "labels": "Entidades por etiqueta y partición",
        "entities": "entidades",
        "agreement": "Acuerdo por etiqueta",
        "scores": "Resultados en test por etiqueta",
        "groups": "F1 en test por grupo (intervalo bootstrap del {level:.0%})",
        "precision": "precisión",
        "recall": "exhaustividad",
        "f1": "F1",
        "alpha_u": "alfa_u",
        "sex": "sexo",
        "age": "edad",
    },
}


def plot_name(stem: str, lang: str) -> str:
    return f"{stem}.png" if lang == "en" else f"{stem}_{lang}.png"


def _figure(width: float = 7.0, height: float = 3.6):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(width, height), dpi=100)
    ax.spines[["top", "right"]].set_visible(False)
    return plt, fig, ax


def _bars(ax, names: Sequence[str], series: Mapping[str, Sequence[float]]) -> None:
    width = 0.8 / max(1, len(series))
    for i, (legend, values) in enumerate(series.items()):
        ax.bar([x + i * width for x in range(len(names))], values, width, label=legend)
    ax.set_xticks([x + width * (len(series) - 1) / 2 for x in range(len(names))], names, rotation=20)
    if len(series) > 1:
        ax.legend(frameon=False, fontsize=8)


def _save(plt, fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def label_distribution(counts: Sequence[LabelCount], splits: Sequence[str], path: Path, lang: str) -> Path:
    plt, fig, ax = _figure()
    _bars(ax, [c.label for c in counts], {s: [c.by_split.get(s, 0) for c in counts] for s in splits})
    ax.set_title(TEXT[lang]["labels"])
    ax.set_ylabel(TEXT[lang]["entities"])
    return _save(plt, fig, path)


def agreement_per_label(per_label: Mapping[str, Mapping[str, float | None]], path: Path, lang: str) -> Path:
    plt, fig, ax = _figure()
    metrics = sorted({m for values in per_label.values() for m in values})
    names = sorted(per_label)
    _bars(ax, names, {TEXT[lang].get(m, m): [per_label[n].get(m) or 0.0 for n in names] for m in metrics})
    ax.set_ylim(0, 1)
    ax.set_title(TEXT[lang]["agreement"])
    return _save(plt, fig, path)


def scores_per_label(per_label: Mapping[str, object], path: Path, lang: str) -> Path:
    plt, fig, ax = _figure()
    names = sorted(per_label)
    series = {TEXT[lang][m]: [getattr(per_label[n], m) for n in names] for m in ("precision", "recall", "f1")}
    _bars(ax, names, series)
    ax.set_ylim(0, 1)
    ax.set_title(TEXT[lang]["scores"])
    return _save(plt, fig, path)


def scores_per_group(
    groups: Sequence[tuple[str, float, tuple[float, float] | None]], path: Path, lang: str, level: float
) -> Path:
    """`groups`: (label, F1, bootstrap interval at `level` or None) in display order."""
    plt, fig, ax = _figure()
    names = [g[0] for g in groups]
    values = [g[1] for g in groups]
    low = [max(0.0, g[1] - g[2][0]) if g[2] else 0.0 for g in groups]
    high = [max(0.0, g[2][1] - g[1]) if g[2] else 0.0 for g in groups]
    ax.bar(range(len(names)), values, yerr=[low, high], capsize=3, color="#4C72B0")
    ax.set_xticks(range(len(names)), names, rotation=20)
    ax.set_ylim(0, 1.05)
    ax.set_title(TEXT[lang]["groups"].format(level=level))
    return _save(plt, fig, path)


def group_bars(scores: dict[str, Any], lang: str) -> list[tuple[str, float, tuple[float, float] | None]]:
    """(group name, F1, interval) of the scored sex and age groups of a bias.json `model_scores` entry."""
    return [
        (GROUP_NAMES[lang][group], s["f1"], tuple(s["ci95"]) if s["ci95"] else None)
        for kind in ("sex", "age")
        for group, s in scores[kind].items()
        if s["f1"] is not None
    ]
