"""Vector similarity: exact cosine k-NN over an in-process numpy cache of the `vectors` table.

Why a cache: Argilla stores each vector as JSON text; parsing 100k x 384 numbers takes
tens of seconds, so a query cannot read them from the database. Each process keeps, per
vector settings (at most MAX_CACHED_MATRICES), a float32 matrix of unit vectors and the
record ids. The server keeps it warm (see `Warmer`): at start-up it loads each matrix
from its file (vector_store.py, written after changes) and catches up with the database;
after every write of records it reads the new vectors in the background; so neither the
first "find similar" after a restart nor the one after a bulk load waits for a build.
Without the file (lost, or a first start) the matrix is rebuilt from the database by itself.

Why it is never stale:
- before every query, max(updated_at) of the settings' vectors (one index seek) is compared
  with the cached one; every insert and upsert sets updated_at, so a new or changed vector
  is seen at once, and only rows with updated_at >= the cached maximum are read again;
- every COUNT_EVERY_SECONDS (and whenever max(updated_at) moved) the count is compared
  too; a difference (deleted records, or a row committed late with an older timestamp)
  reconciles the id lists;
- a result is only returned if its record passes the SQL candidates query (dataset,
  filters, text), which also drops records deleted since the last count.
The one gap we accept: a vector *updated* (not inserted) by a transaction that commits after
a later-stamped change was already cached keeps its old value until the next full load.

Scores follow Elasticsearch's cosine k-NN: score = (1 + cos) / 2, highest first. For
`least_similar` the query vector is negated (as Argilla does), so the score is
(1 - cos) / 2. Search by record excludes that record. The search is exact (Elasticsearch's
HNSW is approximate): one matrix-vector product, then the best rows are checked against the
candidates query in growing batches (see `_filtered`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections import OrderedDict
from uuid import UUID

import numpy as np
from argilla_server.enums import SimilarityOrder
from argilla_server.models import Record, Vector, VectorSettings
from argilla_server.search_engine.base import SearchResponseItem, SearchResponses
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from . import sessions, vector_store
from .dialect import Dialect

MAX_CACHED_MATRICES = 4
COUNT_EVERY_SECONDS = 5.0
POST_FILTER_BATCHES = (2000, 10000)
_FETCH_BATCH = 2000
CATCH_UP_DELAY_S = 1.0
SAVE_EVERY_S = 10.0
_LOGGER = logging.getLogger(__name__)


@dataclasses.dataclass
class VectorMatrix:
    fingerprint: tuple[int, object]
    dimensions: int
    ids: list[str]  # record ids, 32 hex digits, one per row
    rows: dict[str, int]
    buffer: np.ndarray  # (capacity >= len(ids), dimensions) float32; rows past len(ids) unused
    counted_at: float = 0.0  # time.monotonic() of the last count check

    @property
    def unit(self) -> np.ndarray:
        """(n, dimensions) float32, rows scaled to norm 1 (zero rows stay zero)."""
        return self.buffer[: len(self.ids)]

    @classmethod
    def empty(cls, dimensions: int) -> VectorMatrix:
        return cls((-1, None), dimensions, [], {}, np.zeros((0, dimensions), dtype=np.float32))

    @classmethod
    def of(cls, fingerprint: tuple[int, object], ids: list[str], buffer: np.ndarray) -> VectorMatrix:
        rows = {record_id: row for row, record_id in enumerate(ids)}
        return cls(fingerprint, buffer.shape[1], ids, rows, buffer)


_cache: OrderedDict[UUID, VectorMatrix] = OrderedDict()
_locks: dict[UUID, asyncio.Lock] = {}


async def _newest(db: AsyncSession, settings_id: UUID) -> object:
    """max(updated_at): one seek in vectors(vector_settings_id, updated_at, record_id)."""
    return await db.scalar(
        select(func.max(Vector.updated_at)).where(Vector.vector_settings_id == settings_id)
    )


async def _count(db: AsyncSession, settings_id: UUID) -> int:
    return int(await db.scalar(select(func.count()).where(Vector.vector_settings_id == settings_id)))


async def matrix(db: AsyncSession, dialect: Dialect, settings_id: UUID, dimensions: int) -> VectorMatrix:
    """The up-to-date matrix of one vector settings' vectors (from memory, else from its file,
    else from the database), caught up with the database."""
    lock = _locks.setdefault(settings_id, asyncio.Lock())
    async with lock:
        cached = _cache.get(settings_id)
        if cached is None or cached.dimensions != dimensions:
            cached = await _from_file(settings_id, dimensions)
        newest = await _newest(db, settings_id)
        if newest != cached.fingerprint[1] or time.monotonic() - cached.counted_at > COUNT_EVERY_SECONDS:
            fingerprint = (await _count(db, settings_id), newest)
            if fingerprint != cached.fingerprint:
                cached = await _refresh(db, dialect, settings_id, cached, fingerprint)
                WARMER.changed(settings_id)
            cached.counted_at = time.monotonic()
        _cache[settings_id] = cached
        _cache.move_to_end(settings_id)
        while len(_cache) > MAX_CACHED_MATRICES:
            _cache.popitem(last=False)
        return cached


async def _from_file(settings_id: UUID, dimensions: int) -> VectorMatrix:
    stored = await asyncio.to_thread(vector_store.load, settings_id, dimensions)
    if stored is None:
        return VectorMatrix.empty(dimensions)
    fingerprint, ids, unit = stored
    return VectorMatrix.of(fingerprint, ids, unit)


async def _refresh(
    db: AsyncSession,
    dialect: Dialect,
    settings_id: UUID,
    cached: VectorMatrix,
    fingerprint: tuple[int, object],
) -> VectorMatrix:
    condition = Vector.vector_settings_id == settings_id
    if cached.fingerprint[1] is not None:
        condition = condition & (Vector.updated_at >= cached.fingerprint[1])
    changes = await _read(db, dialect, condition, cached.dimensions)
    ids, buffer = _merge(cached, changes)
    if len(ids) != fingerprint[0]:
        ids, buffer = await _reconcile(db, dialect, settings_id, ids, buffer, cached.dimensions)
    return VectorMatrix.of(fingerprint, ids, buffer)


async def _read(
    db: AsyncSession, dialect: Dialect, condition: ColumnElement[bool], dimensions: int
) -> dict[str, np.ndarray]:
    """Parsed unit vectors of the rows matching `condition`, by record id (hex)."""
    statement = select(dialect.sql.id_hex(Vector.record_id), dialect.sql.json_text(Vector.value)).where(
        condition
    )
    result = await db.stream(statement)
    parsed: dict[str, np.ndarray] = {}
    async for batch in result.partitions(_FETCH_BATCH):
        parsed.update(await asyncio.to_thread(_parse_batch, batch, dimensions))
    return parsed


def _parse_batch(batch, dimensions: int) -> dict[str, np.ndarray]:
    vectors = {}
    for record_id, value in batch:
        vector = np.fromstring(value.strip()[1:-1], sep=",", dtype=np.float32)
        if vector.shape == (dimensions,):
            norm = float(np.linalg.norm(vector))
            vectors[record_id] = vector / norm if norm > 0 else vector
    return vectors


def _merge(cached: VectorMatrix, changes: dict[str, np.ndarray]) -> tuple[list[str], np.ndarray]:
    """The ids and buffer with `changes` applied. New rows go after the last one, into the spare
    rows of the buffer (readers of the previous matrix never look there), which grows by half
    when full, so a bulk load of many small batches does not copy the matrix each time."""
    buffer = cached.buffer
    ids = list(cached.ids)
    new = {}
    for record_id, vector in changes.items():
        row = cached.rows.get(record_id)
        if row is None:
            new[record_id] = vector
        else:
            if buffer is cached.buffer:
                buffer = buffer.copy()  # a reader may be using the old rows
            buffer[row] = vector
    if new:
        size = len(ids) + len(new)
        if size > len(buffer):
            grown = np.zeros((max(size, len(buffer) * 3 // 2), cached.dimensions), dtype=np.float32)
            grown[: len(ids)] = buffer[: len(ids)]
            buffer = grown
        buffer[len(ids) : size] = np.stack(list(new.values()))
        ids += list(new)
    return ids, buffer


async def _reconcile(
    db: AsyncSession, dialect: Dialect, settings_id: UUID, ids: list[str], buffer: np.ndarray, dimensions: int
) -> tuple[list[str], np.ndarray]:
    stored = set(
        await db.scalars(
            select(dialect.sql.id_hex(Vector.record_id)).where(Vector.vector_settings_id == settings_id)
        )
    )
    keep = [row for row, record_id in enumerate(ids) if record_id in stored]
    ids = [ids[row] for row in keep]
    unit = buffer[keep]
    missing = stored - set(ids)
    if missing:
        condition = (Vector.vector_settings_id == settings_id) & dialect.sql.id_hex(Vector.record_id).in_(
            missing
        )
        changes = await _read(db, dialect, condition, dimensions)
        ids += list(changes)
        unit = np.vstack([unit, *(vector[None, :] for vector in changes.values())])
    return ids, unit


async def similar(
    db: AsyncSession,
    dialect: Dialect,
    vectors: VectorMatrix,
    value: list[float],
    exclude: UUID | None,
    candidates: Select,
    max_results: int,
    order: SimilarityOrder,
    threshold: float | None,
) -> SearchResponses:
    """The `max_results` records most (or least) similar to `value` among the candidates."""
    query = np.asarray(value, dtype=np.float32)
    norm = float(np.linalg.norm(query))
    query = query / norm if norm > 0 else query
    if order == SimilarityOrder.least_similar:
        query = -query
    scores = (1.0 + vectors.unit @ query) / 2.0
    if exclude is not None and exclude.hex in vectors.rows:
        scores[vectors.rows[exclude.hex]] = -np.inf
    if threshold is not None:
        scores[scores < threshold] = -np.inf
    rows = await _filtered(db, dialect, vectors, scores, candidates, max_results)
    items = [SearchResponseItem(record_id=UUID(vectors.ids[row]), score=float(scores[row])) for row in rows]
    return SearchResponses(items=items, total=len(items))


def _best(scores: np.ndarray, count: int) -> np.ndarray:
    """Rows of the `count` highest finite scores, best first."""
    rows = np.argpartition(-scores, count - 1)[:count] if count < len(scores) else np.arange(len(scores))
    rows = rows[np.argsort(-scores[rows], kind="stable")]
    return rows[np.isfinite(scores[rows])]


async def _filtered(
    db: AsyncSession, dialect: Dialect, vectors: VectorMatrix, scores: np.ndarray, candidates: Select, k: int
) -> list[int]:
    """The best rows whose records pass the candidates query (filters, text, the dataset; it
    also drops records deleted since the cache was checked). The ranking is checked in
    growing batches, which settles most filters with one query of a few hundred ids; for a
    filter that selective, the candidates' ids are fetched instead."""
    if len(scores) == 0 or k <= 0:
        return []
    ranked = _best(scores, max(k * 4, 200) + sum(POST_FILTER_BATCHES))
    chosen: list[int] = []
    start = 0
    for size in (max(k * 4, 200), *POST_FILTER_BATCHES):
        batch = ranked[start : start + size]
        start += len(batch)
        passing = await _passing(db, dialect, candidates, [vectors.ids[row] for row in batch])
        chosen += [int(row) for row in batch if vectors.ids[row] in passing]
        if len(chosen) >= k or start >= len(ranked):
            return chosen[:k]
    rest = _best(scores, len(scores))[start:]
    statement = candidates.with_only_columns(dialect.sql.id_hex(Record.id), maintain_column_froms=True)
    passing = set(await db.scalars(statement))
    return chosen + [int(row) for row in rest if vectors.ids[row] in passing][: k - len(chosen)]


async def _passing(db: AsyncSession, dialect: Dialect, candidates: Select, ids: list[str]) -> set[str]:
    statement = candidates.with_only_columns(dialect.sql.id_hex(Record.id), maintain_column_froms=True)
    return set(await db.scalars(statement.where(Record.id.in_([UUID(hex) for hex in ids]))))


def vector_of(vectors: VectorMatrix, record_id: UUID) -> np.ndarray | None:
    row = vectors.rows.get(record_id.hex)
    return None if row is None else vectors.unit[row]


@dataclasses.dataclass
class Warmer:
    """Keeps the server process's matrices warm, in a background task of its event loop.

    Started by the engine in the server only (ANNOTATE_BACKGROUND_TASKS=1, set by
    `annotate.server.connections`): RQ jobs run in short-lived event loops. At start-up it loads the
    matrices of the most recently changed vector settings (file, then the rows changed since); after
    records of a dataset are written it reads their new vectors, CATCH_UP_DELAY_S later so that the
    batches of a bulk load are read together; and it writes a changed matrix to its file at most every
    SAVE_EVERY_S. A failure is logged and left to the next query, which catches up by itself.
    """

    enabled: bool = False
    dialect: Dialect | None = None
    datasets: set[UUID] = dataclasses.field(default_factory=set)  # written: catch up their vectors
    unsaved: set[UUID] = dataclasses.field(default_factory=set)  # settings changed since their file
    saved_at: dict[UUID, float] = dataclasses.field(default_factory=dict)
    task: asyncio.Task | None = None
    at_start: bool = False

    def start(self, dialect: Dialect) -> None:
        if self.enabled:
            return
        self.enabled, self.dialect, self.at_start = True, dialect, True
        self._wake()

    def written(self, dataset_id: UUID) -> None:
        """Records of the dataset were created or updated."""
        if self.enabled:
            self.datasets.add(dataset_id)
            self._wake()

    def changed(self, settings_id: UUID) -> None:
        """The matrix of `settings_id` changed since it was last saved."""
        if self.enabled:
            self.unsaved.add(settings_id)
            self._wake()

    def _wake(self) -> None:
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while self.at_start or self.datasets or self.unsaved:
            await asyncio.sleep(CATCH_UP_DELAY_S)
            try:
                await self._catch_up()
                await self._save_due()
            except Exception:  # the next query catches up by itself
                _LOGGER.exception("Keeping the vector cache warm failed; the next query will catch up")
                self.datasets.clear()
                self.unsaved.clear()
                self.at_start = False

    async def _catch_up(self) -> None:
        assert self.dialect is not None
        async with sessions.session() as db:
            statement = select(VectorSettings.id, VectorSettings.dimensions)
            if self.at_start:
                newest = select(func.max(Vector.updated_at)).where(
                    Vector.vector_settings_id == VectorSettings.id
                )
                statement = statement.order_by(newest.scalar_subquery().desc().nulls_last())
                statement = statement.limit(MAX_CACHED_MATRICES)
            else:
                datasets, self.datasets = self.datasets, set()
                statement = statement.where(VectorSettings.dataset_id.in_(datasets))
            self.at_start = False
            for settings_id, dimensions in (await db.execute(statement)).all():
                await matrix(db, self.dialect, settings_id, dimensions)

    async def _save_due(self) -> None:
        for settings_id in list(self.unsaved):
            if time.monotonic() - self.saved_at.get(settings_id, -SAVE_EVERY_S) < SAVE_EVERY_S:
                continue
            self.unsaved.discard(settings_id)
            cached = _cache.get(settings_id)
            if cached is not None:
                await asyncio.to_thread(
                    vector_store.save, settings_id, cached.fingerprint, cached.ids, cached.unit
                )
            self.saved_at[settings_id] = time.monotonic()


WARMER = Warmer()
