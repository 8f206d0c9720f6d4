"""How the suggestions shaped the answers: per answer, which suggestion was on screen and what the
annotator did with it; per label, how many suggested spans were kept; agreement with and without.

    shown = shown_suggestion(record, "entidades", response_inserted_at)   # Shown | None
    relation(shown.spans, answer_spans)          # accepted | corrected | rejected | added
    summary = suggestion_summary(uses, agreement_with, agreement_without)  # run.json export.suggestions

The suggestion shown to an answer is the one the record had when the response was first saved
(`inserted_at`): the record's current suggestion if it was written before, else the latest earlier
one `annotate suggest` kept in `_sugerencias_previas` when it replaced it; none when every
suggestion came later (the annotator answered without one). Relations, by exact spans
(start, end, label):
- accepted: the answer is the suggestion, unchanged (an empty suggestion answered empty too);
- added: every suggested span kept, and more marked;
- rejected: the suggestion had spans and none was kept;
- corrected: anything else (some kept, some removed or changed).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from annotate.argilla.api import RecordItem

REPLACED = "_sugerencias_previas"  # written by annotate.argilla.preannotate
RELATIONS = ("accepted", "corrected", "rejected", "added")
Spans = frozenset[tuple[int, int, str]]


@dataclass(frozen=True)
class Shown:
    agent: str | None
    spans: Spans

    @property
    def kind(self) -> str:
        """gold | lexicon | model | other: the source of the suggestion."""
        head = (self.agent or "").split(":", 1)[0]
        return head if head in ("gold", "lexicon", "model") else "other"


@dataclass(frozen=True)
class Use:
    """One submitted answer to the span question and the suggestion it was given (None: none)."""

    record_id: str
    annotator: str
    answer: Spans
    shown: Shown | None

    @property
    def relation(self) -> str | None:
        return None if self.shown is None else relation(self.shown.spans, self.answer)


def spans_of(value: Any) -> Spans:
    return frozenset((int(s["start"]), int(s["end"]), str(s["label"])) for s in value or [])


def _time(stamp: str) -> datetime | None:
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).replace(tzinfo=None)
    except (AttributeError, ValueError):
        return None


def shown_suggestion(record: RecordItem, question: str, answered_at: str | None) -> Shown | None:
    """The suggestion of `question` the record had when the response was first saved (module docstring)."""
    candidates: list[tuple[datetime, str | None, Any]] = []
    current = record.suggestion(question)
    if current is not None and (at := _time(current.updated_at)) is not None:
        candidates.append((at, current.agent, current.value))
    try:
        earlier = json.loads(record.metadata.get(REPLACED) or "[]")
    except (TypeError, ValueError):
        earlier = []
    for agent, written, value in earlier:
        if (at := _time(written)) is not None:
            candidates.append((at, agent, value))
    answered = _time(answered_at) if answered_at else None
    if answered is None:
        return None
    before = [c for c in candidates if c[0] <= answered]
    if not before:
        return None
    _, agent, value = max(before, key=lambda c: c[0])
    return Shown(agent, spans_of(value))


def relation(suggested: Spans, answer: Spans) -> str:
    if answer == suggested:
        return "accepted"
    if suggested < answer:
        return "added"
    if suggested and not suggested & answer:
        return "rejected"
    return "corrected"


def acceptance_per_label(uses: Iterable[Use]) -> dict[str, dict[str, float | int]]:
    """Per label: spans suggested (to answers that saw them), kept exactly, and the rate."""
    suggested: Counter[str] = Counter()
    kept: Counter[str] = Counter()
    for use in uses:
        if use.shown is None:
            continue
        for span in use.shown.spans:
            suggested[span[2]] += 1
            kept[span[2]] += span in use.answer
    return {
        label: {"suggested": n, "accepted": kept[label], "rate": kept[label] / n}
        for label, n in sorted(suggested.items())
    }


def suggestion_summary(
    uses: Sequence[Use], agreement_with: dict[str, Any], agreement_without: dict[str, Any]
) -> dict[str, Any]:
    """run.json `export.suggestions`: answers with and without a suggestion shown, the relations (all
    and per kind of source), acceptance per label, agreement (span F1) on records whose every answer
    saw a suggestion vs records whose no answer did."""
    shown = [u for u in uses if u.shown is not None]
    by_kind: dict[str, Counter[str]] = defaultdict(Counter)
    for use in shown:
        assert use.shown is not None and use.relation is not None
        by_kind[use.shown.kind][use.relation] += 1
    relations = Counter(u.relation for u in shown)
    return {
        "answers": len(uses),
        "answers_with_suggestion": len(shown),
        "answers_without_suggestion": len(uses) - len(shown),
        "relations": {r: relations[r] for r in RELATIONS},
        "relations_by_source": {
            kind: {r: counts[r] for r in RELATIONS} for kind, counts in sorted(by_kind.items())
        },
        "acceptance_per_label": acceptance_per_label(shown),
        "agreement": {"with_suggestion": agreement_with, "without_suggestion": agreement_without},
    }


def records_by_exposure(uses: Iterable[Use]) -> tuple[set[str], set[str]]:
    """(records whose every submitted answer saw a suggestion, records whose none did)."""
    seen: dict[str, set[bool]] = defaultdict(set)
    for use in uses:
        seen[use.record_id].add(use.shown is not None)
    return {r for r, s in seen.items() if s == {True}}, {r for r, s in seen.items() if s == {False}}
