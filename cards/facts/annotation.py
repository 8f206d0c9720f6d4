"""Annotation facts: annotations.parquet (who answered how much), agreement.json, review.jsonl.

All three are optional: a corpus loaded with its own annotations and never annotated in Argilla has
none, and the cards then say that agreement was not measured instead of inventing it.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING

from cards.facts.model import AnnotationFacts, MetricFacts, QuestionAgreementFacts, ReviewFacts
from runfolder import RunFolder, RunFolderError

if TYPE_CHECKING:
    import pandas as pd

PARQUET_COLUMNS = ("record_id", "document_id", "question", "annotator", "status", "inserted_at", "updated_at")


def _date(value: object) -> str | None:
    text = str(value) if value is not None else ""
    return text[:10] if len(text) >= 10 and text[:4].isdigit() else None


def origins(submitted: pd.DataFrame) -> tuple[dict[str, int] | None, dict[str, int] | None, list[dict]]:
    """(responses, annotators) per origin of the submitted answers, and the simulator settings behind them;
    (None, None, []) when the parquet has no `origin` column (written before it was recorded)."""
    if "origin" not in submitted.columns:
        return None, None, []
    responses = submitted.drop_duplicates(["record_id", "user_id" if "user_id" in submitted else "annotator"])
    by_origin = {str(k): int(v) for k, v in sorted(Counter(responses["origin"]).items())}
    annotators = {
        str(k): int(v) for k, v in sorted(responses.groupby("origin")["annotator"].nunique().items())
    }
    column = responses.get("simulator", [])
    settings = sorted({str(s) for s in column if isinstance(s, str) and s})
    return by_origin, annotators, [json.loads(s) for s in settings]


def annotation_facts(run: RunFolder, annotators_kind: str | None = None) -> AnnotationFacts | None:
    if not run.annotations.exists():
        return None
    import pandas as pd

    try:
        frame = pd.read_parquet(run.annotations)
    except (OSError, ValueError) as exc:
        raise RunFolderError(
            f"{run.annotations} is not a readable parquet file ({exc}); re-run the export"
        ) from None
    missing = [c for c in PARQUET_COLUMNS if c not in frame.columns]
    if missing:
        raise RunFolderError(
            f"{run.annotations} lacks the columns {', '.join(missing)}; re-run `python -m annotate export`"
        )
    submitted = frame[frame["status"] == "submitted"]
    per_record = submitted.groupby("record_id")["annotator"].nunique()
    per_annotator = submitted.groupby("annotator")["record_id"].nunique()
    stamps = pd.concat([frame["inserted_at"], frame["updated_at"]]).dropna().astype(str)
    by_origin, annotators, simulator = origins(submitted)
    return AnnotationFacts(
        annotators=int(submitted["annotator"].nunique()),
        records=int(frame["record_id"].nunique()),
        documents=int(frame["document_id"].nunique()),
        questions=sorted(frame["question"].dropna().unique().tolist()),
        responses_by_status={str(k): int(v) for k, v in sorted(Counter(frame["status"]).items())},
        submitted_per_annotator=sorted((int(v) for v in per_annotator.values), reverse=True),
        records_with_2_or_more=int((per_record >= 2).sum()),
        first_date=_date(stamps.min()) if len(stamps) else None,
        last_date=_date(stamps.max()) if len(stamps) else None,
        responses_by_origin=by_origin,
        annotators_by_origin=annotators,
        simulator=simulator,
        annotators_kind=annotators_kind,
    )


def _metrics(block: dict) -> dict[str, MetricFacts]:
    return {
        name: MetricFacts(**{k: m.get(k) for k in ("value", "n", "unit", "reason")})
        for name, m in block.items()
    }


def agreement_facts(run: RunFolder) -> list[QuestionAgreementFacts]:
    if not run.agreement.exists():
        return []
    data = run.read_json(run.agreement)
    try:
        return [
            QuestionAgreementFacts(
                question=name,
                kind=q["kind"],
                records=q["counts"]["records"],
                annotators=q["counts"]["annotators"],
                records_with_2_or_more=q["counts"]["records_with_2_or_more_annotators"],
                overall=_metrics(q["overall"]),
                per_label={label: _metrics(block) for label, block in q.get("per_label", {}).items()},
                pairs=len(q.get("per_pair", {})),
                notes=list(q.get("notes", [])),
            )
            for name, q in sorted(data["questions"].items())
        ]
    except (KeyError, TypeError) as exc:
        raise RunFolderError(
            f"{run.agreement} is malformed (missing {exc}); re-run `python -m annotate export`"
        ) from None


def review_facts(run: RunFolder) -> ReviewFacts | None:
    if not run.review.exists():
        return None
    items = []
    for number, line in enumerate(run.review.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                items.append(json.loads(line))
            except ValueError:
                raise RunFolderError(f"{run.review}:{number}: not JSON; re-run the export") from None
    return ReviewFacts(
        items=len(items),
        records=len({item.get("record_id") for item in items}),
        by_reason=dict(sorted(Counter(str(item.get("reason")) for item in items).items())),
    )
