"""Everything the cards of one run state, read and measured once: `CardContext`.

    context = measure_run(RunFolder("runs/demo"))            # measures bias.json and privacy.json
    context = measure_run(run, bias=bias, privacy=privacy)   # reuses them, as read from the run folder

The writers (`cards.write`) render it and the checker (`cards.check.known`) reads its values back, so both
state and compare the very same facts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cards.facts.dataset import dataset_facts
from cards.facts.model import DatasetFacts, ModelFacts
from cards.facts.model_folder import model_facts
from cards.facts.texts import document_texts
from cards.measure.bias import measure_bias
from cards.measure.limitations import Finding, dataset_findings, model_findings
from cards.measure.privacy import scan_documents
from runfolder import RunFolder


@dataclass(frozen=True)
class HubRepos:
    """The Hub repos the cards are published to (`demo publish`): their ids go into the cards, and the cards
    link each other and the Space by URL instead of by relative path."""

    dataset: str  # ORG/NAME
    models: dict[str, str]  # task -> ORG/NAME-<task>
    space: str | None = None  # ORG/NAME-demo

    @classmethod
    def named(cls, dataset: str, tasks: list[str] | tuple[str, ...]) -> HubRepos:
        """The repos of a run published as `dataset` (ORG/NAME): ORG/NAME-<task> for each model and the
        Space ORG/NAME-demo, as `demo publish` names them."""
        return cls(dataset, {task: f"{dataset}-{task}" for task in tasks}, f"{dataset}-demo")

    def model(self, task: str) -> str:
        return self.models.get(task, f"{self.dataset}-{task}")


@dataclass(frozen=True)
class CardContext:
    """Everything the cards of one run state, measured once."""

    run: RunFolder
    dataset: DatasetFacts
    bias: dict[str, Any]  # the content of bias.json (`cards.measure.bias`)
    privacy: dict[str, Any]  # the content of privacy.json (`cards.measure.privacy`)
    dataset_findings: list[Finding]
    model_facts: dict[str, ModelFacts]
    model_findings: dict[str, list[Finding]]
    generated: dict[str, str]
    dataset_id: str
    model_ids: dict[str, str] = field(default_factory=dict)
    hub: HubRepos | None = None  # set when the cards are written for publishing

    @property
    def models(self) -> list[str]:
        return sorted(self.model_facts)


def measure_run(
    run: RunFolder,
    dataset_id: str | None = None,
    model_id: str | None = None,
    *,
    bias: dict[str, Any] | None = None,
    privacy: dict[str, Any] | None = None,
    hub: HubRepos | None = None,
) -> CardContext:
    """Read and measure everything; `bias`/`privacy` given (read from bias.json/privacy.json) are reused."""
    dataset = dataset_facts(run)
    if bias is None or privacy is None:
        texts = document_texts(run)
        bias = measure_bias(run, dataset, texts) if bias is None else bias
        privacy = scan_documents(texts) if privacy is None else privacy
    models = {task: model_facts(run, task) for task in run.model_tasks()}
    base_id = model_id or dataset.run_name
    return CardContext(
        run=run,
        dataset=dataset,
        bias=bias,
        privacy=privacy,
        dataset_findings=dataset_findings(dataset, bias, privacy),
        model_facts=models,
        model_findings={task: model_findings(m, bias) for task, m in models.items()},
        generated={
            "command": f"python -m cards build --run {shown_path(run)}",
            "run": shown_path(run),
            "date": datetime.now(UTC).date().isoformat(),
        },
        dataset_id=hub.dataset if hub else dataset_id or dataset.run_name,
        model_ids={
            task: hub.models[task]
            if hub and task in hub.models
            else base_id
            if len(models) == 1 and model_id
            else f"{base_id}-{task}"
            for task in models
        },
        hub=hub,
    )


def shown_path(run: RunFolder) -> str:
    """The run folder as a card shows it: as given when relative and inside the checkout, else runs/NAME
    (never a path of this machine)."""
    path = run.path
    if path.is_absolute() or ".." in path.parts:
        return f"runs/{path.resolve().name}"
    return path.as_posix()
