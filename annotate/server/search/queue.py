"""The annotation queue: in which order each annotator's pending records come, so that a team spreads.

The Argilla UI (argilla-frontend RecordRepository, `getRecordsByAdvanceSearch`) asks
POST /api/v1/me/datasets/{id}/records/search with the filters "response status = pending" (of the
current user) and "record status = pending", pages of 10 records, and sends a `sort` only when the
annotator picks one; the server passes the current user's id. Such a search is a queue, ordered by:
1. fewest expected answers first: the record's answers so far, submitted (anyone's) or drafts (someone
   is writing one), plus the other annotators who have it open now, i.e. the first record of the page
   each annotator got last (the one the UI shows; a lease, `Leases`, for LEASE_SECONDS or until their
   next queue page). So a record another annotator answered or is answering waits until those nobody
   has are taken, two people working at once rarely answer the same record, and a record rarely gets
   more answers than it needs (`bench/team.py` measures the wasted submissions; leasing the whole page
   of 10 reserved too much: the last records were all held by someone). A record leaves everyone's
   queue, as in Argilla, when the distribution marks it completed (`min_submitted` submitted answers:
   the record status filter);
2. then, when the dataset has the float metadata property `prioridad_cola` (PRIORITY_PROPERTY, written
   by `annotate suggest --order uncertainty`: the model's uncertainty), highest priority first, records
   without a value after those with one. It only breaks the ties of rule 1, so a record someone
   answered or holds still waits behind every record nobody has, whatever its priority; and a record
   open in someone's page is held as before, so the next annotator gets the next most uncertain one.
   Removing the property (`--order walk`) gives the walk back;
3. then the user's own walk through the records: in the order of their ids (random UUID4s, so a random
   order unrelated to content or insertion), upwards or downwards, starting at a pivot and wrapping
   around; pivot and direction come from a hash of the user id, so first records are as spread as
   random picks. (A hash of user id + record id would need an SQL hash function SQLite lacks.)
A user's other searches (/me without text or sort, not asking for pending records: their submitted,
draft or discarded records) follow the user's walk alone (rule 3): expected answers only matter for
work still to do, and without them a page is read in index order and stops after itself.
Leases live in the server process's memory (argilla-server runs one): a restart forgets them, which
only costs a little spreading, never a record. They change the order, never what a queue holds.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from uuid import UUID

from argilla_server.enums import ResponseStatus, ResponseStatusFilter
from argilla_server.models import Record, Response
from argilla_server.search_engine.base import AndFilter, Filter, ResponseFilterScope, TermsFilter
from sqlalchemy import Select, and_, case, func, literal, select
from sqlalchemy.sql.elements import ColumnElement

#: the float metadata property whose value orders a queue (highest first) after the expected answers
PRIORITY_PROPERTY = "prioridad_cola"
LEASE_SECONDS = float(os.environ.get("ANNOTATE_QUEUE_LEASE_SECONDS", "300"))
#: how many records of a queue page are leased: the one an annotator's UI shows
LEASED_PER_PAGE = 1
#: a page larger than the UI's largest (100) is a script reading the queue, not a person opening it
LARGEST_UI_PAGE = 100


@dataclass
class Leases:
    """Per dataset and user: the records of the last queue page served, and until when they count."""

    held: dict[tuple[UUID, str], tuple[float, tuple[UUID, ...]]] = field(default_factory=dict)

    def others(self, dataset_id: UUID, user_id: UUID | str, now: float) -> Counter[UUID]:
        """How many other users hold each record of the dataset."""
        counts: Counter[UUID] = Counter()
        for (dataset, user), (until, records) in list(self.held.items()):
            if until < now:
                del self.held[(dataset, user)]
            elif dataset == dataset_id and user != str(user_id):
                counts.update(records)
        return counts

    def hold(self, dataset_id: UUID, user_id: UUID | str, records: list[UUID], now: float) -> None:
        self.held[(dataset_id, str(user_id))] = (now + LEASE_SECONDS, tuple(records[:LEASED_PER_PAGE]))


LEASES = Leases()


def user_walk(user_id: UUID | str) -> tuple[UUID, bool]:
    """Where the user's walk through the ids starts, and whether it goes downwards."""
    digest = hashlib.sha256(str(user_id).encode()).digest()
    return UUID(bytes=digest[:16]), bool(digest[16] & 1)


def answers_so_far() -> ColumnElement[int]:
    """How many answers the record has: submitted ones and drafts, anyone's."""
    statuses = [ResponseStatus.submitted, ResponseStatus.draft]
    answered = Response.record_id == Record.id, Response.status.in_(statuses)
    return select(func.count()).where(*answered).scalar_subquery()


def expected_answers(held: Counter[UUID]) -> ColumnElement[int]:
    """The record's answers so far plus the other annotators who have it open: what it will have."""
    if not held:
        return answers_so_far()
    by_count: dict[int, list[UUID]] = {}
    for record_id, count in held.items():
        by_count.setdefault(count, []).append(record_id)
    whens = [(Record.id.in_(ids), count) for count, ids in sorted(by_count.items(), reverse=True)]
    return answers_so_far() + case(*whens, else_=0)


def queue_order(
    user_id: UUID | str, held: Counter[UUID], priority: ColumnElement | None = None
) -> list[ColumnElement]:
    """ORDER BY of a user's queue: fewest expected answers, then the priority (highest first, missing
    last) when the dataset has one, then the user's walk."""
    pivot, downwards = user_walk(user_id)
    first_lap = Record.id <= pivot if downwards else Record.id >= pivot
    walk = Record.id.desc() if downwards else Record.id.asc()
    by_priority = [] if priority is None else [priority.desc().nulls_last()]
    return [expected_answers(held).asc(), *by_priority, case((first_lap, 0), else_=1).asc(), walk]


def walk_laps(user_id: UUID | str) -> list[tuple[ColumnElement[bool], ColumnElement]]:
    """The user's walk through the ids as two laps, (condition, ORDER BY) each, read in index order."""
    pivot, downwards = user_walk(user_id)
    if downwards:
        return [(Record.id <= pivot, Record.id.desc()), (Record.id > pivot, Record.id.desc())]
    return [(Record.id >= pivot, Record.id.asc()), (Record.id < pivot, Record.id.asc())]


def head_laps(
    user_id: UUID | str,
    held: Counter[UUID],
    absent: Callable[[Select], ColumnElement[bool]],
    priority: ColumnElement | None = None,
) -> list[tuple[ColumnElement[bool], list[ColumnElement]]]:
    """The head of a user's queue, the records expected to get no answer (none so far, nobody else
    holds them), as the two laps of the user's walk: (condition, ORDER BY) each. Each lap is a range
    of ids read in index order, so a page of the head costs its own rows, not the dataset's: that a
    record has no answer is the dialect's `absent`, one lookup per record read. With a
    `priority`, the records that have one come first, highest first (ties in the user's walk): a lap
    read in the order of the property's metadata index."""
    statuses = [ResponseStatus.submitted, ResponseStatus.draft]
    unanswered = absent(
        select(literal(1)).where(Response.record_id == Record.id, Response.status.in_(statuses))
    )
    free = [unanswered, *([Record.id.not_in(list(held))] if held else [])]
    laps = walk_laps(user_id)
    if priority is None:
        return [(and_(*free, lap), [order]) for lap, order in laps]
    first_lap = case((laps[0][0], 0), else_=1).asc()
    ranked = (and_(*free, priority.is_not(None)), [priority.desc(), first_lap, laps[0][1]])
    return [ranked, *((and_(*free, priority.is_(None), lap), [order]) for lap, order in laps)]


def asks_pending(filter: Filter | None) -> bool:
    """Whether the search asks for the current user's pending records (the UI's queue)."""
    if isinstance(filter, AndFilter):
        return any(asks_pending(part) for part in filter.filters)
    return (
        isinstance(filter, TermsFilter)
        and isinstance(filter.scope, ResponseFilterScope)
        and filter.scope.property == "status"
        and ResponseStatusFilter.pending in filter.values
    )


def is_page_for_a_person(offset: int, limit: int) -> bool:
    return offset == 0 and 0 < limit <= LARGEST_UI_PAGE


def now() -> float:
    return time.monotonic()
