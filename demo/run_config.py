"""The run folder -> `DemoConfig` (what `demo.json` holds): the model card's key facts, examples from the
test split, the links.

    config = demo_config(RunFolder("runs/demo"), model_repo="org/demo-ner", dataset_repo="org/demo")

Facts: test scores from `models/ner/metrics.json` (`Metrics`), emissions in grams from the last row of
`models/ner/emissions.csv` (codecarbon appends one row per tracked run; its `emissions` column is kg
CO2eq, `energy_consumed` kWh), training time from `training.json` when present. Examples: the texts of
the first test documents of `dataset/bigbio_kb` (passages), else rebuilt from `dataset/tokens`
(tokens put back at their `token_offsets`).

The instruction tab (`instruction_config`), when the run has `models/instruction/`: its `merged/` weights
when present, else the model `training.json` says was tuned (`model_used`) with the LoRA adapter; the
extraction scores of its `metrics.json`; examples from `dataset/instruction`'s test split, one per
template first.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from demo.runtime.config import (
    INSTRUCTION_MAX_CHARS,
    MAX_CHARS,
    MAX_NEW_TOKENS,
    DemoConfig,
    Facts,
    InstructionConfig,
)
from runfolder import MalformedInputError, Metrics, RunFolder, RunInfo, TrainingInfo

EXAMPLES = 5
INSTRUCTION_EXAMPLES = 6


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
        raise MalformedInputError(
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


def has_instruction_model(run: RunFolder) -> bool:
    folder = run.model("instruction")
    return (folder / "adapter_config.json").exists() or (folder / "merged" / "config.json").exists()


def training_json(folder: Path) -> dict[str, Any]:
    """training.json as written (any fields), {} when it is missing."""
    path = folder / "training.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def is_hub_id(name: str | None) -> bool:
    """ "org/model" or "model", not a path on this machine."""
    return bool(name) and not Path(str(name)).is_absolute() and not Path(str(name)).exists()


def instruction_sources(run: RunFolder) -> tuple[str, str | None]:
    """(model, adapter) of the run's instruction model: (merged/, None) when the weights were merged, else
    (the model that was tuned, the adapter folder)."""
    folder = run.require(run.model("instruction"))
    if (folder / "merged" / "config.json").exists():
        return str((folder / "merged").resolve()), None
    adapter = run.require(folder / "adapter_config.json")
    base = training_json(folder).get("model_used") or json.loads(adapter.read_text(encoding="utf-8")).get(
        "base_model_name_or_path"
    )
    if not base:
        raise MalformedInputError(
            f"{folder / 'training.json'} does not say which model the adapter was tuned on"
        )
    return str(base), str(folder.resolve())


def instruction_examples(
    run: RunFolder, count: int = INSTRUCTION_EXAMPLES, max_chars: int = INSTRUCTION_MAX_CHARS
) -> list[list[str]]:
    """[instruction, input, task, output] of test samples that fit: one per template first, extractions
    with entities before the others."""
    path = run.dataset_view("instruction")
    if not path.exists():
        return []
    rows = [
        r
        for r in _test_split(path)
        if r["instruction"].strip() and len(r["instruction"] + r["input"]) <= max_chars
    ]
    rows.sort(
        key=lambda r: (r["task"] not in ("extraccion", "extraccion_etiqueta"), r["output"] == "ninguna")
    )
    first: dict[str, dict] = {}
    for row in rows:
        first.setdefault(row["template_id"], row)
    chosen = [*first.values(), *(r for r in rows if r not in first.values())][:count]
    return [[r["instruction"], r["input"], r["task"], r["output"]] for r in chosen]


def describe_instruction(training: dict[str, Any], samples: int | None) -> str:
    """One paragraph from training.json: which model was tuned (by its Hub id, never a path of this
    machine) and, when it was the offline fallback, that it is small and what was asked for instead."""
    asked, hub_id = training.get("base_model"), tuned_hub_id(training)
    tuned = f" en {samples:,} instrucciones".replace(",", ".") if samples else ""
    text = (
        f"Un modelo de lenguaje{f' ({hub_id})' if hub_id else ''} ajustado con LoRA{tuned} responde a una "
        "instrucción sobre un texto. Si la respuesta es una extracción («ETIQUETA: texto» por línea), sus "
        "entidades se resaltan en el texto. Respuesta automática: revísala siempre."
    )
    if training.get("fallback"):
        asked_text = (
            f"{asked} no estaba disponible al entrenar"
            if is_hub_id(asked)
            else "El modelo pedido no estaba disponible al entrenar"
        )
        text += (
            f"\n\n⚠️ **Modelo pequeño de reserva:** {asked_text} y se ajustó "
            f"{hub_id or 'un modelo de reserva'}, un LLM real pero pequeño, en CPU: sus respuestas muestran "
            "que el proceso funciona, no lo que un LLM mayor ajustado en GPU puede hacer."
        )
    return text


def tuned_hub_id(training: dict[str, Any]) -> str | None:
    """The Hub id of the weights that were tuned (training.json's model_used_hub_id; for older files,
    model_used when it is a Hub id)."""
    if "model_used_hub_id" in training:
        return training["model_used_hub_id"]
    used = training.get("model_used")
    return used if is_hub_id(used) else None


def instruction_config(
    run: RunFolder,
    model: str | None = None,
    adapter: str | None = None,
    max_new_tokens: int | None = None,
) -> InstructionConfig:
    """The instruction tab's config; `model`/`adapter` default to `instruction_sources(run)`."""
    folder = run.require(run.model("instruction"))
    if model is None:
        model, adapter = instruction_sources(run)
    training = training_json(folder)
    facts = load_facts(run, "instruction") if (folder / "metrics.json").exists() else Facts()
    labels = sorted(facts.per_label_f1)
    if not labels and run.run_json.exists():
        labels = sorted(run.read_json(run.run_json, RunInfo).labels or [])
    return InstructionConfig(
        model=model,
        adapter=adapter,
        base_model=tuned_hub_id(training),
        max_new_tokens=max_new_tokens
        or training.get("hyperparameters", {}).get("max_new_tokens")
        or MAX_NEW_TOKENS,
        examples=instruction_examples(run),
        labels=labels,
        description=describe_instruction(training, training.get("train_samples")),
        facts=facts,
    )


def demo_config(
    run: RunFolder,
    model: str = "model",
    model_repo: str | None = None,
    dataset_repo: str | None = None,
    title: str | None = None,
    task: str = "ner",
    instruction: bool = True,
    max_new_tokens: int | None = None,
) -> DemoConfig:
    """The demo's config for `run`; `model` is what the app loads (a folder or a hub id). With `instruction`
    and a `models/instruction/` in the run, the instruction tab too (the run's folders, absolute)."""
    folder = run.require(run.model(task))
    run.require(folder / "config.json")
    with_instruction = instruction and has_instruction_model(run)
    return DemoConfig(
        title=title or f"Entidades biomédicas en español · {run.path.resolve().name}",
        model=model,
        model_repo=model_repo,
        dataset_repo=dataset_repo,
        description=describe(run, model_labels(folder)),
        examples=example_texts(run),
        facts=load_facts(run, task),
        instruction=instruction_config(run, max_new_tokens=max_new_tokens) if with_instruction else None,
    )
