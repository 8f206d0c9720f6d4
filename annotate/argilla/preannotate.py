"""`annotate suggest`: the run's NER model pre-annotates the records that still need answers.

    model = NerModel.load(run.model("ner"))            # fails before the server is touched
    report = suggest(client, dataset, model, SuggestOptions(run=Path("runs/x")), progress)

Batched, windowed inference (`annotate.argilla.inference`) over the records' text, written back in
bulk requests that carry, per record, only its metadata and its span suggestion: fields and people's
responses are never sent, so they stay as they are. Per record:
- the suggestion of question `entidades`: the model's spans with one score each, its agent naming the
  model and its training (`model:runs/x/models/ner trained 2025-05-01T10:00:00 data 3f2a...`, from
  `training.json`: when it finished and the fingerprint of the data it saw; a folder without one is
  named by a hash of its weights; ` int8` at the end when the model ran quantised, `--precision`'s
  default). Argilla keeps one suggestion per record and question, so a record
  whose suggestion comes from anyone else (gold, a lexicon, another model) keeps it: only this
  model's earlier suggestions (any version) are replaced. An empty suggestion means "no entity here".
  When a suggestion someone already answered with is replaced, it is kept in the record's metadata
  `_sugerencias_previas` ([agent, written at, spans] items), so that the export still knows what
  that person was shown;
- `incertidumbre`, a float metadata property (sortable and filterable in the UI and the SDK): the
  model's uncertainty on the record, 1 - the probability of the best tag of its least sure word
  (see `annotate.argilla.inference`);
- `_sugerido_por`: the agent whose suggestion and uncertainty the record carries. A record that
  already has this model version's is skipped, so a run stopped half way goes on where it stopped;
- with `--order uncertainty`, `prioridad_cola` too (the same value), a float property that the
  search engine's annotation queue orders by after the expected answers (annotate/server/search/
  queue.py): the most uncertain records first in everyone's queue, with the team rules kept.
  `--order walk` removes the property (each annotator's own walk again); without `--order`, records
  get a priority only when the dataset has the property already.

Records: `pending` (default) are those the task distribution has not completed (fewer submitted
answers than min_submitted); `all` includes completed ones.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotate.argilla import templates
from annotate.argilla.api import (
    RecordItem,
    add_float_property,
    api_errors,
    delete_property,
    list_records,
    metadata_properties,
    upsert_records,
)
from annotate.argilla.datasets import chunks
from annotate.argilla.inference import PRECISIONS, NerModel, Prediction
from annotate.argilla.suggestion_use import REPLACED
from annotate.errors import LabelMismatchError, OptionError, TemplateError
from runfolder import RunFolder, TrainingInfo

if TYPE_CHECKING:
    import argilla as rg
    from rich.progress import Progress

UNCERTAINTY_PROPERTY = "incertidumbre"
PRIORITY_PROPERTY = "prioridad_cola"  # the search engine's queue.PRIORITY_PROPERTY (server side)
SUGGESTED_BY = "_sugerido_por"
RECORDS = ("pending", "all")
ORDERS = ("uncertainty", "walk")
_AGENT_CHARS = re.compile(r"[^a-zA-Z0-9\-_:./\s]")
AGENT_MAX = 200


@dataclass(frozen=True)
class SuggestOptions:
    run: Path
    model: Path | str | None = None  # default: RUN/models/ner
    records: str = "pending"  # pending | all
    order: str | None = None  # uncertainty | walk | None (leave the queue order as it is)
    batch_size: int = 32  # windows per forward pass
    precision: str = "int8"  # int8 (dynamic quantisation of the encoder, CPU) | float32
    upload_size: int = 256  # records per bulk request

    @property
    def model_path(self) -> Path | str:
        return self.model if self.model is not None else RunFolder(self.run).model("ner")

    def check(self) -> None:
        if self.records not in RECORDS:
            raise OptionError(f"--records {self.records!r}: use {' or '.join(RECORDS)}")
        if self.order is not None and self.order not in ORDERS:
            raise OptionError(f"--order {self.order!r}: use {' or '.join(ORDERS)}")
        if self.precision not in PRECISIONS:
            raise OptionError(f"--precision {self.precision!r}: use {' or '.join(PRECISIONS)}")
        if self.batch_size < 1 or self.upload_size < 1:
            raise OptionError("--batch-size must be at least 1")


@dataclass
class SuggestReport:
    agent: str
    selected: int  # records this call had to do (after skipping those already done)
    already: int  # records that already carried this model version's suggestion (skipped)
    suggested: int = 0  # records given this model's suggestion
    kept_other: int = 0  # records whose suggestion from another agent was kept (uncertainty written)
    with_entities: int = 0
    spans: int = 0
    seconds: float = 0.0  # inference only
    order: str = "walk"  # the queue order the dataset has now: uncertainty | walk
    replaced_answered: int = 0  # earlier suggestions of this model replaced on answered records (kept)
    uncertainty: list[float] = field(default_factory=list)

    @property
    def records_per_second(self) -> float:
        return (self.suggested + self.kept_other) / self.seconds if self.seconds else 0.0


def agent_name(
    model_path: Path | str, training: TrainingInfo | None = None, precision: str = "float32"
) -> str:
    """`model:<path> trained <finished_at> data <fingerprint>[ int8]` (Argilla's agent alphabet, 200
    chars): the model's version, and `int8` when it ran quantised (its spans may differ slightly)."""
    if training is not None:
        version = f"trained {training.finished_at[:19]} data {training.dataset_fingerprint[:12]}"
    else:
        version = f"weights {weights_digest(Path(model_path))}"
    if precision != "float32":
        version += f" {precision}"
    key = _AGENT_CHARS.sub("-", str(model_path))[: AGENT_MAX - len(version) - 8]
    return f"model:{key} {_AGENT_CHARS.sub('-', version)}"


def is_ours(agent: str | None, current: str) -> bool:
    """Whether a suggestion's agent is this model's (any version; `load --suggestions model:PATH` too)."""
    key = current.split(" ", 1)[0]
    return agent is not None and (agent == key or agent.startswith(key + " "))


def weights_digest(folder: Path) -> str:
    """A short hash of a model folder's weights (for a model without training.json)."""
    digest = hashlib.sha256()
    files = sorted(folder.glob("*.safetensors")) + sorted(folder.glob("*.bin")) if folder.is_dir() else []
    for path in files:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()[:12] if files else "unknown"


def read_training(model_path: Path | str) -> TrainingInfo | None:
    path = Path(model_path) / "training.json"
    if not path.exists():
        return None
    return RunFolder(Path(model_path).parent.parent).read_json(path, TrainingInfo)


def check_labels(model: NerModel, dataset: rg.Dataset) -> None:
    if templates.task_of(dataset) != "ner":
        raise TemplateError(f"dataset {dataset.name!r} is not an NER project; suggest pre-annotates spans")
    labels = list(dataset.settings.questions[templates.SPAN_QUESTION].labels)
    unknown = [label for label in model.labels if label not in labels]
    if unknown:
        raise LabelMismatchError(
            f"model {model.name} predicts {unknown}, which dataset {dataset.name!r} has not (its labels: "
            f"{labels}); pass --model with a model trained on this dataset's labels"
        )


def suggest(
    client: rg.Argilla,
    dataset: rg.Dataset,
    model: NerModel,
    options: SuggestOptions,
    progress: Progress | None = None,
) -> SuggestReport:
    """Pre-annotate the records of `options.records` (module docstring); returns what was done."""
    options.check()
    check_labels(model, dataset)
    agent = agent_name(options.model_path, read_training(options.model_path), model.precision)
    kept = "records done so far keep this model's suggestions; re-run the same command to finish"
    with api_errors(client, f"pre-annotating dataset {dataset.name!r}", kept):
        order = set_up_properties(client, dataset, options.order)
        items = list_records(client, dataset)
        wanted = [r for r in items if options.records == "all" or r.status == "pending"]
        todo = [r for r in wanted if r.metadata.get(SUGGESTED_BY) != agent]
        report = SuggestReport(agent, len(todo), len(wanted) - len(todo), order=order)
        task = progress.add_task(f"suggesting in {dataset.name}", total=len(todo)) if progress else None
        for batch in chunks(todo, options.upload_size):
            started = time.perf_counter()
            predictions = model.predict([str(r.fields.get("text", "")) for r in batch], options.batch_size)
            report.seconds += time.perf_counter() - started
            question_id = str(dataset.settings.questions[templates.SPAN_QUESTION].id)
            updates = [
                record_update(r, p, agent, question_id, order == "uncertainty", report)
                for r, p in zip(batch, predictions, strict=True)
            ]
            upsert_records(client, dataset, updates)
            if progress is not None and task is not None:
                progress.advance(task, len(batch))
    return report


def set_up_properties(client: rg.Argilla, dataset: rg.Dataset, order: str | None) -> str:
    """`incertidumbre` (always) and `prioridad_cola` (added by --order uncertainty, removed by --order
    walk); returns the queue order the dataset then has."""
    properties = metadata_properties(client, dataset)
    if UNCERTAINTY_PROPERTY not in properties:
        title = "Incertidumbre del modelo (1 - confianza de la palabra más dudosa)"
        add_float_property(client, dataset, UNCERTAINTY_PROPERTY, title)
    if order == "uncertainty" and PRIORITY_PROPERTY not in properties:
        add_float_property(client, dataset, PRIORITY_PROPERTY, "Prioridad en la cola (incertidumbre)")
    if order == "walk" and PRIORITY_PROPERTY in properties:
        delete_property(client, properties[PRIORITY_PROPERTY])
    has_priority = order == "uncertainty" or (order is None and PRIORITY_PROPERTY in properties)
    return "uncertainty" if has_priority else "walk"


def record_update(
    record: RecordItem,
    prediction: Prediction,
    agent: str,
    question_id: str,
    priority: bool,
    report: SuggestReport,
) -> dict[str, Any]:
    """The bulk item of one record: its metadata with the uncertainty, and this model's suggestion
    unless the record's suggestion is someone else's."""
    metadata = {**record.metadata, UNCERTAINTY_PROPERTY: prediction.uncertainty, SUGGESTED_BY: agent}
    if priority:
        metadata[PRIORITY_PROPERTY] = prediction.uncertainty
    report.uncertainty.append(prediction.uncertainty)
    item: dict[str, Any] = {"id": record.uuid, "metadata": metadata}
    current = record.suggestion(templates.SPAN_QUESTION)
    if current is not None and not is_ours(current.agent, agent):
        report.kept_other += 1
        return item
    if current is not None and record.responses:  # someone may have answered with it in view
        replaced = json.loads(record.metadata.get(REPLACED) or "[]")
        replaced.append([current.agent, current.updated_at, current.value])
        metadata[REPLACED] = json.dumps(replaced, ensure_ascii=False)
        report.replaced_answered += 1
    spans = prediction.spans
    item["suggestions"] = [
        {
            "question_id": question_id,
            "type": "model",
            "agent": agent,
            "value": [{"start": s, "end": e, "label": label} for s, e, label, _ in spans],
            "score": [score for *_, score in spans] or None,
        }
    ]
    report.suggested += 1
    report.with_entities += bool(spans)
    report.spans += len(spans)
    return item
