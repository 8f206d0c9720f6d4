"""`annotate simulate`: simulated annotators who answer from the corpus's own annotations, with noise.

For tests, the quickstart and benchmarks. Accounts are named `sim-anotador-<k>` (role annotator) so
nobody mistakes them for people. Each gold span, with probability `noise`, suffers one of: missed,
boundary shift (one word more or less at one end), wrong label; and each record, with probability
`noise`, gets one spurious span on a word outside every span. The random stream is seeded by
(seed, annotator, record id): the same call gives the same answers, whatever the record order.

Every record it answers carries, in its extra metadata `_simulado` (`answers.SIMULATED_MARKER`), the
simulator's settings by the id of each simulated annotator who answered it (`{"<user id>": {"tool":
"annotate simulate", "annotators": 3, "noise": 0.1, "seed": 13}}`, JSON): `annotate export` reads it
to mark those answers `simulated` in annotations.parquet, so that no card calls them people's work.
A response carries no metadata of its own in Argilla 2.8, and a name is no proof: hence the record's.
A simulated account's password is thrown away, so its answers are the simulator's: when a reload
(`annotate load` again) replaced a record's metadata, the next `simulate` marks them again.
"""

from __future__ import annotations

import json
import random
import re
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from annotate.argilla import templates
from annotate.argilla.answers import SIMULATED_MARKER, simulated_by
from annotate.argilla.api import api_errors
from annotate.argilla.records import gold_spans
from annotate.errors import OptionError, TemplateError

if TYPE_CHECKING:
    import argilla as rg

WORD = re.compile(r"\w+")
TOOL = "annotate simulate"
Mark = tuple[int, int, str]  # (start, end, label): one span as an annotator marks it


@dataclass(frozen=True)
class SimulationReport:
    annotators: list[str]
    records: int
    responses: int
    changed_spans: int


def noisy_spans(
    gold: list[Mark], text: str, labels: list[str], noise: float, rng: random.Random, overlapping: bool = True
) -> list[Mark]:
    """One annotator's answer for one record (without overlaps when the question forbids them)."""
    out: list[Mark] = []
    for start, end, label in gold:
        if rng.random() >= noise:
            out.append((start, end, label))
            continue
        kind = rng.choice(["missed", "shift", "label"])
        if kind == "shift":
            out.append(shift(start, end, label, text, rng))
        elif kind == "label" and len(labels) > 1:
            out.append((start, end, rng.choice([x for x in labels if x != label])))
    if rng.random() < noise:
        free = [
            m.span() for m in WORD.finditer(text) if all(m.end() <= s or m.start() >= e for s, e, _ in out)
        ]
        if free:
            s, e = rng.choice(free)
            out.append((s, e, rng.choice(labels)))
    out = sorted(set(out))
    if not overlapping:  # a shifted boundary may run into the next span: the annotator keeps the first
        kept: list[Mark] = []
        for span in out:
            if not kept or span[0] >= kept[-1][1]:
                kept.append(span)
        out = kept
    return out


def shift(start: int, end: int, label: str, text: str, rng: random.Random) -> Mark:
    """Move one boundary by one word: grow to the next word or shrink by the last word, never empty."""
    words = [m.span() for m in WORD.finditer(text)]
    inside = [w for w in words if w[0] >= start and w[1] <= end]
    after = [w for w in words if w[0] >= end]
    if len(inside) > 1 and rng.random() < 0.5:
        return (start, inside[-2][1], label)
    if after:
        return (start, after[0][1], label)
    before = [w for w in words if w[1] <= start]
    return (before[-1][0], end, label) if before else (start, end, label)


def mark(record: rg.Record, user_id: str, settings: dict) -> None:
    """Record on `record` that `user_id`'s answer is the simulator's, with its settings."""
    marks = simulated_by(dict(record.metadata))
    marks[user_id] = settings
    record.metadata[SIMULATED_MARKER] = json.dumps(marks, sort_keys=True)


def annotators(client: rg.Argilla, workspace: rg.Workspace, count: int) -> list[rg.User]:
    import argilla as rg

    users, members = [], {u.username for u in workspace.users}
    for k in range(1, count + 1):
        name = f"sim-anotador-{k}"
        user = (
            client.users(name)
            or rg.User(
                username=name,
                first_name=f"Anotador simulado {k}",
                role="annotator",
                password=secrets.token_urlsafe(16),
                client=client,
            ).create()
        )
        if name not in members:
            workspace.add_user(user)
        users.append(user)
    return users


def simulate(
    client: rg.Argilla, dataset: rg.Dataset, count: int, noise: float, seed: int
) -> SimulationReport:
    """Submit the answers of `count` simulated annotators to every record they have not answered yet."""
    if not 0 <= noise <= 1:
        raise OptionError(f"--noise {noise}: use a probability between 0 and 1")
    if templates.task_of(dataset) != "ner":
        raise TemplateError(
            f"dataset {dataset.name!r} is not an NER project: the simulator answers span questions"
        )
    kept = "answers already sent are kept; a re-run skips the records they answered"
    with api_errors(client, f"simulating annotators on {dataset.name!r}", kept):
        return _simulate(client, dataset, count, noise, seed)


def _simulate(
    client: rg.Argilla, dataset: rg.Dataset, count: int, noise: float, seed: int
) -> SimulationReport:
    import argilla as rg

    question = dataset.settings.questions[templates.SPAN_QUESTION]
    labels, overlapping = list(question.labels), bool(question.allow_overlapping)
    users = annotators(client, dataset.workspace, count)
    records, changed, responses = list(dataset.records(with_responses=True, with_suggestions=True)), 0, 0
    settings = {"tool": TOOL, "annotators": count, "noise": noise, "seed": seed}
    for record in records:
        gold = gold_spans(record.metadata)
        answered = {str(r.user_id) for r in record.responses}
        marks = simulated_by(dict(record.metadata))
        for user in users:
            if str(user.id) in answered:
                if str(user.id) not in marks:  # a reload replaced the metadata: the answer is still ours
                    mark(record, str(user.id), settings)
                continue
            mark(record, str(user.id), settings)
            rng = random.Random(f"{seed}|{user.username}|{record.id}")
            spans = noisy_spans(gold, record.fields["text"], labels, noise, rng, overlapping)
            changed += len(set(spans) ^ set(gold))
            value = [{"start": s, "end": e, "label": label} for s, e, label in spans]
            record.responses.add(
                rg.Response(templates.SPAN_QUESTION, value, user_id=user.id, status="submitted")
            )
            responses += 1
    dataset.records.log(records, batch_size=250)
    return SimulationReport([u.username for u in users], len(records), responses, changed)
