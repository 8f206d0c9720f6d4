"""PostgreSQL's planner statistics kept current by the server, where autovacuum is off or behind.

Without statistics PostgreSQL guesses a handful of rows per table, and asyncpg's prepared statements
keep the generic plan made from that guess. Measured on a 30,000-record ingest with autovacuum off
(bench/search.py's records): argilla-server's own load of a batch's submitted responses (`records JOIN
responses ... WHERE records.id IN (500 ids)`) planned for 3 responses, met 2,400 and scanned a whole
index once per response: 0.3 s at 20,000 records, 0.8 s at 30,000, 7-9 s at 70,000, for each batch
of 500. After one ANALYZE (0.5 s) the next 2,000-record chunk took 7 s instead of 14 s.
Autovacuum, where it is on, analyzes a table once it changed by 50 rows + 10 % (its defaults), but
looks only every minute: a bulk load outruns it.

So after writes, the server (its one long-lived event loop: `annotate.server.connections` sets
ANNOTATE_BACKGROUND_TASKS there) checks `pg_stat_user_tables` in the background and runs ANALYZE on the
tables of records, answers, suggestions, vectors and text rows that changed by autovacuum's threshold
since their last analysis: at once after the first write, then every CHECK_EVERY_S, the last check
beginning STATS_LAG_S after the last write (the counts of a write reach pg_stat_user_tables up to 10 s
late). An ANALYZE does not block reads or writes; a transaction-level advisory lock keeps two processes
from analyzing at the same time. A failure is logged and left to the next write. SQLite needs none of
this: the engine names its indexes there (`dialect_sqlite`).

The same checks merge the pending list of the text rows' GIN index (`text_postgres`), which only
VACUUM or autovacuum's analyses otherwise do: GIN's fast update appends new entries to an unsorted list
(up to gin_pending_list_limit, 4 MB) that every text query reads whole. After the bench's 100,000-record
ingest with autovacuum off, it held 6,180 rows' entries in 441 pages: a two-word text query's count took
2.6 ms reading them, 1.15 ms once merged.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from . import sessions
from .dialect import Dialect
from .text_postgres import TSV_INDEX

CHECK_EVERY_S = 5.0
#: how long after a write its counts may take to reach pg_stat_user_tables: a backend flushes them when
#: it goes idle, at most once a second, else within 10 s (PostgreSQL 15's PGSTAT_IDLE_INTERVAL)
STATS_LAG_S = 12.0
TABLES = ("records", "responses", "suggestions", "vectors", "annotate_search_texts")
#: autovacuum's defaults: autovacuum_analyze_threshold, autovacuum_analyze_scale_factor
THRESHOLD_ROWS, SCALE_FACTOR = 50, 0.1
_LOCK_KEY = 0x616E616C  # pg_try_advisory_xact_lock key: one analysis at a time per database
_LOGGER = logging.getLogger(__name__)

STALE_SQL = f"""
    SELECT s.relname FROM pg_stat_user_tables AS s JOIN pg_class AS c ON c.oid = s.relid
    WHERE s.schemaname = current_schema() AND s.relname IN ({", ".join(f"'{t}'" for t in TABLES)})
      AND s.n_mod_since_analyze > {THRESHOLD_ROWS} + {SCALE_FACTOR} * greatest(c.reltuples, 0)
    ORDER BY s.relname"""


@dataclasses.dataclass
class Analyzer:
    """Runs ANALYZE on the tables whose statistics writes made stale, in a background task."""

    enabled: bool = False
    dirty: bool = False  # written since the last check
    written_at: float = 0.0  # time.monotonic() of the last write
    task: asyncio.Task | None = None

    def start(self, dialect: Dialect) -> None:
        """Enable it in this process (PostgreSQL only) and check once, for a database loaded while
        no server ran."""
        if dialect.name == "postgresql" and not self.enabled:
            self.enabled = True
            self.written()

    def written(self) -> None:
        """Rows were written: check soon."""
        if self.enabled:
            self.dirty, self.written_at = True, time.monotonic()
            if self.task is None or self.task.done():
                self.task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        """Check at once, then every CHECK_EVERY_S, and last in a check begun STATS_LAG_S after the last
        write: before, checks every 5 s stopped once 12 s had passed, so the last one could come 8 s
        after a load whose counts reached pg_stat_user_tables 10 s after it (measured: a 418-record load
        after a burst of small writes was never analyzed)."""
        while True:
            started = time.monotonic()
            self.dirty = False
            await self._check()
            if not self.dirty and started - self.written_at >= STATS_LAG_S:
                return
            until_lag = self.written_at + STATS_LAG_S - time.monotonic()
            await asyncio.sleep(min(CHECK_EVERY_S, until_lag) if until_lag > 0 else 0)

    async def _check(self) -> None:
        try:
            analyzed, merged = await analyze_stale()
            if analyzed:
                _LOGGER.info("Analyzed %s for PostgreSQL's planner", ", ".join(analyzed))
            if merged:
                _LOGGER.info("Merged %d pages of %s's pending list", merged, TSV_INDEX)
        except Exception:  # the next write tries again
            _LOGGER.exception("Updating PostgreSQL's statistics failed; the next write will retry")


async def analyze_stale() -> tuple[list[str], int]:
    """ANALYZE the tables changed by autovacuum's threshold since their last analysis, and merge the
    text index's pending list: the tables' names and the pages merged (nothing when another process
    holds the lock)."""
    async with sessions.session() as db:
        if not await db.scalar(text(f"SELECT pg_try_advisory_xact_lock({_LOCK_KEY})")):
            return [], 0
        stale = list((await db.execute(text(STALE_SQL))).scalars())
        for table in stale:
            await db.execute(text(f"ANALYZE {table}"))
        merged = await _merge_pending_list(db)
        await db.commit()
    return stale, merged


async def _merge_pending_list(db: AsyncSession) -> int:
    """Pages of the text index's pending list merged; 0 when it cannot be (say the index belongs to
    another role), which must not undo the analyses before it (a savepoint)."""
    try:
        async with db.begin_nested():
            return int(await db.scalar(text(f"SELECT gin_clean_pending_list('{TSV_INDEX}'::regclass)")) or 0)
    except DBAPIError as error:
        _LOGGER.warning("Could not merge the pending list of %s: %s", TSV_INDEX, error)
        return 0


ANALYZER = Analyzer()
