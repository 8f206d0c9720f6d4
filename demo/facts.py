"""The run folder -> `DemoConfig`: the model card's key facts, examples from the test split, the links.

    config = demo_config(RunFolder("runs/demo"), model_repo="org/demo-ner", dataset_repo="org/demo")

Facts: test scores from `models/ner/metrics.json` (`Metrics`), emissions in grams from the last row of
`models/ner/emissions.csv` (codecarbon appends one row per tracked run; its `emissions` column is kg
CO2eq, `energy_consumed` kWh), training time from `training.json` when present. Examples: the texts of
the first test documents of `dataset/bigbio_kb` (passages), else rebuilt from `dataset/tokens`
(tokens put back at their `token_offsets`).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from annotate.runfolder import Metrics, RunFolder, RunFolderError, RunInfo, TrainingInfo
from demo.config import MAX_CHARS, DemoConfig, Facts

EXAMPLES = 5


def read_emissions(path: Path) -> tuple[float | None, float | None]:
    """(grams CO2eq, kWh) of the last row of a codecarbon emissions.csv; (None, None) when it is missing."""
    if not path.exists():
        return None, None
    with path.open(newline="", encoding="utf-8") as lines:
        rows = list(csv.DictReader(lines))
    try:
        last = rows[-1]
        energy = last.get("energy_consumed")
        return float(last["emissions"]) * 1000, float(energy) if energy else None
    except (IndexError, KeyError, ValueError) as exc:
        raise RunFolderError(
            f"{path} has no usable `emissions` value ({exc!r}); re-run the training notebook with codecarbon"
        ) from None


def load_facts(run: RunFolder, task: str = "ner") -> Facts:
    folder = run.require(run.model(task))
    metrics: Metrics = run.read_json(folder / "metrics.json", Metrics)
    grams, kwh = read_emissions(folder / "emissions.csv")
    training = folder / "training.json"
    seconds = run.read_json(training, TrainingInfo).wall_time_s if training.exists() else None
    test = metrics.test.overall
    return Facts(
        test_f1=test.f1,
        test_precision=test.precision,
        test_recall=test.recall,
        test_support=test.support,
        per_label_f1={label: s.f1 for label, s in metrics.test.per_label.items()},
        scheme=metrics.scheme,
        emissions_g=grams,
        energy_kwh=kwh,
        training_s=seconds,
    )


def rebuild_text(tokens: list[str], offsets: list[list[int]]) -> str:
    """Tokens put back at their character offsets, gaps filled with spaces."""
    out: list[str] = []
    position = 0
    for token, (start, end) in zip(tokens, offsets, strict=True):
        out.append(" " * max(0, start - position) + token)
        position = max(position, end)
    return "".join(out)


def _test_split(path: Path):
    from datasets import load_from_disk

    splits = load_from_disk(str(path))
    name = next((s for s in ("test", "validation", "train") if s in splits), None)
    return splits[name] if name else []


def example_texts(run: RunFolder, count: int = EXAMPLES, max_chars: int = MAX_CHARS) -> list[str]:
    """Texts of the first `count` test documents that fit in `max_chars` ([] when there is no dataset)."""
    bigbio, tokens = run.dataset_view("bigbio_kb"), run.dataset_view("tokens")
    if bigbio.exists():
        texts = ["\n".join(t for p in row["passages"] for t in p["text"]) for row in _test_split(bigbio)]
    elif tokens.exists():
        texts = [rebuild_text(row["tokens"], row["token_offsets"]) for row in _test_split(tokens)]
    else:
        return []
    return [t.strip() for t in texts if t.strip() and len(t) <= max_chars][:count]


def describe(run: RunFolder, labels: list[str]) -> str:
    """One paragraph from run.json (corpus, licence) and the labels; nothing typed by hand."""
    kinds = ", ".join(f"`{label}`" for label in labels) or "entidades"
    text = f"Reconoce {kinds} en textos clínicos en español."
    if run.run_json.exists():
        info: RunInfo = run.read_json(run.run_json, RunInfo)
        corpus = info.corpus.source or Path(info.corpus.path).name
        licence = f" (licencia {info.corpus.licence})" if info.corpus.licence else ""
        text += f" Entrenado con el corpus {corpus}{licence}."
    return text + " Predicción automática: revisa siempre el resultado."


def model_labels(folder: Path) -> list[str]:
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    tags = config.get("id2label", {}).values()
    return sorted({tag[2:] for tag in tags if tag[:2] in {"B-", "I-"}})


def demo_config(
    run: RunFolder,
    model: str = "model",
    model_repo: str | None = None,
    dataset_repo: str | None = None,
    title: str | None = None,
    task: str = "ner",
) -> DemoConfig:
    """The demo's config for `run`; `model` is what the app loads (a folder or a hub id)."""
    folder = run.require(run.model(task))
    run.require(folder / "config.json")
    return DemoConfig(
        title=title or f"Entidades biomédicas en español · {run.path.resolve().name}",
        model=model,
        model_repo=model_repo,
        dataset_repo=dataset_repo,
        description=describe(run, model_labels(folder)),
        examples=example_texts(run),
        facts=load_facts(run, task),
    )
