"""Entity-level scores as the NER literature reports them: seqeval, strict IOB2, micro-averaged.

    scores = entity_scores(gold, pred, labels=["FARMACO", "PROTEINA"])   # -> SplitMetrics
    scores.overall.f1, scores.per_label["FARMACO"].recall

Strict mode counts an entity only when type and both boundaries match and it starts with B- (an I- that
follows O or another type is not an entity). Every label asked for appears in `per_label`, with zeros and
support 0 when it is absent from both gold and predictions, so the card can list all of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from runfolder import Scores, SplitMetrics

Row = dict[str, float]  # a row of seqeval's classification_report(output_dict=True)


def entity_labels(tag_names: Iterable[str]) -> list[str]:
    """Entity types of BIO tag names: ["O", "B-X", "I-X", "B-Y"] -> ["X", "Y"]."""
    return sorted({name[2:] for name in tag_names if name[:2] in ("B-", "I-")})


def entity_scores(
    gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]], labels: Iterable[str] = ()
) -> SplitMetrics:
    """Overall (micro) and per-label precision/recall/F1 of predicted vs gold tag sequences."""
    from seqeval.metrics import classification_report
    from seqeval.scheme import IOB2

    if len(gold) != len(pred) or any(len(g) != len(p) for g, p in zip(gold, pred, strict=True)):
        raise ValueError("gold and predicted tag sequences differ in number or length")
    report: dict[str, Row] = {}  # label or "micro avg" -> precision, recall, f1-score, support
    if any(t != "O" for seq in [*gold, *pred] for t in seq):
        report = classification_report(
            [list(g) for g in gold],
            [list(p) for p in pred],
            mode="strict",
            scheme=IOB2,
            output_dict=True,
            zero_division=0,
        )
    per_label = {label: _scores(report.get(label)) for label in sorted({*labels, *_types(report)})}
    overall = _scores(report.get("micro avg"))
    accuracy = _token_accuracy(gold, pred)
    return SplitMetrics(overall=overall, per_label=per_label, extra={"token_accuracy": accuracy})


def _types(report: dict[str, Row]) -> list[str]:
    return [key for key in report if not key.endswith(" avg")]


def _scores(row: Row | None) -> Scores:
    row = row or {}
    return Scores(
        precision=float(row.get("precision", 0.0)),
        recall=float(row.get("recall", 0.0)),
        f1=float(row.get("f1-score", 0.0)),
        support=int(row.get("support", 0)),
    )


def _token_accuracy(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]) -> float:
    pairs = [(g, p) for gs, ps in zip(gold, pred, strict=True) for g, p in zip(gs, ps, strict=True)]
    return sum(g == p for g, p in pairs) / len(pairs) if pairs else 0.0


def flat_scores(metrics: SplitMetrics) -> dict[str, float]:
    """The numbers the Trainer logs at each evaluation: overall P/R/F1 and F1 per label."""
    flat = {
        "precision": metrics.overall.precision,
        "recall": metrics.overall.recall,
        "f1": metrics.overall.f1,
    }
    flat.update({f"f1_{label}": scores.f1 for label, scores in metrics.per_label.items()})
    return flat
