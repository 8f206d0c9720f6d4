"""Limitations measured for this dataset and model: a list of findings the templates put into words.

    findings = dataset_findings(dataset, bias, privacy)   # [Finding("size", {...}), ...]
    findings = model_findings(model, bias)

A finding is a code and the measured values behind it; the sentence for each code is in the language's
template (`templates/findings.<lang>.md.j2`), so the facts are chosen once and said in both languages.
The agreement level follows Krippendorff (2004): alpha >= 0.8 "reliable", >= 0.667 "tentative" (only
tentative conclusions), below "low".
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from cards.facts.model import DatasetFacts, ModelFacts, QuestionAgreementFacts
from cards.measure.groups import NOT_STATED


class Finding(BaseModel):
    code: str
    values: dict[str, Any]


def agreement_level(alpha: float | None) -> str | None:
    if alpha is None:
        return None
    return "reliable" if alpha >= 0.8 else "tentative" if alpha >= 0.667 else "low"


def main_question(dataset: DatasetFacts) -> QuestionAgreementFacts | None:
    spans = [q for q in dataset.agreement if q.kind == "spans"]
    return next(iter(spans or dataset.agreement), None)


def _agreement(dataset: DatasetFacts) -> Finding:
    question = main_question(dataset)
    if dataset.annotation is None and question is None:
        return Finding(code="agreement", values={"measured": False, "reason": "no_annotations"})
    if question is None:
        return Finding(code="agreement", values={"measured": False, "reason": "no_agreement_file"})
    alpha = question.overall.get("alpha_u") or question.overall.get("alpha_nominal")
    f1 = question.overall.get("f1")
    value = alpha.value if alpha else None
    return Finding(
        code="agreement",
        values={
            "measured": value is not None or (f1 is not None and f1.value is not None),
            "reason": (alpha.reason if alpha else None) or "no_alpha",
            "question": question.question,
            "alpha": value,
            "f1": f1.value if f1 else None,
            "level": agreement_level(value),
            "annotators": question.annotators,
            "records_with_2_or_more": question.records_with_2_or_more,
            "origin": dataset.annotation.origin if dataset.annotation else "unknown",
        },
    )


def _groups(bias: dict[str, Any]) -> Finding:
    mentions = bias["mentions"]
    sized = [
        (kind, group, block["documents"])
        for kind in ("sex", "age")
        for group, block in mentions[kind].items()
        if group != NOT_STATED
    ]
    kind, group, documents = min(sized, key=lambda s: s[2])
    return Finding(
        code="groups",
        values={
            "sex_not_stated": mentions["sex"][NOT_STATED]["share"],
            "age_not_stated": mentions["age"][NOT_STATED]["share"],
            "smallest_kind": kind,
            "smallest_group": group,
            "smallest_documents": documents,
        },
    )


def dataset_findings(dataset: DatasetFacts, bias: dict[str, Any], privacy: dict[str, Any]) -> list[Finding]:
    test = next((s for s in dataset.splits if s.split == "test"), None)
    balance = bias["label_balance"]
    findings = [
        Finding(code="synthetic", values={"synthetic": dataset.corpus.synthetic}),
        Finding(
            code="size",
            values={
                "documents": dataset.total.documents,
                "entities": dataset.total.entities,
                "test_documents": test.documents if test else None,
                "scored": any(scores["available"] for scores in bias["model_scores"].values()),
            },
        ),
    ]
    if balance["imbalance_ratio"] is not None and len(balance["counts"]) > 1:
        findings.append(
            Finding(
                code="imbalance",
                values={
                    "majority": balance["majority"],
                    "majority_count": balance["counts"][balance["majority"]],
                    "minority": balance["minority"],
                    "minority_count": balance["counts"][balance["minority"]],
                    "ratio": balance["imbalance_ratio"],
                },
            )
        )
    findings.append(_agreement(dataset))
    if dataset.review and dataset.review.items:
        findings.append(
            Finding(code="review", values={"items": dataset.review.items, "records": dataset.review.records})
        )
    total = dataset.total
    if (
        total.entities is not None
        and total.entities_in_tokens is not None
        and total.entities > total.entities_in_tokens
    ):
        findings.append(
            Finding(
                code="nested",
                values={"left_out": total.entities - total.entities_in_tokens, "entities": total.entities},
            )
        )
    if dataset.corpus.import_problems:
        findings.append(Finding(code="import_problems", values={"count": dataset.corpus.import_problems}))
    findings.append(_groups(bias))
    findings.append(Finding(code="variety", values={"recorded": bias["variety"]["recorded"]}))
    findings.append(
        Finding(
            code="privacy",
            values={
                "total": sum(privacy["counts"].values()),
                "documents": privacy["documents_with_findings"],
            },
        )
    )
    return findings


def model_findings(model: ModelFacts, bias: dict[str, Any]) -> list[Finding]:
    findings = []
    training = model.training
    if training.fallback:  # never the folder used nor the exception text: the Hub id it is a copy of
        base = model.base
        findings.append(
            Finding(
                code="fallback", values={"asked": base.asked, "used": base.hub_id, "kind": base.fallback_kind}
            )
        )
    missing = f"{model.folder}/test_predictions.jsonl"
    scores = bias["model_scores"].get(model.task, {"available": False, "missing": missing})
    if scores["available"]:
        overall = scores["overall"]
        findings.append(
            Finding(
                code="interval",
                values={
                    "f1": overall["f1"],
                    "ci95": overall["ci95"],
                    "documents": overall["documents"],
                    "level": scores["interval"]["level"],
                },
            )
        )
        if not scores["matches_metrics"]:
            findings.append(
                Finding(
                    code="rescore_mismatch",
                    values={"f1": overall["f1"], "metrics_f1": model.metrics.test.overall.f1},
                )
            )
        for kind, gap in scores["gaps"].items():
            if gap:
                findings.append(
                    Finding(
                        code="group_gap",
                        values={
                            "kind": kind,
                            **gap,
                            "best_documents": scores[kind][gap["best"]]["documents"],
                            "worst_documents": scores[kind][gap["worst"]]["documents"],
                        },
                    )
                )
    else:
        findings.append(Finding(code="no_predictions", values={"missing": scores["missing"]}))
    per_label = model.metrics.test.per_label
    if len(per_label) > 1:
        weakest = min(per_label, key=lambda label: per_label[label].f1)
        findings.append(
            Finding(
                code="weakest_label",
                values={"label": weakest, "f1": per_label[weakest].f1, "support": per_label[weakest].support},
            )
        )
    findings.append(
        Finding(code="train_size", values={"train_samples": training.train_samples, "steps": training.steps})
    )
    return findings
