"""Dataset progress, a user's progress and metadata metrics, counted in SQL.

Shapes are those of Elasticsearch's engine (argilla_server/search_engine/commons.py):
- get_dataset_progress: {"total": records, "pending": n, "completed": n}, {} for a draft;
- get_dataset_user_progress: {"total": the user's responses, "submitted": n, "draft": n,
  "discarded": n}, {} for a draft. (Elasticsearch aggregates this over the flattened
  responses of every record the user answered, so other users' statuses leak into it;
  here only the user's own responses are counted, which is what the API means.)
- terms metadata: total = number of values (list items count one each), values = every
  term with the number of records holding it, most frequent first, ties by term;
- integer/float metadata: min and max (exact values; Elasticsearch's `float` mapping
  rounds them to 32 bits).
"""

from __future__ import annotations

import json
from collections import Counter
from uuid import UUID

from argilla_server.enums import MetadataPropertyType, RecordStatus, ResponseStatus
from argilla_server.models import Record, Response
from argilla_server.search_engine.base import (
    FloatMetadataMetrics,
    IntegerMetadataMetrics,
    MetadataMetrics,
    TermsMetrics,
)
from sqlalchemy import func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

from . import schema
from .dialect import Dialect


def _in_dataset(dialect: Dialect, dataset_id: UUID):
    return Record.dataset_id == literal_column(dialect.sql.uuid_literal(dataset_id))


async def dataset_progress(db: AsyncSession, dialect: Dialect, dataset_id: UUID) -> dict:
    rows = await db.execute(
        select(Record.status, func.count()).where(_in_dataset(dialect, dataset_id)).group_by(Record.status)
    )
    counts = {RecordStatus(status).value: count for status, count in rows}
    return {"total": sum(counts.values()), **counts}


async def user_progress(db: AsyncSession, dialect: Dialect, dataset_id: UUID, user_id: UUID) -> dict:
    rows = await db.execute(
        select(Response.status, func.count())
        .join(Record, Record.id == Response.record_id)
        .where(Response.user_id == user_id, _in_dataset(dialect, dataset_id))
        .group_by(Response.status)
    )
    counts = {ResponseStatus(status).value: count for status, count in rows}
    return {"total": sum(counts.values()), **counts}


async def metadata_metrics(
    db: AsyncSession, dialect: Dialect, dataset_id: UUID, name: str, type: MetadataPropertyType
) -> MetadataMetrics:
    if type == MetadataPropertyType.terms:
        return await _terms_metrics(db, dialect, dataset_id, name)
    value = dialect.sql.metadata_expr(name, numeric=True)
    index = await _index(db, dialect, dataset_id, name, numeric=True)
    # One aggregate per query: SQLite answers a lone min() or max() with one index seek.
    low, high = [
        await db.scalar(
            dialect.sql.with_index(select(aggregate(value)).where(_in_dataset(dialect, dataset_id)), index)
        )
        for aggregate in (func.min, func.max)
    ]
    if type == MetadataPropertyType.integer:
        return IntegerMetadataMetrics(min=_maybe(int, low), max=_maybe(int, high))
    return FloatMetadataMetrics(min=_maybe(float, low), max=_maybe(float, high))


async def _index(
    db: AsyncSession, dialect: Dialect, dataset_id: UUID, name: str, numeric: bool
) -> str | None:
    index = schema.metadata_index_name(dataset_id, name, numeric)
    return index if await schema.index_exists(db, dialect, index) else None


async def _terms_metrics(db: AsyncSession, dialect: Dialect, dataset_id: UUID, name: str) -> TermsMetrics:
    # Grouped on the indexed expression; list values come back as JSON text, expanded here.
    value = dialect.sql.metadata_expr(name, numeric=False)
    index = await _index(db, dialect, dataset_id, name, numeric=False)
    statement = (
        select(value, func.count())
        .where(_in_dataset(dialect, dataset_id), value.is_not(None))
        .group_by(value)
    )
    rows = await db.execute(dialect.sql.with_index(statement, index))
    counts: Counter[str] = Counter()
    values = 0
    for raw, count in rows:
        terms = _terms(raw)
        values += len(terms) * count
        for term in set(terms):
            counts[term] += count
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return TermsMetrics(
        total=values, values=[TermsMetrics.TermCount(term=term, count=count) for term, count in ordered]
    )


def _terms(raw: object) -> list[str]:
    """The keyword strings Elasticsearch would index for a metadata value."""
    if isinstance(raw, str) and raw.startswith("["):
        try:
            items = json.loads(raw)
        except ValueError:
            return [raw]
        if isinstance(items, list):
            return [_keyword(item) for item in items if item is not None]
    return [_keyword(raw)]


def _keyword(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _maybe(kind: type, value: object):
    return None if value is None else kind(value)
