"""The model card of `models/<task>/`: `ModelCardData` with `model-index` (`EvalResult`s from metrics.json)
and `co2_eq_emissions` (grams, from emissions.csv), one template per language, plots.

    write_model_card(folder, context, "ner")          # README.md, README_ES.md, f1_per_label*.png, ...
    write_model_card(folder, context, "instruction")  # README.md, README_ES.md, the run's plots/*.png

An instruction model (LoRA adapters, `library_name: peft`) has its own templates, `model_instruction`, and
its `model-index` holds exact match, ROUGE-L and entity F1 (or accuracy) overall and per task and template
(`metric_config` = the `per_task` key of metrics.json). `base_model` is the Hub id of the weights actually
fine-tuned (`ModelFacts.base`: training.json `model_used_hub_id`), never the model asked for when training
fell back to another one, and absent for a model built from scratch. Published (`context.hub`), the cards
load the model from its repo and link the dataset and the Space by URL; else from the run folder.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cards.facts.hub_vocabulary import task_of
from cards.facts.model import EmissionsFacts, ModelFacts
from cards.measure.context import CardContext
from cards.measure.notation import sig_decimals
from cards.write.plots import group_bars, plot_name, scores_per_group, scores_per_label
from cards.write.render import LANGUAGE_NAMES, README, TASK_NAMES, model_languages, render
from runfolder import Metrics, SplitMetrics, TrainingInfo

if TYPE_CHECKING:
    from huggingface_hub import EvalResult, ModelCardData

HUB = "https://huggingface.co"
METRICS = ("precision", "recall", "f1")
GENERATION_METRICS = ("exact_match", "rouge_l")  # keys of `SplitMetrics.extra` for generated answers
INSTRUCTION_METRICS = ("exact_match", "rouge_l", "f1")


def is_peft(training: TrainingInfo) -> bool:
    return training.hyperparameters.get("method") == "LoRA"


def entity_scored(scores: SplitMetrics) -> bool:
    """True when `overall` is the entity F1 of extraction answers (instruction metrics), not an accuracy."""
    return "extraction_samples" in scores.extra


def instruction_metrics(scores: SplitMetrics, overall: bool = False) -> list[tuple[str, float]]:
    """(metric, value) of one instruction group: entity P/R/F1 (overall, when scored so) or F1 (a task),
    or accuracy; then exact match and ROUGE-L."""
    if entity_scored(scores):
        main = [(m, getattr(scores.overall, m)) for m in (METRICS if overall else ("f1",))]
    else:
        main = [("accuracy", scores.extra["accuracy"])] if "accuracy" in scores.extra else []
    return main + [(m, scores.extra[m]) for m in GENERATION_METRICS if m in scores.extra]


def instruction_results(metrics: Metrics) -> list[tuple[str, str, float, str | None]]:
    """(split, metric, value, config) of an instruction model: test overall, then each `per_task` group."""
    out: list[tuple[str, str, float, str | None]] = [
        ("test", m, v, None) for m, v in instruction_metrics(metrics.test, overall=True)
    ]
    for name, scores in metrics.per_task.items():
        out += [("test", m, v, name) for m, v in instruction_metrics(scores)]
    return out


def eval_results(model: ModelFacts, dataset_id: str, dataset_name: str) -> list[EvalResult]:
    """One EvalResult per split and metric (overall), plus F1 per label (`config` = the label); for an
    instruction model, `instruction_results`."""
    from huggingface_hub import EvalResult

    def result(split: str, metric: str, value: float, label: str | None = None) -> EvalResult:
        name = f"{split} {metric}" + (f" ({label})" if label else "")
        return EvalResult(
            task_type=model.pipeline_tag,
            dataset_type=dataset_id,
            dataset_name=dataset_name,
            dataset_split=split,
            metric_type=metric,
            metric_value=round(value, 4),
            metric_name=name,
            metric_config=label,
        )

    if model.instruction is not None:
        return [result(*row) for row in instruction_results(model.metrics)]
    splits: list[tuple[str, SplitMetrics]] = [("test", model.metrics.test)]
    if model.metrics.validation:
        splits.append(("validation", model.metrics.validation))
    results = [result(split, metric, getattr(m.overall, metric)) for split, m in splits for metric in METRICS]
    results += [
        result("test", "f1", s.f1, label) for label, s in sorted(model.metrics.test.per_label.items())
    ]
    return results


def co2_eq_emissions(emissions: EmissionsFacts) -> dict[str, Any]:
    return {
        "emissions": round(emissions.grams, sig_decimals(emissions.grams, 4)),
        "source": "codecarbon",
        "training_type": "fine-tuning",
        "geographical_location": emissions.location or "not recorded",
        "hardware_used": emissions.hardware or "not recorded",
    }


def card_data(context: CardContext, task: str) -> ModelCardData:
    from huggingface_hub import ModelCardData

    model = context.model_facts[task]
    d = context.dataset
    training = model.training
    peft = is_peft(training)
    tags = [task_of(task).task_id, *(("peft", "lora") if peft else ()), d.corpus.domain]
    return ModelCardData(
        model_name=context.model_ids[task],
        base_model=model.base.hub_id,  # the weights fine-tuned, never the model asked for
        datasets=[context.dataset_id],
        language=d.corpus.languages,
        license=d.corpus.license_id,
        license_name=d.corpus.licence if d.corpus.license_id == "other" else None,
        library_name="peft" if peft else "transformers",
        pipeline_tag=model.pipeline_tag,
        tags=[t for t in tags if t] or None,
        metrics=list(INSTRUCTION_METRICS if model.instruction is not None else METRICS),
        eval_results=eval_results(model, context.dataset_id, d.corpus.pretty_name),
        co2_eq_emissions=co2_eq_emissions(model.emissions) if model.emissions else None,
    )


def copy_plots(folder: Path, context: CardContext, model: ModelFacts) -> dict[str, str | None]:
    """The plots the training wrote (`models/<task>/plots/*.png`), copied beside the card, by stem."""
    names = model.instruction.plots if model.instruction else []
    for name in names:
        shutil.copyfile(context.run.path / model.folder / "plots" / name, folder / name)
    return {Path(name).stem: name for name in names}


def draw_plots(folder: Path, model: ModelFacts, scores: dict[str, Any], lang: str) -> dict[str, str | None]:
    names: dict[str, str | None] = {"labels": None, "groups": None}
    if model.metrics.test.per_label:
        names["labels"] = name = plot_name("f1_per_label", lang)
        scores_per_label(model.metrics.test.per_label, folder / name, lang)
    if scores.get("available"):
        names["groups"] = name = plot_name("f1_per_group", lang)
        scores_per_group(group_bars(scores, lang), folder / name, lang, scores["interval"]["level"])
    return names


def write_model_card(folder: Path, context: CardContext, task: str) -> list[Path]:
    from huggingface_hub import ModelCard

    folder.mkdir(parents=True, exist_ok=True)
    model = context.model_facts[task]
    scores = context.bias["model_scores"].get(task, {"available": False, "missing": model.folder})
    data = card_data(context, task).to_yaml()
    instruction = model.instruction is not None
    written = []
    for lang in model_languages(task):
        content = render(
            "model_instruction" if instruction else "model",
            lang,
            card_data=data,
            m=model,
            d=context.dataset,
            scores=scores,
            model_id=context.model_ids[task],
            model_ref=context.model_ids[task]
            if context.hub
            else f"{context.generated['run']}/{model.folder}",
            dataset_id=context.dataset_id,
            space_id=context.hub.space if context.hub else None,
            findings=[f.model_dump() for f in context.model_findings[task]],
            dataset_findings=[
                f.model_dump()
                for f in context.dataset_findings
                if f.code in ("synthetic", "imbalance", "agreement", "nested", "variety")
            ],
            plots=copy_plots(folder, context, model)
            if instruction
            else draw_plots(folder, model, scores, lang),
            language_names=[LANGUAGE_NAMES[lang].get(c, c) for c in context.dataset.corpus.languages],
            task_name=TASK_NAMES[lang].get(task, task),
            tasks=[name for name in model.metrics.per_task if "/" not in name],
            dataset_card=f"{HUB}/datasets/{context.dataset_id}"
            if context.hub
            else f"../dataset/{README[lang]}",
            generated=context.generated,
        )
        ModelCard(content).save(folder / README[lang])
        written.append(folder / README[lang])
    return written
