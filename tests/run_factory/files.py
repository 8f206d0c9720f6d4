"""The run-folder files every factory writes the way the stages do: run.json, codecarbon's emissions.csv,
metrics.json scored by the NER notebook's own `entity_scores` (seqeval, strict IOB2).

    write_run_json(run, synthetic=True)                  # RunInfo of the sample corpus (+ CorpusInfo fields)
    write_emissions(folder / "emissions.csv", kg=0.001)  # one row with codecarbon's own columns
    scores(gold_tags, predicted_tags, tag_names)         # SplitMetrics, as the NER notebook scores them
"""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from notebooks.ner.metrics import entity_labels, entity_scores
from runfolder import CorpusInfo, RunFolder, RunInfo, SplitMetrics, write_json

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "annotate" / "sample" / "brat"  # the project's synthetic sample corpus
EMISSIONS_KG = 0.00123456
ENERGY_KWH = 0.0045678
DURATION_S = 312.4


def documents() -> list[Any]:
    """The sample corpus's documents (`annotate.corpus.Document`)."""
    from annotate.corpus import load_corpus

    return list(load_corpus(SAMPLE, "brat").documents)


def write_run_json(run: RunFolder, **corpus_extra: Any) -> RunInfo:
    """run.json of a run made from the sample corpus, as `annotate import` writes it."""
    info = RunInfo(
        name=run.path.name,
        task="ner",
        corpus=CorpusInfo(
            path=str(SAMPLE),
            format="brat",
            licence="CC BY 4.0",
            source="Somos NLP workspace sample corpus",
            languages=["es"],
            **corpus_extra,
        ),
        labels=["FARMACO", "PROTEINA"],
        segment="document",
        split={"source": "corpus", "seed": None},
        versions={"annotate": "0.1.0", "argilla": "2.8.0"},
    )
    write_json(run.run_json, info)
    return info


def scores(
    gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]], tag_names: Iterable[str]
) -> SplitMetrics:
    """Entity scores of one split as the NER notebook computes them (every label of `tag_names` listed)."""
    return entity_scores(gold, pred, labels=entity_labels(tag_names))


def write_emissions(path: Path, kg: float = EMISSIONS_KG) -> None:
    """One row of emissions.csv with codecarbon's own columns (`EmissionsData`; `emissions` is kg CO2eq)."""
    from codecarbon.output_methods.emissions_data import EmissionsData

    row = EmissionsData(
        timestamp="2025-03-12T10:05:12",
        project_name="finetune_ner",
        run_id="5b0fa12a",
        experiment_id="",
        duration=DURATION_S,
        emissions=kg,
        emissions_rate=kg / DURATION_S,
        cpu_power=42.5,
        gpu_power=0.0,
        ram_power=5.9,
        cpu_energy=0.0036,
        gpu_energy=0.0,
        ram_energy=0.0009678,
        energy_consumed=ENERGY_KWH,
        water_consumed=0.0,
        country_name="Spain",
        country_iso_code="ESP",
        region="madrid",
        cloud_provider="",
        cloud_region="",
        os="Linux",
        python_version="3.11.9",
        codecarbon_version="3.3.2",
        cpu_count=8,
        cpu_model="Intel(R) Xeon(R) CPU",
        gpu_count=None,
        gpu_model=None,
        longitude=-3.7,
        latitude=40.4,
        ram_total_size=15.6,
        tracking_mode="machine",
        on_cloud="N",
    )
    values = dataclasses.asdict(row)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(values))
        writer.writeheader()
        writer.writerow({k: "" if v is None else v for k, v in values.items()})
