"""A search engine that answers every search with existing record ids, unfiltered, registered as `floor`.

Only for `bench/search.py`: the floor of a search request. Every search (and similarity search) gets
`limit` (or `max_results`) ids of the dataset's records, read once per dataset and kept in memory, so
argilla-server still does all its own work around the engine (authentication, the dataset, fetching and
serialising the records with their responses and suggestions) and the engine's own cost is ~0. What the
`sql` engine takes above this floor on the same request is the engine's cost. It indexes nothing (it
serves a database another server filled). Never select it for annotators: it ignores every filter.
"""

from __future__ import annotations

from uuid import UUID

from argilla_server.database import AsyncSessionLocal
from argilla_server.models import Record
from argilla_server.search_engine.base import (
    SearchEngine,
    SearchResponseItem,
    SearchResponses,
)
from sqlalchemy import func, select

from .noop_engine import NoOpSearchEngine

#: ids kept per dataset: more than any page the benchmark asks for
KEPT_IDS = 1000
_ids: dict[UUID, tuple[list[UUID], int]] = {}


async def _dataset_ids(dataset_id: UUID) -> tuple[list[UUID], int]:
    """The first KEPT_IDS record ids of the dataset and its record count, read once."""
    if dataset_id not in _ids:
        async with AsyncSessionLocal() as db:
            statement = select(Record.id).where(Record.dataset_id == dataset_id).limit(KEPT_IDS)
            ids = list(await db.scalars(statement))
            total = await db.scalar(select(func.count()).where(Record.dataset_id == dataset_id))
        _ids[dataset_id] = (ids, int(total or 0))
    return _ids[dataset_id]


async def _page(dataset_id: UUID, offset: int, limit: int) -> SearchResponses:
    ids, total = await _dataset_ids(dataset_id)
    items = [SearchResponseItem(record_id=id, score=1.0) for id in ids[offset : offset + limit]]
    return SearchResponses(items=items, total=total)


@SearchEngine.register(engine_name="floor")
class FloorSearchEngine(NoOpSearchEngine):
    @classmethod
    async def new_instance(cls) -> FloorSearchEngine:
        return cls()

    async def info(self) -> dict:
        return {"engine": "floor"}

    async def search(self, dataset, query=None, filter=None, sort=None, offset=0, limit=100, user_id=None):
        return await _page(dataset.id, offset, limit)

    async def similarity_search(self, dataset, vector_settings, max_results: int = 100, **kwargs):
        return await _page(dataset.id, 0, max_results)
