"""`python -m cards build`: measure the run, write bias.json and privacy.json, then the cards.

    result = build_cards(Path("runs/demo"))
    result.files   # bias.json, privacy.json, cards/dataset/README.md + README_ES.md + plots, cards/model-ner/

The cards folder is written aside and replaced as a whole (`RunFolder.atomic_dir`), and only after the
new cards pass `cards check` against the same run: a card that states a number the run folder does not
have is a bug, and leaves the previous cards in place. Hub fields the run cannot fill (a base model that
is a local path, so no `base_model`) are returned as warnings instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from annotate.runfolder import RunFolder, write_json
from cards.errors import CardGapsError
from cards.facts import DatasetFacts, ModelFacts, read_dataset_facts, read_model_facts
from cards.limitations import Finding, dataset_findings, model_findings


@dataclass(frozen=True)
class CardContext:
    """Everything the cards of one run state, measured once."""

    run: RunFolder
    dataset: DatasetFacts
    bias: dict[str, Any]
    privacy: dict[str, Any]
    dataset_findings: list[Finding]
    model_facts: dict[str, ModelFacts]
    model_findings: dict[str, list[Finding]]
    generated: dict[str, str]
    dataset_id: str
    model_ids: dict[str, str] = field(default_factory=dict)

    @property
    def models(self) -> list[str]:
        return sorted(self.model_facts)


@dataclass(frozen=True)
class BuildResult:
    files: list[Path]
    cards: list[Path]
    warnings: list[str] = field(default_factory=list)  # Hub fields the run cannot fill (see `Gap.kind`)


def measure(
    run: RunFolder,
    dataset_id: str | None = None,
    model_id: str | None = None,
    *,
    bias: dict[str, Any] | None = None,
    privacy: dict[str, Any] | None = None,
) -> CardContext:
    """Read and measure everything; `bias`/`privacy` given (read from bias.json/privacy.json) are reused."""
    from cards.bias import measure_bias
    from cards.privacy import scan_documents
    from cards.texts import document_texts

    dataset = read_dataset_facts(run)
    if bias is None or privacy is None:
        texts = document_texts(run)
        bias = measure_bias(run, dataset, texts) if bias is None else bias
        privacy = scan_documents(texts) if privacy is None else privacy
    models = {task: read_model_facts(run, task) for task in run.model_tasks()}
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
            "command": f"python -m cards build --run {run.path}",
            "run": str(run.path),
            "date": datetime.now(UTC).date().isoformat(),
        },
        dataset_id=dataset_id or dataset.run_name,
        model_ids={
            task: base_id if len(models) == 1 and model_id else f"{base_id}-{task}" for task in models
        },
    )


def build_cards(
    path: Path, *, dataset_id: str | None = None, model_id: str | None = None, check: bool = True
) -> BuildResult:
    from cards.check import check_card
    from cards.check_numbers import known_values
    from cards.dataset_card import write_dataset_card
    from cards.model_card import write_model_card

    run = RunFolder(path)
    context = measure(run, dataset_id, model_id)
    write_json(run.bias, context.bias)
    write_json(run.privacy, context.privacy)
    with run.atomic_dir(run.cards) as tmp:
        cards = write_dataset_card(tmp / "dataset", context)
        for task in context.models:
            cards += write_model_card(tmp / f"model-{task}", context, task)
        warnings: list = []
        if check:
            known = known_values(context)
            gaps = [gap for card in cards for gap in check_card(card, known=known)]
            warnings = [gap for gap in gaps if gap.kind == "field"]
            gaps = [gap for gap in gaps if gap.kind != "field"]
            if gaps:
                listing = "; ".join(str(g) for g in gaps[:5])
                raise CardGapsError(
                    f"the new cards fail their own check ({len(gaps)} gaps: {listing}); the previous cards "
                    "are kept. This is a bug in cards: report it, or pass --no-check to write them anyway",
                    gaps,
                )
        relative = [card.relative_to(tmp) for card in cards]
        written = sorted(p.relative_to(tmp) for p in tmp.rglob("*") if p.is_file())
    return BuildResult(
        files=[run.bias, run.privacy, *(run.cards / p for p in written)],
        cards=[run.cards / p for p in relative],
        warnings=[str(w).replace(str(tmp), str(run.cards)) for w in warnings],
    )
