"""Which index drives a search, and the facts about metadata the SQL depends on.

SQLite has no statistics in Argilla's database (see dialect_sqlite.py), so the engine picks
the index itself when metadata is involved, from cheap probes of the per-dataset metadata
indexes (each an index seek, well under a millisecond):
- the count reads the index of the first metadata terms filter, else of the first metadata
  range filter (both narrow the records before anything else is checked);
- a page sorted by metadata reads the sort key's index in order and stops after the page,
  unless the filters leave few records (SMALL_RESULT), which are then simply sorted;
- whether a terms property holds list values anywhere in the dataset (if not, a terms
  filter is a plain IN on the index), and whether the sort key is missing on some records
  (if not, the sort needs no "missing last" handling and the index gives the order).
PostgreSQL ignores the index choice (its planner has statistics) but uses the facts. A probe that
finds nothing reads the whole index, so the facts are remembered until the dataset changes (memo.py).
"""

from __future__ import annotations

import dataclasses

from argilla_server.enums import MetadataPropertyType
from argilla_server.models import Record
from argilla_server.search_engine.base import (
    AndFilter,
    Filter,
    MetadataFilterScope,
    Order,
    RangeFilter,
    TermsFilter,
)
from sqlalchemy import literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from . import memo, schema
from .context import DatasetContext

SMALL_RESULT = 2000


@dataclasses.dataclass(frozen=True)
class Plan:
    count_index: str | None = None
    sort_index: str | None = None
    sort_has_nulls: bool = True
    # SQLite, filters that are all on metadata: (index, filter) to count by intersecting
    # the indexes' row ids, without reading a single record.
    intersect: tuple[tuple[str, Filter], ...] = ()

    def page_index(self, total: int) -> str | None:
        if self.sort_index is not None and total > SMALL_RESULT:
            return self.sort_index
        return self.count_index


def conjuncts(filter: Filter | None) -> list[Filter]:
    """The filters AND-ed at the top of `filter`."""
    if filter is None:
        return []
    if isinstance(filter, AndFilter):
        return [leaf for child in filter.filters for leaf in conjuncts(child)]
    return [filter]


async def make_plan(
    db: AsyncSession, ctx: DatasetContext, filter: Filter | None, sort: list[Order] | None
) -> Plan:
    metadata = [item for item in conjuncts(filter) if isinstance(item.scope, MetadataFilterScope)]
    for item in metadata:
        name = item.scope.metadata_property
        if isinstance(item, TermsFilter) and await _probe(db, ctx, name, numeric=False, holds=_list):
            ctx.list_valued.add(name)
    terms = [item for item in metadata if isinstance(item, TermsFilter)]
    ranges = [item for item in metadata if isinstance(item, RangeFilter)]
    count_index = None
    for item in [*terms, *ranges]:
        count_index = await _index(db, ctx, item.scope.metadata_property, isinstance(item, RangeFilter))
        if count_index is not None:
            break
    intersect = await _intersection(db, ctx, filter, metadata)
    if not sort or not isinstance(sort[0].scope, MetadataFilterScope):
        return Plan(count_index=count_index, intersect=intersect)
    name = sort[0].scope.metadata_property
    numeric = ctx.metadata_types.get(name) not in (None, MetadataPropertyType.terms)
    sort_index = await _index(db, ctx, name, numeric)
    if sort_index is None:
        return Plan(count_index=count_index, intersect=intersect)
    has_nulls = await _probe(db, ctx, name, numeric, holds=lambda value, sql: value.is_(None))
    return Plan(count_index=count_index, sort_index=sort_index, sort_has_nulls=has_nulls, intersect=intersect)


async def _intersection(
    db: AsyncSession, ctx: DatasetContext, filter: Filter | None, metadata: list[Filter]
) -> tuple[tuple[str, Filter], ...]:
    if ctx.dialect.name != "sqlite" or len(metadata) < 2 or len(metadata) != len(conjuncts(filter)):
        return ()
    parts = []
    for item in metadata:
        name = item.scope.metadata_property
        index = await _index(db, ctx, name, isinstance(item, RangeFilter))
        if index is None or name in ctx.list_valued:
            return ()
        parts.append((index, item))
    return tuple(parts)


async def _index(db: AsyncSession, ctx: DatasetContext, name: str, numeric: bool) -> str | None:
    """The metadata index of property `name`, if it exists and matches the property's type."""
    kind = ctx.metadata_types.get(name)
    if kind is None or (kind != MetadataPropertyType.terms) != numeric:
        return None
    index = schema.metadata_index_name(ctx.dataset_id, name, numeric)
    return index if await schema.index_exists(db, ctx.dialect, index) else None


def _list(value: ColumnElement, sql) -> ColumnElement[bool]:
    return sql.is_list(value)


async def _probe(db: AsyncSession, ctx: DatasetContext, name: str, numeric: bool, holds) -> bool:
    """Whether some record of the dataset has a value of `name` for which `holds` is true."""
    sql = ctx.dialect.sql
    value = sql.metadata_expr(name, numeric)
    statement = select(literal(1)).select_from(Record).where(ctx.dataset_id_equals(Record.dataset_id))
    statement = statement.where(holds(value, sql)).limit(1)
    index = await _index(db, ctx, name, numeric)
    found = await memo.scalar(db, ctx.dataset_id, ctx.generation, sql.with_index(statement, index))
    return found is not None
