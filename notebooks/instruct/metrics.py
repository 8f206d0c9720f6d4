"""Scores of generated answers: exact match, ROUGE-L, and the entity F1 of extraction answers.

    rouge_l("FARMACO: metformina", "FARMACO: metformina 850")   # 0.857: LCS F-measure over word tokens
    metrics = score(tasks, templates, golds, preds, model="models/instruction")   # -> Metrics

ROUGE-L here: lowercased words and punctuation marks (`\\w+|[^\\w\\s]`), longest common subsequence,
F-measure with beta = 1 (as `rouge-score`'s rougeL without stemming); two empty texts score 1.
Exact match: equal after collapsing whitespace. Per sample task:
- extraction (`extraccion`, `extraccion_etiqueta`): `entity_scores` (below) of the
  parsed answer against the parsed gold answer (micro P/R/F1 of (label, text) pairs, per label);
- tipado, mencion, clasificacion: accuracy of the parsed value (P = R = F1 = accuracy, support = samples);
- any other task (free-form instructions, e.g. reviewed BioInstruct data): accuracy = exact match.
`Metrics.test.overall` is the main score: entity F1 over every extraction sample (ROUGE-L when the test
split has none, and `scheme` says so); `per_task` has one entry per task and per `task/template_id`,
each with exact_match, rouge_l and samples in `extra`.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from portable.answers import EXTRACTION_TASKS, TASKS, Pair, answer_key, parse_answer
from runfolder import Metrics, Scores, SplitMetrics

TOKEN = re.compile(r"\w+|[^\w\s]")
SCHEME_F1 = "entity F1 of the parsed answers of extraction samples ((label, text) pairs, micro)"
SCHEME_ROUGE = "ROUGE-L F-measure of the answers (no extraction samples in the test split)"


def words(text: str) -> list[str]:
    return TOKEN.findall(text.lower())


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    if len(a) < len(b):
        a, b = b, a
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b, start=1):
            current.append(previous[j - 1] + 1 if x == y else max(previous[j], current[j - 1]))
        previous = current
    return previous[-1]


def rouge_l(prediction: str, reference: str) -> float:
    p, r = words(prediction), words(reference)
    if not p or not r:
        return float(not p and not r)
    common = lcs_length(p, r)
    if common == 0:
        return 0.0
    precision, recall = common / len(p), common / len(r)
    return 2 * precision * recall / (precision + recall)


def exact_match(prediction: str, reference: str) -> float:
    return float(" ".join(prediction.split()) == " ".join(reference.split()))


def same_answer(task: str, gold: str, pred: str) -> bool:
    """Parsed values equal (remix tasks), or exact match (free-form instructions)."""
    if task in TASKS:
        return parse_answer(task, gold) == parse_answer(task, pred)
    return bool(exact_match(pred, gold))


def group_metrics(tasks: Sequence[str], golds: Sequence[str], preds: Sequence[str]) -> SplitMetrics:
    """The scores of one group of samples (a task, a template, or everything)."""
    n = len(golds)
    extra = {
        "exact_match": sum(map(exact_match, preds, golds)) / n if n else 0.0,
        "rouge_l": sum(map(rouge_l, preds, golds)) / n if n else 0.0,
        "samples": float(n),
    }
    pairs = [(t, g, p) for t, g, p in zip(tasks, golds, preds, strict=True) if t in EXTRACTION_TASKS]
    if pairs:
        scores = entity_scores(
            [parse_answer(t, g) for t, g, _ in pairs], [parse_answer(t, p) for t, _, p in pairs]
        )
        scores.extra.update(extra, extraction_samples=float(len(pairs)))
        return scores
    right = sum(same_answer(t, g, p) for t, g, p in zip(tasks, golds, preds, strict=True))
    accuracy = right / n if n else 0.0
    extra["accuracy"] = accuracy
    return SplitMetrics(
        overall=Scores(precision=accuracy, recall=accuracy, f1=accuracy, support=n), extra=extra
    )


def score(
    tasks: Sequence[str], templates: Sequence[str], golds: Sequence[str], preds: Sequence[str], model: str
) -> Metrics:
    groups: dict[str, list[int]] = defaultdict(list)
    for i, (task, template) in enumerate(zip(tasks, templates, strict=True)):
        groups[task].append(i)
        groups[f"{task}/{template}"].append(i)
    per_task = {
        name: group_metrics([tasks[i] for i in idx], [golds[i] for i in idx], [preds[i] for i in idx])
        for name, idx in sorted(groups.items())
    }
    test = group_metrics(tasks, golds, preds)
    scheme = SCHEME_F1
    if not any(t in EXTRACTION_TASKS for t in tasks):
        rouge = test.extra["rouge_l"]
        test = SplitMetrics(
            overall=Scores(precision=rouge, recall=rouge, f1=rouge, support=len(golds)), extra=test.extra
        )
        scheme = SCHEME_ROUGE
    return Metrics(task="instruction", model=model, scheme=scheme, test=test, per_task=per_task)


def table(metrics: Metrics) -> str:
    """The test scores as a text table: overall, then per task and per template."""
    lines = [f"{'test':<46}{'F1/acc':>8}{'EM':>7}{'ROUGE-L':>9}{'n':>6}"]
    main = "overall (entity F1)" if metrics.scheme == SCHEME_F1 else "overall (ROUGE-L)"
    for name, scores in [(main, metrics.test), *metrics.per_task.items()]:
        extra = scores.extra
        lines.append(
            f"{name[:45]:<46}{scores.overall.f1:8.3f}{extra['exact_match']:7.3f}"
            f"{extra['rouge_l']:9.3f}{int(extra['samples']):6d}"
        )
    return "\n".join(lines)


def before_after(before: Metrics, after: Metrics) -> str:
    """Before vs after tuning, per task: main score (entity F1 or accuracy), exact match, ROUGE-L."""
    lines = [f"{'test (before -> after)':<22}{'F1/acc':>16}{'EM':>16}{'ROUGE-L':>16}{'n':>6}"]
    rows = [("overall", before.test, after.test)]
    rows += [
        (t, before.per_task[t], after.per_task[t])
        for t in after.per_task
        if "/" not in t and t in before.per_task
    ]
    for name, b, a in rows:
        cells = [(b.overall.f1, a.overall.f1)]
        cells += [(b.extra[k], a.extra[k]) for k in ("exact_match", "rouge_l")]
        text = "".join(f"{x:7.3f} -> {y:5.3f}" for x, y in cells)
        lines.append(f"{name[:21]:<22}{text}{int(a.extra['samples']):6d}")
    return "\n".join(lines)


def entity_scores(
    gold: Sequence[Sequence[Pair]], pred: Sequence[Sequence[Pair]], labels: Iterable[str] = ()
) -> SplitMetrics:
    """Micro precision/recall/F1 over samples of (label, text) multisets, overall and per label."""
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold answers but {len(pred)} predictions")
    counts: Counter[tuple[str, str]] = Counter()  # (label, "tp" | "gold" | "pred")
    for g, p in zip(gold, pred, strict=True):
        g_set, p_set = Counter(answer_key(x) for x in g), Counter(answer_key(x) for x in p)
        for (label, _), n in (g_set & p_set).items():
            counts[label, "tp"] += n
        for (label, _), n in g_set.items():
            counts[label, "gold"] += n
        for (label, _), n in p_set.items():
            counts[label, "pred"] += n
    names = sorted({*labels, *(label for label, _ in counts)})
    per_label = {
        name: _scores(counts[name, "tp"], counts[name, "gold"], counts[name, "pred"]) for name in names
    }
    total = {kind: sum(counts[name, kind] for name in names) for kind in ("tp", "gold", "pred")}
    return SplitMetrics(overall=_scores(total["tp"], total["gold"], total["pred"]), per_label=per_label)


def _scores(tp: int, gold: int, pred: int) -> Scores:
    precision = tp / pred if pred else 0.0
    recall = tp / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(precision=precision, recall=recall, f1=f1, support=gold)
