"""Facts about a dataset's records (exact totals, probes of its metadata) remembered until it changes.

The UI asks for the same search again and again: every page of a queue, every annotator with the same
filter, every refresh. Each answer carries the exact total, and counting is the one part of a search
that grows with the dataset (a page is read from an index and stops after it). So a total, and the
probes `plan.py` makes (does any record hold a list / lack the sort key), are kept per dataset and
per statement, and reused while the dataset's *generation* has not moved.

The generation is a counter per dataset in the database (table GENERATIONS), bumped by the engine's
write hooks (`bump`), which Argilla calls after committing every write of records, responses,
suggestions and record status, in whichever process wrote (server or worker). A search reads the
generation once, before anything else (`context.load_context`, in the same round trip as its
settings), so a count can only be newer than the generation it is kept under, never older: a write
that lands between the two makes the next search count again. As a safety net
(a failed bump, a write that reaches the database without Argilla's hooks) an entry is never used
after MAX_AGE_S; Elasticsearch itself shows writes only after its refresh (1 s by default).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any
from uuid import UUID

from sqlalchemy import Executable, text
from sqlalchemy.ext.asyncio import AsyncSession

GENERATIONS = "annotate_search_generations"
CREATE_TABLE = (
    f"CREATE TABLE IF NOT EXISTS {GENERATIONS} "
    "(dataset_id VARCHAR(36) PRIMARY KEY, generation BIGINT NOT NULL)"
)
MAX_AGE_S = 30.0
MAX_ENTRIES = 4096
_LOGGER = logging.getLogger(__name__)


class Memo:
    """(dataset, statement) -> (generation, when, value), least recently used dropped first."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_age_s: float = MAX_AGE_S) -> None:
        self.max_entries, self.max_age_s = max_entries, max_age_s
        self._entries: OrderedDict[tuple[str, Hashable], tuple[int, float, Any]] = OrderedDict()
        self.hits = self.misses = 0

    def get(self, key: tuple[str, Hashable], generation: int, now: float) -> tuple[bool, Any]:
        entry = self._entries.get(key)
        if entry is None or entry[0] != generation or now - entry[1] > self.max_age_s:
            self.misses += 1
            return False, None
        self._entries.move_to_end(key)
        self.hits += 1
        return True, entry[2]

    def put(self, key: tuple[str, Hashable], generation: int, now: float, value: Any) -> None:
        self._entries[key] = (generation, now, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def forget(self, dataset_id: str | None = None) -> None:
        """Drop the entries of one dataset (or all)."""
        if dataset_id is None:
            self._entries.clear()
            return
        for key in [k for k in self._entries if k[0] == dataset_id]:
            del self._entries[key]


MEMO = Memo()


def statement_key(db: AsyncSession, statement: Executable) -> Hashable:
    """Equal for the same question about the same data: SQLAlchemy's own cache key of the statement (its
    structure, literal SQL included, as SQLAlchemy keys its compiled-statement cache) and its bound
    values. Compiling the statement to its SQL text gives the same answer far more slowly, on every
    search (it was 43 % of a filtered search's time on the event loop); it remains for statements
    SQLAlchemy does not cache."""
    cache_key = statement._generate_cache_key()  # type: ignore[attr-defined]
    if cache_key is None:
        compiled = statement.compile(dialect=db.get_bind().dialect)
        return (compiled.string, tuple(sorted((k, repr(v)) for k, v in compiled.params.items())))
    return (cache_key.key, tuple(repr(bind.effective_value) for bind in cache_key.bindparams))


async def scalar(db: AsyncSession, dataset_id: UUID | str, generation: int, statement: Executable) -> Any:
    """`db.scalar(statement)` about one dataset's records, reused while its generation stays `generation`
    (read by the caller before: see the module's docstring)."""
    key = (str(dataset_id), statement_key(db, statement))
    found, value = MEMO.get(key, generation, time.monotonic())
    if found:
        return value
    value = await db.scalar(statement)
    MEMO.put(key, generation, time.monotonic(), value)
    return value


async def bump(db: AsyncSession, dataset_id: UUID | str) -> None:
    """A write to the dataset is committed: searches must not reuse what they knew of it. Never raises
    (the write is done; a failed bump only forgets this process's entries, the age limit does the rest)."""
    try:
        await db.execute(
            text(
                f"INSERT INTO {GENERATIONS} (dataset_id, generation) VALUES (:d, 1) "
                "ON CONFLICT (dataset_id) DO UPDATE SET generation = "
                f"{GENERATIONS}.generation + 1"
            ),
            {"d": str(dataset_id)},
        )
        await db.commit()
    except Exception as exc:  # noqa: BLE001 - a hook must not fail a committed write
        _LOGGER.warning("could not record a write to dataset %s (%s); cached totals expire", dataset_id, exc)
        with contextlib.suppress(Exception):
            await db.rollback()
    MEMO.forget(str(dataset_id))
