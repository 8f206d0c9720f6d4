"""Measured bias facts of a run: `bias.json`.

    bias = measure_bias(run, dataset_facts, document_texts(run))
    write_json(run.bias, bias)

The JSON shape:

    {"version": 1,
     "label_balance": {"source", "counts": {label: n}, "shares": {label: fraction}, "by_split": {split:
                       {label: n}}, "majority", "minority", "imbalance_ratio", "normalized_entropy"},
     "definitions": {how sex and age groups are found: cards.measure.groups.definitions()},
     "mentions": {"documents": n, "sex": {group: {"documents", "share", "mentions", "by_split"}},
                  "age": {...}}                       (groups: female/male, pediatric/adult/older, not_stated)
     "variety": {"recorded": bool, "source": str | null, "counts": {variety or country: documents}},
     "model_scores": {task: {"available": true, "split": "test", "source", "scheme", "documents", "interval",
                             "overall": Score, "matches_metrics": bool, "sex": {group: Score},
                             "age": {group: Score}, "gaps": {"sex"|"age": {"best", "worst", "f1_gap",
                             "intervals_overlap"}}}
                      | {"available": false, "reason": str, "missing": path | null}}}

A Score is `cards.measure.scoring.Score` (documents, support, predicted, precision, recall, f1, ci95).
Nothing here is advice: every value is counted or re-scored from the run folder.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from cards.facts.model import DatasetFacts
from cards.facts.model_folder import read_predictions, test_predictions
from cards.facts.texts import DocText, available_views, load_view
from cards.measure.groups import AGE_GROUPS, NOT_STATED, SEX_GROUPS, Groups, definitions, find_groups
from cards.measure.scoring import INTERVAL, DocCounts, document_counts, score
from runfolder import Metrics, RunFolder, RunInfo

VARIETY_KEYS = ("variety", "varieties", "country", "countries", "pais", "país")
KINDS = {"sex": SEX_GROUPS, "age": AGE_GROUPS}


def label_balance(dataset: DatasetFacts) -> dict[str, Any]:
    counts = {c.label: c.total for c in dataset.label_counts}
    present = {label: n for label, n in counts.items() if n}
    total = sum(counts.values())
    shares = [n / total for n in present.values()] if total else []
    entropy = -sum(p * math.log(p) for p in shares)
    majority = max(present, key=lambda k: present[k]) if present else None
    minority = min(present, key=lambda k: present[k]) if present else None
    return {
        "source": "dataset/bigbio_kb (every entity, nested ones included)",
        "counts": counts,
        "shares": {c.label: c.share for c in dataset.label_counts},
        "by_split": {
            split: {c.label: c.by_split.get(split, 0) for c in dataset.label_counts}
            for split in (s.split for s in dataset.splits)
        },
        "majority": majority,
        "minority": minority,
        "imbalance_ratio": present[majority] / present[minority] if majority and minority else None,
        "normalized_entropy": entropy / math.log(len(present)) if len(present) > 1 else None,
        "labels_without_entities": sorted(label for label, n in counts.items() if not n),
    }


def mentions(texts: list[DocText]) -> dict[str, Any]:
    found = [(doc, find_groups(doc.text)) for doc in texts]
    out: dict[str, Any] = {"documents": len(texts)}
    for kind, groups in KINDS.items():
        block = {}
        for group in (*groups, NOT_STATED):
            docs = [doc for doc, g in found if group in g.of(kind)]
            block[group] = {
                "documents": len(docs),
                "share": len(docs) / len(texts) if texts else 0.0,
                "mentions": sum(
                    1 for _, g in found for m in g.mentions if m.kind == kind and m.group == group
                ),
                "by_split": dict(sorted(Counter(doc.split for doc in docs).items())),
            }
        out[kind] = block
    return out


def variety(run: RunFolder) -> dict[str, Any]:
    info = run.read_json(run.run_json, RunInfo)
    extra = info.corpus.model_dump()  # declared fields (country) and extras a team added
    for key in VARIETY_KEYS:
        if extra.get(key):
            values = extra[key] if isinstance(extra[key], list) else [extra[key]]
            return {
                "recorded": True,
                "source": f"run.json corpus.{key}",
                "counts": {str(v): None for v in values},
            }
    if "instruction" in available_views(run):
        data = load_view(run, "instruction")
        for column in ("pais", "país", "variedad"):
            if all(column in data[split].column_names for split in data):
                counts = Counter(str(v) for split in data for v in data[split][column] if v)
                if counts:
                    source = f"dataset/instruction column {column}"
                    return {"recorded": True, "source": source, "counts": dict(sorted(counts.items()))}
    return {"recorded": False, "source": None, "counts": {}}


def _gap(scores: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """The best and worst scored group of one kind, the F1 gap, and whether their intervals overlap."""
    scored = {g: s for g, s in scores.items() if g != NOT_STATED and s["f1"] is not None}
    if len(scored) < 2:
        return None
    best = max(scored, key=lambda g: scored[g]["f1"])
    worst = min(scored, key=lambda g: scored[g]["f1"])
    best_ci, worst_ci = scored[best]["ci95"], scored[worst]["ci95"]
    overlap = None if not (best_ci and worst_ci) else best_ci[0] <= worst_ci[1]
    return {
        "best": best,
        "worst": worst,
        "f1_gap": scored[best]["f1"] - scored[worst]["f1"],
        "intervals_overlap": overlap,
    }


def model_scores(run: RunFolder, task: str, texts: dict[str, str], metrics_f1: float) -> dict[str, Any]:
    path = test_predictions(run, task)
    if task != "ner":
        return {
            "available": False,
            "reason": "per-group entity scores need tag predictions (ner)",
            "missing": None,
        }
    if not path.exists():
        missing = path.relative_to(run.path).as_posix()
        return {"available": False, "reason": f"{missing} is missing", "missing": missing}
    rows = read_predictions(path)
    counts: list[tuple[DocCounts, Groups]] = []
    for row in rows:
        text = texts.get(str(row["id"])) or " ".join(row.get("tokens") or [])
        counts.append((document_counts(row["gold"], row["pred"]), find_groups(text)))
    overall = score([c for c, _ in counts]).model_dump()
    out: dict[str, Any] = {
        "available": True,
        "split": "test",
        "source": path.relative_to(run.path).as_posix(),
        "scheme": "IOB2 strict (seqeval), entity level, micro average",
        "documents": len(rows),
        "interval": dict(INTERVAL),
        "overall": overall,
        "matches_metrics": overall["f1"] is not None and abs(overall["f1"] - metrics_f1) < 1e-6,
    }
    for kind, groups in KINDS.items():
        out[kind] = {
            g: score([c for c, found in counts if g in found.of(kind)]).model_dump()
            for g in (*groups, NOT_STATED)
        }
    out["gaps"] = {kind: _gap(out[kind]) for kind in KINDS}
    return out


def measure_bias(run: RunFolder, dataset: DatasetFacts, texts: list[DocText]) -> dict[str, Any]:
    by_id = {doc.id: doc.text for doc in texts}
    scores = {}
    for task in run.model_tasks():
        metrics = run.read_json(run.model(task) / "metrics.json", Metrics)
        scores[task] = model_scores(run, task, by_id, metrics.test.overall.f1)
    return {
        "version": 1,
        "label_balance": label_balance(dataset),
        "definitions": definitions(),
        "mentions": mentions(texts),
        "variety": variety(run),
        "model_scores": scores,
    }
