"""The typed facts a card states, as read from the run folder (pydantic models, frozen).

    DatasetFacts     sizes, labels, provenance, annotation, agreement    (cards.facts.dataset)
    ModelFacts       metrics, training, emissions, instruction data      (cards.facts.model_folder)

Every number a card prints is a field of these models (or of bias.json / privacy.json), so the checker
can read the same facts back and compare (`cards.check.known`). This module imports nothing of `cards`:
the readers import it, never the other way round.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from runfolder import Metrics, TrainingInfo


class Fact(BaseModel):
    model_config = ConfigDict(frozen=True)


class CorpusFacts(Fact):
    """Provenance and licence as given at import (run.json `corpus`), plus the Hub's licence id."""

    path: str
    location: str  # what the card says it was imported from: a URL or Hub id as given, else the folder's name
    format: str
    licence: str | None
    license_id: str  # a Hub licence identifier ("cc-by-4.0", "other", "unknown")
    source: str | None
    citation: str | None
    languages: list[str]
    pretty_name: str
    synthetic: bool | None  # None: not recorded in run.json
    domain: str | None
    annotations_creators: list[str] | None  # as recorded in run.json, if it was
    import_problems: int | None  # lines of import_problems.jsonl (None: the file is absent)


class SplitSize(Fact):
    split: str
    documents: int
    tokens: int | None = None
    entities: int | None = None  # every entity of bigbio_kb, nested ones included
    entities_in_tokens: int | None = None  # entities the BIO `tokens` view keeps
    characters: int | None = None


class LabelCount(Fact):
    label: str
    by_split: dict[str, int]
    total: int
    share: float  # of all entities


class AnnotationFacts(Fact):
    """annotations.parquet: who answered how much (annotators anonymised as counts)."""

    annotators: int
    records: int
    documents: int
    questions: list[str]
    responses_by_status: dict[str, int]
    submitted_per_annotator: list[int]  # sorted, largest first; usernames stay in the parquet
    records_with_2_or_more: int
    first_date: str | None
    last_date: str | None
    # who gave the submitted answers (annotations.parquet `origin`): "person" answered in Argilla, "simulated"
    # was made by `annotate simulate`; None when the parquet predates the column (origin not recorded)
    responses_by_origin: dict[str, int] | None = None
    annotators_by_origin: dict[str, int] | None = None
    simulator: list[dict] = Field(default_factory=list)  # settings of each simulate run behind them
    annotators_kind: str | None = None  # run.json annotation.annotators_kind: expert | crowd

    @property
    def origin(self) -> str:
        """simulated (every answer), person (every answer), mixed, or unknown (not recorded)."""
        if self.responses_by_origin is None:
            return "unknown"
        kinds = {k for k, v in self.responses_by_origin.items() if v}
        return "mixed" if len(kinds) > 1 else next(iter(kinds), "unknown")

    @property
    def people(self) -> int:
        return (self.annotators_by_origin or {}).get("person", 0)

    @property
    def simulated(self) -> int:
        return (self.annotators_by_origin or {}).get("simulated", 0)


class MetricFacts(Fact):
    value: float | None
    n: int
    unit: str
    reason: str | None = None


class QuestionAgreementFacts(Fact):
    question: str
    kind: str
    records: int
    annotators: int
    records_with_2_or_more: int
    overall: dict[str, MetricFacts]
    per_label: dict[str, dict[str, MetricFacts]]
    pairs: int
    notes: list[str]


class ReviewFacts(Fact):
    items: int
    records: int
    by_reason: dict[str, int]


class SuggestionFacts(Fact):
    """run.json `export.suggestions` (annotate export): how suggestions shaped the submitted span answers."""

    answers: int
    answers_with_suggestion: int
    answers_without_suggestion: int
    relations: dict[str, int]  # accepted | corrected | rejected | added
    relations_by_source: dict[str, dict[str, int]]  # gold | lexicon | model | other -> relations
    acceptance_per_label: dict[str, dict[str, float]]  # label -> suggested, accepted, rate
    agreement: dict[str, dict[str, float | None]]  # with_suggestion | without_suggestion -> records, f1


class DatasetFacts(Fact):
    run_name: str
    task: str
    labels: list[str]
    segment: str | None
    split_source: str | None
    corpus: CorpusFacts
    views: list[str]
    splits: list[SplitSize]
    total: SplitSize
    label_counts: list[LabelCount]
    size_category: str
    annotation: AnnotationFacts | None
    agreement: list[QuestionAgreementFacts]
    review: ReviewFacts | None
    versions: dict[str, str] = Field(default_factory=dict)
    suggestions: SuggestionFacts | None = None  # exports before it was recorded have none


class EmissionsFacts(Fact):
    """emissions.csv (codecarbon): the last row of each run id, summed over runs; grams for the Hub."""

    grams: float
    kg: float
    energy_kwh: float
    cpu_energy_kwh: float | None
    gpu_energy_kwh: float | None
    ram_energy_kwh: float | None
    duration_s: float
    duration_min: float
    runs: int  # distinct codecarbon run ids
    country_name: str | None
    country_iso_code: str | None
    region: str | None
    cloud_provider: str | None
    cloud_region: str | None
    on_cloud: bool | None
    location: str | None
    cpu_model: str | None
    gpu_model: str | None
    gpu_count: int | None
    hardware: str | None
    tracking_mode: str | None
    codecarbon_version: str | None


class TaskSamples(Fact):
    task: str
    by_split: dict[str, int]
    total: int
    templates: list[str]  # template ids of the task, sorted


class InstructionFacts(Fact):
    """An instruction model's own files (adapter, merged/, test_generations.jsonl, plots/) and its training
    data, `dataset/instruction`: samples per split and per task (None when that view is absent)."""

    adapter: bool  # adapter_config.json (a peft adapter) is there
    adapter_base: str | None  # its base_model_name_or_path
    peft_type: str | None
    merged: bool  # merged/ holds the base model with the adapter merged in
    test_generations: int | None  # lines of test_generations.jsonl
    plots: list[str]  # png names in plots/
    splits: dict[str, int] | None  # samples per split of dataset/instruction
    total: int | None
    tasks: list[TaskSamples]


class BaseModelFacts(Fact):
    """What the model was fine-tuned from, as a card may say it: Hub ids, never a folder of this machine."""

    hub_id: (
        str | None
    )  # the Hub id of the weights fine-tuned (the card's base_model); None: built from scratch
    asked: str  # the model asked for: its Hub id, or the name of the folder it was asked from
    fallback: bool  # the asked model could not be loaded and a fallback was tuned instead
    fallback_kind: str | None  # packaged | scratch | packaged-llm | ...
    source: str | None  # how the weights were obtained, in plain words (training.json model_used_source)
    defaults_file: str | None = None  # the file of the fallback's tested hyperparameters (never absolute)


class ModelFacts(Fact):
    task: str
    folder: str
    pipeline_tag: str
    metrics: Metrics
    training: TrainingInfo
    emissions: EmissionsFacts | None
    has_test_predictions: bool
    test_documents: int | None  # lines of test_predictions.jsonl
    training_minutes: float
    base: BaseModelFacts
    instruction: InstructionFacts | None = None  # instruction models only
