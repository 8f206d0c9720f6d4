"""Targeted number checks: facts whose meaning the card makes explicit must equal that very fact.

- tables under an evaluation/results heading: a row named after a label (or a split) with precision,
  recall, F1, support/entities columns -> metrics.json (a label: the test split; a split: its overall);
  an instruction model's rows named after a `per_task` key (task or task/template) with exact match,
  ROUGE-L, entity F1, accuracy, samples columns -> that entry of metrics.json;
- an instruction model's table of samples per task (rows) and split (columns) -> `dataset/instruction`;
- tables whose rows are splits (train, validation, test, all) with documents/tokens/entities columns ->
  the dataset's sizes;
- tables under an annotation/agreement heading: a row named after a label or a metric -> agreement.json;
- `model-index` results (`config`: a label or a `per_task` key) -> metrics.json;
- `co2_eq_emissions.emissions` and "N g CO2" in the text -> emissions.csv in grams (a value equal to the
  kilograms gets its own message).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cards.check.gap import Gap
from cards.check.known import Known
from cards.check.markdown import Page, Table, detect_language
from cards.facts.hub_vocabulary import size_category
from cards.facts.model import ModelFacts
from cards.measure.notation import Numbers, find_numbers
from runfolder import Metrics, SplitMetrics

COLUMNS = {
    "precision": r"precision|precisión",
    "recall": r"recall|exhaustividad|cobertura|sensibilidad",
    "f1": r"(entity )?f1|f1[- ]score|f-score|f1 de entidades",
    "exact_match": r"exact[ _-]?match|em|coincidencia exacta",
    "rouge_l": r"rouge[ _-]?l",
    "accuracy": r"accuracy|exactitud",
    "samples": r"samples|muestras",
    "support": r"support|soporte|entities|entidades",
    "documents": r"documents|documentos|docs",
    "tokens": r"tokens",
    "characters": r"characters|caracteres",
    "entities_in_tokens": r"entities in .*tokens.*|entidades en .*tokens.*",
}
SPLITS = {
    "train": "train",
    "validation": "validation",
    "test": "test",
    "all": "all",
    "total": "all",
    "entrenamiento": "train",
    "validación": "validation",
    "prueba": "test",
    "todas": "all",
    "todos": "all",
}
EVALUATION = r"evaluation|results|evaluaci[oó]n|resultados"
AGREEMENT = r"annotation|agreement|anotaci[oó]n|acuerdo|concordancia"
GRAMS = re.compile(
    r"(?P<num>\d[\d.,]*(?:[eE][-+]?\d+)?)\s*(?P<unit>g|gramos|grams|kg)\s+(?:de\s+)?CO(?:2|₂)", re.I
)


def _key(cell: str) -> str:
    """A cell without its Markdown emphasis or code quotes: "`FARMACO`" -> "FARMACO"."""
    return cell.strip().strip("`*_").strip()


def _column(name: str) -> str | None:
    text = _key(name).lower()
    return next((key for key, pattern in COLUMNS.items() if re.fullmatch(pattern, text)), None)


def _under(table: Table, pattern: str) -> bool:
    return any(re.search(pattern, title, re.IGNORECASE) for title in table.headings)


def _compare(
    path: Path, line: int, cell: str, expected: float | list[float] | None, what: str, source: str, lang: str
) -> Gap | None:
    """None when the first number of `cell` prints `expected` (or one of several), else the gap."""
    numbers = find_numbers(cell)
    if not numbers or expected is None:
        return None
    options = numbers[0]
    candidates = expected if isinstance(expected, list) else [expected]
    if any(option.matches(value) for option in options for value in candidates):
        return None
    expected = candidates[0]
    n = Numbers(lang)
    shown = n.pct(expected) if options[0].percent else n.dec(expected, options[0].decimals)
    return Gap(
        path, line, f"{what} is {options[0].text.strip()} here but {expected:.6g} in {source}: write {shown}"
    )


def _rows(
    table: Table,
    lookup: Callable[[str], tuple[dict[str, Any], str, str] | None],
    path: Path,
    lang: str,
    columns: list[str | None] | None = None,
) -> list[Gap]:
    """For each row whose first cell `lookup` knows: compare the known columns (`columns`: the value key
    of each column, by default from its header through `COLUMNS`)."""
    gaps = []
    columns = columns or [_column(h) for h in table.header]
    for line, cells in table.rows:
        found = lookup(_key(cells[0])) if cells else None
        if found is None:
            continue
        values, what, source = found
        for column, cell in zip(columns[1:], cells[1:], strict=False):
            if column in values:
                gap = _compare(path, line, cell, values[column], f"{column} of {what}", source, lang)
                gaps += [gap] if gap else []
    return gaps


def _scores(split: SplitMetrics) -> dict[str, Any]:
    return {**split.extra, **split.overall.model_dump()}


def metric_values(metrics: Metrics, split_name: str | None, config: str | None) -> dict[str, Any] | None:
    """The values metrics.json has for a split (test when None) and a config: none (the overall scores and
    `extra`), a label (`per_label`) or, on the test split, a `per_task` key."""
    split = metrics.test if split_name in (None, "test") else metrics.validation
    if split is None or split_name not in (None, "test", "validation"):
        return None
    if config is None:
        return _scores(split)
    if config in split.per_label:
        return split.per_label[config].model_dump()
    if split is metrics.test and config in metrics.per_task:
        return _scores(metrics.per_task[config])
    return None


def _evaluation(table: Table, known: Known, task: str, path: Path, lang: str) -> list[Gap]:
    metrics = known.context.model_facts[task].metrics
    source = f"models/{task}/metrics.json"

    def lookup(key: str):
        for split_name in ("test", "validation"):
            if values := metric_values(metrics, split_name, key):
                return values, f"{key} ({split_name})", source
        overall = SPLITS.get(key.lower())
        values = metric_values(metrics, overall, None) if overall else None
        return (values, f"{key} overall", source) if values else None

    return _rows(table, lookup, path, lang)


def _instruction_samples(table: Table, known: Known, task: str, path: Path, lang: str) -> list[Gap]:
    facts = known.context.model_facts[task].instruction
    if facts is None or facts.splits is None or facts.total is None:
        return []
    counts = {t.task: {**t.by_split, "all": t.total} for t in facts.tasks}
    counts["all"] = {**facts.splits, "all": facts.total}

    def lookup(key: str):
        name = "all" if SPLITS.get(key.lower()) == "all" else key
        return (counts[name], f"samples of {name}", "dataset/instruction") if name in counts else None

    return _rows(table, lookup, path, lang, [SPLITS.get(_key(h).lower()) for h in table.header])


def _sizes(table: Table, known: Known, path: Path, lang: str) -> list[Gap]:
    dataset = known.context.dataset
    sizes = {s.split: s for s in [*dataset.splits, dataset.total]}

    def lookup(key: str):
        size = sizes.get(SPLITS.get(key.lower(), key.lower()))
        if size is None:
            return None
        values = size.model_dump()
        # a bare "entities" column may hold either count: all of bigbio_kb, or those the tokens view keeps
        values["support"] = [v for v in (size.entities, size.entities_in_tokens) if v is not None] or None
        return values, f"the {size.split} split", "dataset/"

    return _rows(table, lookup, path, lang)


def _agreement(table: Table, known: Known, path: Path, lang: str) -> list[Gap]:
    questions = known.context.dataset.agreement

    def lookup(key: str):
        for q in questions:
            if key in q.per_label:
                return (
                    {m: v.value for m, v in q.per_label[key].items()},
                    f"{key} ({q.question})",
                    "agreement.json",
                )
        return None

    gaps = []
    header = [_key(h).lower() for h in table.header]
    for line, cells in table.rows:
        found = lookup(_key(cells[0])) if cells else None
        if found is not None:
            values, what, source = found
            for name, cell in zip(header[1:], cells[1:], strict=False):
                gap = _compare(path, line, cell, values.get(name), f"{name} of {what}", source, lang)
                gaps += [gap] if gap else []
        elif len(cells) > 1 and len(questions) == 1 and _key(cells[0]) in questions[0].overall:
            metric = questions[0].overall[_key(cells[0])]
            gap = _compare(
                path, line, cells[1], metric.value, f"overall {_key(cells[0])}", "agreement.json", lang
            )
            gaps += [gap] if gap else []
    return gaps


def check_tables(path: Path, page: Page, known: Known, task: str | None) -> list[Gap]:
    lang = detect_language(path)
    gaps = []
    for table in page.tables:
        first = {SPLITS.get(_key(c[0]).lower()) for _, c in table.rows if c}
        columns = {_column(h) for h in table.header}
        if task and _under(table, EVALUATION) and {"f1", "precision", "recall"} & columns:
            gaps += _evaluation(table, known, task, path, lang)
        elif task and known.context.model_facts[task].instruction and _split_columns(table):
            gaps += _instruction_samples(table, known, task, path, lang)
        elif "documents" in columns and first - {None}:
            gaps += _sizes(table, known, path, lang)
        elif _under(table, AGREEMENT):
            gaps += _agreement(table, known, path, lang)
    return gaps + _grams_in_text(path, page, known, task, lang)


def _split_columns(table: Table) -> bool:
    return any(SPLITS.get(_key(h).lower()) for h in table.header[1:])


def _grams_in_text(path: Path, page: Page, known: Known, task: str | None, lang: str) -> list[Gap]:
    emissions = known.context.model_facts[task].emissions if task else None
    if emissions is None:
        return []
    gaps = []
    for line, text in page.prose:
        for match in GRAMS.finditer(text):
            kg = match.group("unit").lower() == "kg"
            expected = emissions.kg if kg else emissions.grams
            gap = _compare(
                path,
                line,
                match.group("num"),
                expected,
                f"CO2eq in {'kg' if kg else 'grams'}",
                f"models/{task}/emissions.csv",
                lang,
            )
            gaps += [gap] if gap else []
    return gaps


def _yaml_line(page: Page, key: str) -> int | None:
    return next((n for n, line in enumerate(page.lines, 1) if line.lstrip().startswith(f"{key}:")), None)


def check_yaml_numbers(
    path: Path, page: Page, metadata: dict[str, Any], known: Known, task: str | None
) -> list[Gap]:
    if task is None:
        return _size_category(path, page, metadata, known)
    model = known.context.model_facts[task]
    gaps = []
    co2 = metadata.get("co2_eq_emissions")
    if isinstance(co2, dict) and isinstance(co2.get("emissions"), int | float) and model.emissions:
        value, grams = float(co2["emissions"]), model.emissions.grams
        if abs(value - grams) > max(1e-9, 5e-4 * grams):
            why = (
                "it is the value in kg; the Hub wants grams"
                if abs(value - model.emissions.kg) <= 1e-9 + 5e-4 * model.emissions.kg
                else "it does not match"
            )
            gaps.append(
                Gap(
                    path,
                    _yaml_line(page, "emissions"),
                    f"co2_eq_emissions.emissions is {value:g} but "
                    f"emissions.csv says {grams:.6g} g ({why}): write {grams:.6g}",
                )
            )
    gaps += _model_index(path, page, metadata, model, task)
    return gaps


def _model_index(path: Path, page: Page, metadata: dict[str, Any], model: ModelFacts, task: str) -> list[Gap]:
    from huggingface_hub.repocard_data import model_index_to_eval_results

    try:
        _, results = model_index_to_eval_results(metadata.get("model-index") or [])
    except (KeyError, TypeError, ValueError, IndexError):
        return []  # reported by check_metadata
    gaps = []
    for result in results:
        values = metric_values(model.metrics, result.dataset_split, result.metric_config) or {}
        expected = values.get(result.metric_type)
        if isinstance(expected, bool) or not isinstance(expected, int | float):
            continue
        if not isinstance(result.metric_value, int | float) or abs(result.metric_value - expected) > 5e-5:
            gaps.append(
                Gap(
                    path,
                    _yaml_line(page, "model-index"),
                    f"model-index {result.metric_name or result.metric_type} is {result.metric_value} but "
                    f"models/{task}/metrics.json says {expected:.4f}: write {round(expected, 4)}",
                )
            )
    return gaps


def _size_category(path: Path, page: Page, metadata: dict[str, Any], known: Known) -> list[Gap]:
    expected = size_category(known.context.dataset.total.documents)
    given = metadata.get("size_categories")
    given = given if isinstance(given, list) else [given] if given else []
    if given and expected not in given:
        return [
            Gap(
                path,
                _yaml_line(page, "size_categories"),
                f"size_categories is {given} but the dataset has "
                f"{known.context.dataset.total.documents} documents: write [{expected}]",
            )
        ]
    return []
