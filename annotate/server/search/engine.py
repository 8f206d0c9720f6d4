"""The `sql` search engine: Argilla's SearchEngine answered from Argilla's own database.

Registered as "sql" (select it with ARGILLA_SEARCH_ENGINE=sql). There is no second copy of
the records: searches read records, responses, suggestions and vectors with SQL, so the
index/update/delete hooks Argilla calls after every write only tell `memo.py` that the
dataset changed (what searches remember of it, exact totals above all, is counted again). The one
derived structure, the full-text index, lives in the same database and is maintained by
triggers inside the writing transactions (see text_sqlite.py / text_postgres.py); it and
the extra indexes are checked once per process by `schema.ensure` when the first engine
instance is made (Argilla makes one per request, so instances are cheap).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from uuid import UUID

from argilla_server import database
from argilla_server.enums import MetadataPropertyType, SimilarityOrder
from argilla_server.models import (
    Dataset,
    MetadataProperty,
    Record,
    Response,
    Suggestion,
    User,
    Vector,
    VectorSettings,
)
from argilla_server.search_engine.base import (
    Filter,
    MetadataMetrics,
    Order,
    SearchEngine,
    SearchResponses,
    TextQuery,
)
from sqlalchemy import Engine, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from . import memo, metrics, records_query, schema, sessions, statistics, vectors
from .context import load_context
from .dialect import Dialect, dialect_named
from .plan import make_plan

ENGINE_NAME = "sql"
#: "1" in the server process (see annotate.server.connections), the one long-lived event loop: it runs
#: the engine's background tasks, the vector cache kept warm and (PostgreSQL) the planner's statistics
BACKGROUND_VARIABLE = "ANNOTATE_BACKGROUND_TASKS"


def _ping(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(text("SELECT 1")).scalar() == 1


@SearchEngine.register(ENGINE_NAME)
class SQLSearchEngine(SearchEngine):
    def __init__(self) -> None:
        self.dialect: Dialect = dialect_named(database.async_engine.dialect.name)

    @classmethod
    async def new_instance(cls) -> SQLSearchEngine:
        await schema.ensure(database.sync_engine)
        engine = cls()
        if os.environ.get(BACKGROUND_VARIABLE) == "1":
            vectors.WARMER.start(engine.dialect)  # once per process: the server's first instance
            statistics.ANALYZER.start(engine.dialect)  # PostgreSQL: the planner's statistics kept current
        return engine

    async def close(self) -> None:
        pass

    @asynccontextmanager
    async def _db(self) -> AsyncIterator[AsyncSession]:
        """A session of the engine's own pool, never a second one of the caller's (see sessions.py)."""
        async with sessions.session() as db:
            yield db

    async def ping(self) -> bool:
        # Through the synchronous engine: a launcher may ping in one asyncio.run() and then use
        # Argilla's async pool in another; a pooled asyncpg connection must not outlive its loop.
        return await asyncio.to_thread(_ping, database.sync_engine)

    async def info(self) -> dict:
        async with self._db() as db:
            if self.dialect.name == "sqlite":
                version = await db.scalar(text("SELECT sqlite_version()"))
            else:
                version = await db.scalar(text("SHOW server_version"))
        return {
            "engine": ENGINE_NAME,
            "database": self.dialect.name,
            "version": version,
            "schema": schema.SCHEMA_VERSION,
        }

    # Index lifecycle: the database is the index; only metadata expression indexes are per dataset.

    async def create_index(self, dataset: Dataset) -> None:
        async with self._db() as db:
            rows = await db.execute(
                select(MetadataProperty.name, MetadataProperty.settings).where(
                    MetadataProperty.dataset_id == dataset.id
                )
            )
            for name, settings in rows.all():
                await self._create_metadata_index(
                    db, dataset.id, name, MetadataPropertyType(settings["type"])
                )
            await db.commit()

    async def delete_index(self, dataset: Dataset) -> None:
        async with self._db() as db:
            await schema.drop_dataset_indexes(db, self.dialect, dataset.id)
            await db.commit()
            await memo.bump(db, dataset.id)

    async def configure_metadata_property(
        self, dataset: Dataset, metadata_property: MetadataProperty
    ) -> None:
        async with self._db() as db:
            await self._create_metadata_index(db, dataset.id, metadata_property.name, metadata_property.type)
            await db.commit()

    async def _create_metadata_index(
        self, db: AsyncSession, dataset_id: UUID, name: str, type: MetadataPropertyType
    ) -> None:
        for statement in schema.metadata_index_ddl(self.dialect, dataset_id, name, type):
            await db.execute(text(statement))

    async def configure_index_vectors(self, vector_settings: VectorSettings) -> None:
        pass

    # Writes: the records, responses and suggestions are already committed; nothing to copy. Each one
    # moves its dataset's generation, so that searches count it again (memo.py).

    async def index_records(self, dataset: Dataset, records: Iterable[Record]) -> None:
        vectors.WARMER.written(dataset.id)  # the server reads their vectors in the background
        await self._written(dataset.id)

    async def partial_record_update(self, record: Record, **update) -> None:
        await self._written(record.dataset_id)

    async def delete_records(self, dataset: Dataset, records: Iterable[Record]) -> None:
        await self._written(dataset.id)

    async def update_record_response(self, response: Response) -> None:
        await self._written_record(response.record_id)

    async def delete_record_response(self, response: Response) -> None:
        await self._written_record(response.record_id)

    async def update_record_suggestion(self, suggestion: Suggestion) -> None:
        await self._written_record(suggestion.record_id)

    async def delete_record_suggestion(self, suggestion: Suggestion) -> None:
        await self._written_record(suggestion.record_id)

    async def _written(self, dataset_id: UUID) -> None:
        statistics.ANALYZER.written()
        async with self._db() as db:
            await memo.bump(db, dataset_id)

    async def _written_record(self, record_id: UUID) -> None:
        statistics.ANALYZER.written()
        async with self._db() as db:
            dataset_id = await db.scalar(select(Record.dataset_id).where(Record.id == record_id))
            if dataset_id is not None:  # a deleted record: delete_records moved its dataset already
                await memo.bump(db, dataset_id)

    # Reads.

    async def get_dataset_progress(self, dataset: Dataset) -> dict:
        if dataset.is_draft:
            return {}
        async with sessions.reader() as db:
            return await metrics.dataset_progress(db, self.dialect, dataset.id)

    async def get_dataset_user_progress(self, dataset: Dataset, user: User) -> dict:
        if dataset.is_draft:
            return {}
        async with sessions.reader() as db:
            return await metrics.user_progress(db, self.dialect, dataset.id, user.id)

    async def compute_metrics_for(self, metadata_property: MetadataProperty) -> MetadataMetrics:
        async with sessions.reader() as db:
            return await metrics.metadata_metrics(
                db, self.dialect, metadata_property.dataset_id, metadata_property.name, metadata_property.type
            )

    async def search(
        self,
        dataset: Dataset,
        query: TextQuery | str | None = None,
        filter: Filter | None = None,
        sort: list[Order] | None = None,
        offset: int = 0,
        limit: int = 100,
        user_id: UUID | str | None = None,
    ) -> SearchResponses:
        async with sessions.reader() as db:
            ctx = await load_context(db, dataset.id, self.dialect)
            return await records_query.search(db, ctx, query, filter, sort, offset, limit, user_id)

    async def similarity_search(
        self,
        dataset: Dataset,
        vector_settings: VectorSettings,
        value: list[float] | None = None,
        record: Record | None = None,
        query: TextQuery | str | None = None,
        filter: Filter | None = None,
        max_results: int = 100,
        order: SimilarityOrder = SimilarityOrder.most_similar,
        threshold: float | None = None,
    ) -> SearchResponses:
        if bool(value) == bool(record):
            raise ValueError("Must provide either vector value or record to compute the similarity search")
        async with sessions.reader() as db:
            matrix = await vectors.matrix(db, self.dialect, vector_settings.id, vector_settings.dimensions)
            if record is not None:
                value = await self._record_vector(db, matrix, record, vector_settings)
            if not value:
                raise ValueError("Cannot find a vector value to apply with provided info")
            ctx = await load_context(db, dataset.id, self.dialect)
            await make_plan(db, ctx, filter, None)
            candidates = records_query.candidates(ctx, query, filter)
            return await vectors.similar(
                db,
                self.dialect,
                matrix,
                value,
                record.id if record else None,
                candidates,
                max_results,
                order,
                threshold,
            )

    async def _record_vector(
        self, db: AsyncSession, matrix: vectors.VectorMatrix, record: Record, vector_settings: VectorSettings
    ) -> list[float] | None:
        cached = vectors.vector_of(matrix, record.id)
        if cached is not None:
            return cached.tolist()
        return await db.scalar(
            select(Vector.value).where(
                Vector.record_id == record.id, Vector.vector_settings_id == vector_settings.id
            )
        )
