"""The model card of `models/<task>/`: `ModelCardData` with `model-index` (`EvalResult`s from metrics.json)
and `co2_eq_emissions` (grams, from emissions.csv), one template per language, plots.

    write_model_card(folder, context, "ner")     # README.md, README_ES.md, f1_per_label*.png, ...
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from annotate.runfolder import SplitMetrics
from cards import plots
from cards.dataset_card import LANGUAGE_NAMES, TASK_NAMES, group_bars
from cards.facts import EmissionsFacts, ModelFacts
from cards.metadata import is_hub_id, task_of
from cards.numbers import sig_decimals
from cards.render import LANGUAGES, README, render

METRICS = ("precision", "recall", "f1")


def eval_results(model: ModelFacts, dataset_id: str, dataset_name: str) -> list:
    """One EvalResult per split and metric (overall), plus F1 per label (`config` = the label)."""
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


def card_data(context: Any, task: str):
    from huggingface_hub import ModelCardData

    model = context.model_facts[task]
    d = context.dataset
    training = model.training
    return ModelCardData(
        model_name=context.model_ids[task],
        base_model=next((m for m in (training.model_used, training.base_model) if is_hub_id(m)), None),
        datasets=[context.dataset_id],
        language=d.corpus.languages,
        license=d.corpus.license_id,
        license_name=d.corpus.licence if d.corpus.license_id == "other" else None,
        library_name="transformers",
        pipeline_tag=model.pipeline_tag,
        tags=[t for t in (task_of(task).task_id, d.corpus.domain) if t] or None,
        metrics=list(METRICS),
        eval_results=eval_results(model, context.dataset_id, d.corpus.pretty_name),
        co2_eq_emissions=co2_eq_emissions(model.emissions) if model.emissions else None,
    )


def draw_plots(folder: Path, model: ModelFacts, scores: dict[str, Any], lang: str) -> dict[str, str | None]:
    names: dict[str, str | None] = {"labels": None, "groups": None}
    if model.metrics.test.per_label:
        names["labels"] = plots.plot_name("f1_per_label", lang)
        plots.scores_per_label(model.metrics.test.per_label, folder / names["labels"], lang)
    if scores.get("available"):
        names["groups"] = plots.plot_name("f1_per_group", lang)
        plots.scores_per_group(
            group_bars(scores, lang), folder / names["groups"], lang, scores["interval"]["level"]
        )
    return names


def write_model_card(folder: Path, context: Any, task: str) -> list[Path]:
    from huggingface_hub import ModelCard

    folder.mkdir(parents=True, exist_ok=True)
    model = context.model_facts[task]
    scores = context.bias["model_scores"].get(task, {"available": False, "missing": model.folder})
    data = card_data(context, task).to_yaml()
    written = []
    for lang in LANGUAGES:
        content = render(
            "model",
            lang,
            card_data=data,
            m=model,
            d=context.dataset,
            scores=scores,
            model_id=context.model_ids[task],
            dataset_id=context.dataset_id,
            findings=[f.model_dump() for f in context.model_findings[task]],
            dataset_findings=[
                f.model_dump()
                for f in context.dataset_findings
                if f.code in ("synthetic", "imbalance", "agreement", "nested", "variety")
            ],
            plots=draw_plots(folder, model, scores, lang),
            language_names=[LANGUAGE_NAMES[lang].get(c, c) for c in context.dataset.corpus.languages],
            task_name=TASK_NAMES[lang].get(task, task),
            dataset_card=f"../dataset/{README[lang]}",
            generated=context.generated,
        )
        ModelCard(content).save(folder / README[lang])
        written.append(folder / README[lang])
    return written
