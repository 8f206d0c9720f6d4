"""The YAML header of a card: it parses, the Hub's card classes read it and write it back unchanged
(`DatasetCardData`, `ModelCardData`, `SpaceCardData` for a Space README), required fields are valid.

Dataset: license, language, pretty_name, task_categories, size_categories, annotations_creators,
source_datasets. Model: license, language, base_model, datasets, pipeline_tag, a well-formed
`model-index` (read back with `huggingface_hub.repocard_data.model_index_to_eval_results`) and
`co2_eq_emissions` (emissions in grams, source, training_type, geographical_location, hardware_used).
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from cards.check.gap import Gap
from cards.check.markdown import Page
from cards.facts.hub_vocabulary import ANNOTATIONS_CREATORS, HUB_LICENSES, SIZE_CATEGORIES

LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$")
DATASET_FIELDS = {
    "license": "the Hub licence id of the data, e.g. cc-by-4.0",
    "language": "the ISO 639-1 codes of the texts, e.g. [es]",
    "pretty_name": "the dataset's name",
    "task_categories": "e.g. [token-classification]",
    "size_categories": "e.g. [n<1K]",
    "annotations_creators": "e.g. [expert-generated] or [crowdsourced]",
    "source_datasets": "e.g. [original] or [extended|org/source]",
}
MODEL_FIELDS = {
    "license": "the Hub licence id, e.g. cc-by-4.0",
    "language": "the ISO 639-1 codes, e.g. [es]",
    "base_model": "the Hub id of the model that was fine-tuned",
    "datasets": "the Hub id of the training data",
    "pipeline_tag": "e.g. token-classification",
    "model-index": "the test results (python -m cards build writes them from metrics.json)",
    "co2_eq_emissions": "emissions in grams from emissions.csv, source, training_type, "
    "geographical_location, "
    "hardware_used",
}
CO2_FIELDS = ("emissions", "source", "training_type", "geographical_location", "hardware_used")


def read_metadata(path: Path, page: Page) -> tuple[dict[str, Any], list[Gap]]:
    """The YAML header as a dict, and the gaps when it is missing or does not parse."""
    if page.metadata is None:
        return {}, [
            Gap(
                path,
                1,
                "no YAML metadata block: start the file with --- lines holding license, "
                "language and the other Hub fields",
            )
        ]
    try:
        data = yaml.safe_load(page.metadata) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark else 1
        return {}, [
            Gap(path, line, f"the YAML metadata does not parse ({getattr(exc, 'problem', exc)}); fix it")
        ]
    if not isinstance(data, dict):
        return {}, [Gap(path, 1, "the YAML metadata is not a mapping of field: value")]
    return data, []


def _line_of(page: Page, key: str) -> int | None:
    for number, line in enumerate(page.lines, 1):
        if line.startswith(f"{key}:"):
            return number
    return page.metadata_lines[0] if page.metadata_lines else None


def _hub_round_trip(path: Path, page: Page, data: dict[str, Any], kind: str) -> list[Gap]:
    """The Hub reads the header with its card data class (`ModelCardData`, `DatasetCardData`,
    `SpaceCardData`) and writes it back unchanged: a field it drops, renames or rewrites (a model-index it
    reads otherwise, a null) would not be what the Hub shows."""
    from huggingface_hub import DatasetCard, ModelCard, SpaceCard

    card_class = {"model": ModelCard, "space": SpaceCard}.get(kind, DatasetCard)
    try:
        back = card_class("\n".join(page.lines)).data.to_dict()
    except ValueError as exc:
        return [Gap(path, _line_of(page, "model-index"), f"the Hub cannot read the metadata: {exc}")]
    changed = sorted(key for key in {*data, *back} if data.get(key) != back.get(key))
    return [
        Gap(
            path,
            _line_of(page, key),
            f"metadata field {key!r} does not survive huggingface_hub's {card_class.__name__}Data "
            f"(written {data.get(key)!r}, read back {back.get(key)!r}): write it as the Hub writes it",
        )
        for key in changed
    ]


def _values(data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    return value if isinstance(value, list) else [] if value is None else [value]


FALLBACK_WARNING = ("**Warning: fallback model", "**Aviso: modelo de reserva")  # English, Spanish card


def _field_gaps(path: Path, page: Page, data: dict[str, Any], kind: str) -> list[Gap]:
    gaps = []
    fields = dict(MODEL_FIELDS if kind == "model" else DATASET_FIELDS)
    if any(line.lstrip("> ").startswith(FALLBACK_WARNING) for line in page.lines):
        # adapters tuned on the offline fallback (a local model): no Hub id is true, and the card says so
        fields.pop("base_model", None)
    for key, hint in fields.items():
        if not _values(data, key) or all(v in ("", None) for v in _values(data, key)):
            gaps.append(
                Gap(
                    path,
                    page.metadata_lines[0] if page.metadata_lines else None,
                    f"metadata field {key!r} is missing: add {key}: {hint}",
                )
            )
    for licence in _values(data, "license"):
        if licence not in HUB_LICENSES:
            gaps.append(
                Gap(
                    path,
                    _line_of(page, "license"),
                    f"license {licence!r} is not a Hub licence id "
                    "(see hf.co/docs/hub/repositories-licenses; or use other)",
                )
            )
        elif licence == "other" and not data.get("license_name"):
            gaps.append(
                Gap(path, _line_of(page, "license"), "license is other: add license_name (and license_link)")
            )
    for code in _values(data, "language"):
        if not isinstance(code, str) or not LANGUAGE_CODE.match(code):
            gaps.append(
                Gap(path, _line_of(page, "language"), f"language {code!r} is not an ISO 639 code like es")
            )
    sizes = {name for _, name in SIZE_CATEGORIES} | {"n>1T"}
    for size in _values(data, "size_categories"):
        if size not in sizes:
            gaps.append(
                Gap(
                    path,
                    _line_of(page, "size_categories"),
                    f"size_categories {size!r} is not a Hub value ({', '.join(list(sorted(sizes))[:4])}...)",
                )
            )
    for creator in _values(data, "annotations_creators"):
        if creator not in ANNOTATIONS_CREATORS:
            gaps.append(
                Gap(
                    path,
                    _line_of(page, "annotations_creators"),
                    f"annotations_creators {creator!r} is not one of "
                    + ", ".join(sorted(ANNOTATIONS_CREATORS)),
                )
            )
    return gaps


def _co2_gaps(path: Path, page: Page, data: dict[str, Any]) -> list[Gap]:
    co2 = data.get("co2_eq_emissions")
    if co2 is None:
        return []
    line = _line_of(page, "co2_eq_emissions")
    if not isinstance(co2, dict):
        return [Gap(path, line, "co2_eq_emissions must be a mapping with " + ", ".join(CO2_FIELDS))]
    gaps = [
        Gap(path, line, f"co2_eq_emissions.{key} is missing")
        for key in CO2_FIELDS
        if co2.get(key) in (None, "")
    ]
    if co2.get("emissions") is not None and not isinstance(co2["emissions"], int | float):
        gaps.append(Gap(path, line, "co2_eq_emissions.emissions must be a number of grams"))
    if co2.get("training_type") not in (None, "fine-tuning", "pre-training"):
        gaps.append(Gap(path, line, "co2_eq_emissions.training_type must be fine-tuning or pre-training"))
    return gaps


def _model_index_gaps(path: Path, page: Page, data: dict[str, Any]) -> list[Gap]:
    from huggingface_hub.repocard_data import model_index_to_eval_results

    if "model-index" not in data:
        return []
    try:
        _, results = model_index_to_eval_results(data["model-index"])
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        return [
            Gap(
                path,
                _line_of(page, "model-index"),
                f"model-index is malformed ({exc!r}); each result needs "
                "task.type, dataset.type/name and metrics with type/value",
            )
        ]
    if not results:
        return [Gap(path, _line_of(page, "model-index"), "model-index has no results: add the test metrics")]
    bad = [r.metric_type for r in results if not isinstance(r.metric_value, int | float)]
    return [
        Gap(path, _line_of(page, "model-index"), f"model-index value of {m} is not a number") for m in bad
    ]


def check_metadata(path: Path, page: Page, data: dict[str, Any], kind: str) -> list[Gap]:
    if page.metadata is None or not data:
        return []
    gaps = _hub_round_trip(path, page, data, kind)
    if kind == "space":
        return gaps
    gaps += [replace(gap, kind="field") for gap in _field_gaps(path, page, data, kind)]
    if kind == "model":
        gaps += _co2_gaps(path, page, data) + _model_index_gaps(path, page, data)
    return gaps
