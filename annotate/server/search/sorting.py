"""Argilla's sort orders as SQL ORDER BY terms, with Elasticsearch's meaning.

Records lacking the value go last in both directions (Elasticsearch's `missing: _last`).
List values sort by their smallest item ascending and their largest descending (its default
sort mode for multi-valued fields). Response values sort by the average over the record's
responses (`mode: avg`), of one user when the scope has one; non-numeric answers (labels)
by their smallest/largest value. Ties are broken by the caller (insertion order).
"""

from __future__ import annotations

from argilla_server.enums import SortOrder
from argilla_server.models import Record, Response, Suggestion
from argilla_server.search_engine.base import (
    MetadataFilterScope,
    Order,
    RecordFilterScope,
    ResponseFilterScope,
    SuggestionFilterScope,
)
from sqlalchemy import func, select
from sqlalchemy.sql.elements import ColumnElement

from .context import DatasetContext
from .filters import RECORD_COLUMNS


def order_by(orders: list[Order], ctx: DatasetContext, first_has_nulls: bool = True) -> list[ColumnElement]:
    """ORDER BY terms for `orders`, missing values last. When the caller knows the first key
    has no missing value, it is left without NULLS LAST, so that an index can provide it."""
    terms = []
    for position, order in enumerate(orders):
        descending = order.order == SortOrder.desc
        key = sort_key(order, ctx, descending)
        term = key.desc() if descending else key.asc()
        terms.append(term if position == 0 and not first_has_nulls else term.nulls_last())
    return terms


def first_key(orders: list[Order], ctx: DatasetContext) -> ColumnElement:
    """The expression of the first sort key."""
    return sort_key(orders[0], ctx, orders[0].order == SortOrder.desc)


def sort_key(order: Order, ctx: DatasetContext, descending: bool) -> ColumnElement:
    scope = order.scope
    if isinstance(scope, RecordFilterScope):
        if scope.property not in RECORD_COLUMNS:
            raise ValueError(f"Cannot sort records by property `{scope.property}`")
        return RECORD_COLUMNS[scope.property]
    if isinstance(scope, MetadataFilterScope):
        name = scope.metadata_property
        return ctx.dialect.sql.metadata_expr(name, numeric=ctx.metadata_is_numeric(name))
    if isinstance(scope, SuggestionFilterScope):
        return _suggestion_key(scope, ctx, descending)
    if isinstance(scope, ResponseFilterScope):
        return _response_key(scope, ctx, descending)
    raise ValueError(f"Cannot sort by scope {scope!r}")


def _suggestion_key(scope: SuggestionFilterScope, ctx: DatasetContext, descending: bool) -> ColumnElement:
    question = ctx.question(scope.question)
    property = scope.property or "value"
    if property == "score":
        value = ctx.dialect.sql.extreme(Suggestion.score, (), descending, numeric=True)
    elif property == "value":
        value = ctx.dialect.sql.extreme(Suggestion.value, (), descending, numeric=question.numeric)
    elif property in ("agent", "type"):
        value = getattr(Suggestion, property)
    else:
        raise ValueError(f"Cannot sort by suggestion property `{property}`")
    return (
        select(value)
        .where(Suggestion.record_id == Record.id, Suggestion.question_id == question.id)
        .scalar_subquery()
    )


def _response_key(scope: ResponseFilterScope, ctx: DatasetContext, descending: bool) -> ColumnElement:
    sql = ctx.dialect.sql
    if scope.question:
        question = ctx.question(scope.question)
        keys = (scope.question, "value")
        if question.numeric:
            value = func.avg(sql.number(Response.values, keys))
        else:
            extreme = sql.extreme(Response.values, keys, descending, numeric=False)
            value = func.max(extreme) if descending else func.min(extreme)
    elif scope.property == "status":
        value = func.max(Response.status) if descending else func.min(Response.status)
    else:
        raise ValueError(f"Cannot sort by response scope {scope!r}")
    where = [Response.record_id == Record.id]
    if scope.user is not None:
        where.append(Response.user_id == scope.user.id)
    return select(value).where(*where).scalar_subquery()
