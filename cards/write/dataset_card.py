"""The dataset card: Hub metadata (`DatasetCardData`) + one template per language + plots.

    write_dataset_card(folder, context)     # README.md, README_ES.md, label_distribution*.png, ...

`context` is a `CardContext` (see `cards.measure.context`): the dataset facts, bias.json, privacy.json,
findings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cards.facts.hub_vocabulary import is_hub_id, task_of
from cards.facts.model import DatasetFacts
from cards.measure.context import CardContext
from cards.measure.privacy import METHODS_ES
from cards.write.plots import agreement_per_label, group_bars, label_distribution, plot_name, scores_per_group
from cards.write.render import LANGUAGE_NAMES, LANGUAGES, README, TASK_NAMES, model_readme, render

HUB = "https://huggingface.co"

if TYPE_CHECKING:
    from huggingface_hub import DatasetCardData


#: the Hub's `annotations_creators` for people, by `--annotators-kind` (None: the kind was not recorded)
PEOPLE = {"expert": "expert-generated", "crowd": "crowdsourced", None: "other"}


def annotations_creators(d: DatasetFacts) -> list[str]:
    """In the Hub's vocabulary: "found" for a corpus's own annotations, "machine-generated" for answers
    `annotate simulate` made, "expert-generated" or "crowdsourced" for people by the `--annotators-kind`
    recorded at load/team ("other" when it was not); both when people and the simulator answered. A value
    a team wrote into run.json `corpus.annotations_creators` wins."""
    if d.corpus.annotations_creators:
        return d.corpus.annotations_creators
    a = d.annotation
    if a is None:
        return ["found"]
    creators = ["machine-generated"] if a.origin in ("simulated", "mixed") else []
    if a.origin != "simulated":
        creators.append(PEOPLE.get(a.annotators_kind, "other"))
    return creators


RUN_FILES = ("run.json", "dataset", "annotations.parquet", "agreement.json", "review.jsonl", "bias.json")


def run_files(context: CardContext) -> list[str]:
    """The run folder's files the card is made from, those that are there (privacy.json always is)."""
    present = [name for name in RUN_FILES if (context.run.path / name).exists() or name == "bias.json"]
    return [f"{name}/" if name == "dataset" else name for name in present] + ["privacy.json"]


def source_datasets(d: DatasetFacts) -> list[str]:
    if d.corpus.synthetic or not d.corpus.source:
        return ["original"]
    return [f"extended|{d.corpus.source}"] if is_hub_id(d.corpus.source) else ["extended"]


def card_data(d: DatasetFacts) -> DatasetCardData:
    from huggingface_hub import DatasetCardData

    task = task_of(d.task)
    tags = [
        t
        for t in (
            "argilla" if d.annotation else None,
            d.corpus.domain,
            "synthetic" if d.corpus.synthetic else None,
            "bigbio" if "bigbio_kb" in d.views else None,
        )
        if t
    ]
    return DatasetCardData(
        language=d.corpus.languages,
        license=d.corpus.license_id,
        license_name=d.corpus.licence if d.corpus.license_id == "other" else None,
        annotations_creators=annotations_creators(d),
        multilinguality="monolingual" if len(d.corpus.languages) == 1 else "multilingual",
        size_categories=[d.size_category],
        source_datasets=source_datasets(d),
        task_categories=[task.task_category],
        task_ids=[task.task_id] if task.task_id else None,
        pretty_name=d.corpus.pretty_name,
        tags=tags or None,
    )


@dataclass
class DatasetPlots:
    """The file names of the plots drawn beside the dataset card (None: not drawn)."""

    labels: str | None = None
    agreement: str | None = None
    groups: dict[str, str] = field(default_factory=dict)  # F1 per group, by model task


def draw_plots(folder: Path, d: DatasetFacts, bias: dict[str, Any], lang: str) -> DatasetPlots:
    names = DatasetPlots()
    if d.label_counts:
        name = plot_name("label_distribution", lang)
        label_distribution(d.label_counts, [s.split for s in d.splits], folder / name, lang)
        names.labels = name
    per_label = {
        label: {
            metric: m.value for metric, m in block.items() if metric in ("f1", "alpha_u", "alpha_nominal")
        }
        for q in d.agreement[:1]
        for label, block in q.per_label.items()
    }
    if per_label:
        name = plot_name("agreement_per_label", lang)
        agreement_per_label(per_label, folder / name, lang)
        names.agreement = name
    for task, scores in bias["model_scores"].items():
        if scores["available"]:
            name = plot_name(f"f1_per_group_{task}", lang)
            scores_per_group(group_bars(scores, lang), folder / name, lang, scores["interval"]["level"])
            names.groups[task] = name
    return names


def write_dataset_card(folder: Path, context: CardContext) -> list[Path]:
    from huggingface_hub import DatasetCard

    folder.mkdir(parents=True, exist_ok=True)
    data = card_data(context.dataset).to_yaml()
    written = []
    for lang in LANGUAGES:
        content = render(
            "dataset",
            lang,
            card_data=data,
            d=context.dataset,
            bias=context.bias,
            privacy=context.privacy,
            findings=[f.model_dump() for f in context.dataset_findings],
            plots=draw_plots(folder, context.dataset, context.bias, lang),
            language_names=[LANGUAGE_NAMES[lang].get(c, c) for c in context.dataset.corpus.languages],
            task_name=TASK_NAMES[lang].get(context.dataset.task, context.dataset.task),
            privacy_methods=context.privacy["methods"] if lang == "en" else METHODS_ES,
            models=[
                {
                    "task": t,
                    "link": f"{HUB}/{context.model_ids[t]}"
                    if context.hub
                    else f"../model-{t}/{model_readme(t, lang)}",
                }
                for t in context.models
            ],
            space=f"{HUB}/spaces/{context.hub.space}" if context.hub and context.hub.space else None,
            files=run_files(context),
            generated=context.generated,
        )
        DatasetCard(content).save(folder / README[lang])
        written.append(folder / README[lang])
    return written
