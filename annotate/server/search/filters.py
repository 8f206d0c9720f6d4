"""Argilla's search filters as SQL conditions on `records`, with Elasticsearch's meaning.

- metadata: terms (the value, or one item of a list value, is one of the terms) and range
  (ge/le inclusive) on the JSON in records.metadata;
- record: terms/range on id, external_id, status, inserted_at, updated_at;
- suggestion: value/score (terms or range, lists match on any item), agent, type of the
  suggestion for one question (EXISTS on suggestions);
- response status: for one user when the scope has a user (the /me endpoints pass the
  current user), else for anybody; `pending` means "no response of that user" (without a
  user: no response at all) and is OR-ed with the other statuses;
- response values: terms/range on the value of one question, of one user if given.
A filter never mutates its input (Elasticsearch's implementation removes `pending`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from argilla_server.enums import RecordStatus, ResponseStatus, ResponseStatusFilter, SuggestionType
from argilla_server.models import Record, Response, Suggestion
from argilla_server.search_engine.base import (
    AndFilter,
    Filter,
    MetadataFilterScope,
    RangeFilter,
    RecordFilterScope,
    ResponseFilterScope,
    SuggestionFilterScope,
    TermsFilter,
)
from sqlalchemy import Select, and_, exists, false, literal, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from .context import DatasetContext

RECORD_COLUMNS = {
    "id": Record.id,
    "external_id": Record.external_id,
    "status": Record.status,
    "inserted_at": Record.inserted_at,
    "updated_at": Record.updated_at,
}
_DATES = {"inserted_at", "updated_at"}


def build(filter: Filter, ctx: DatasetContext) -> ColumnElement[bool]:
    """The SQL condition for `filter` (AndFilter, TermsFilter or RangeFilter)."""
    if isinstance(filter, AndFilter):
        return and_(true(), *(build(child, ctx) for child in filter.filters))
    scope = filter.scope
    if isinstance(scope, MetadataFilterScope):
        return _metadata(filter, scope, ctx)
    if isinstance(scope, RecordFilterScope):
        return _record(filter, scope)
    if isinstance(scope, SuggestionFilterScope):
        return _suggestion(filter, scope, ctx)
    if isinstance(scope, ResponseFilterScope):
        return _response(filter, scope, ctx)
    raise ValueError(f"Cannot filter by scope {scope!r}")


def _bounds(expression: ColumnElement, ge: object, le: object) -> ColumnElement[bool]:
    conditions = []
    if ge is not None:
        conditions.append(expression >= ge)
    if le is not None:
        conditions.append(expression <= le)
    return and_(true(), *conditions)


def _metadata(filter: Filter, scope: MetadataFilterScope, ctx: DatasetContext) -> ColumnElement[bool]:
    sql = ctx.dialect.sql
    name = scope.metadata_property
    if isinstance(filter, TermsFilter):
        return sql.metadata_terms(name, [str(value) for value in filter.values], name in ctx.list_valued)
    if isinstance(filter, RangeFilter):
        return _bounds(sql.metadata_expr(name, numeric=True), _number(filter.ge), _number(filter.le))
    raise ValueError(f"Cannot process filter {filter!r}")


def _record(filter: Filter, scope: RecordFilterScope) -> ColumnElement[bool]:
    column = RECORD_COLUMNS.get(scope.property)
    if column is None:
        raise ValueError(f"Cannot filter records by property `{scope.property}`")
    if isinstance(filter, TermsFilter):
        values = [_record_value(scope.property, value) for value in filter.values]
        values = [value for value in values if value is not None]
        return column.in_(values) if values else false()
    if isinstance(filter, RangeFilter):
        ge, le = (_record_value(scope.property, bound) for bound in (filter.ge, filter.le))
        return _bounds(column, ge, le)
    raise ValueError(f"Cannot process filter {filter!r}")


def _record_value(property: str, value: object) -> object:
    """`value` as the column stores it; None when it cannot be one (it then matches nothing)."""
    if value is None:
        return None
    if property == "status":
        return _enum(RecordStatus, value)
    if property == "id":
        try:
            return UUID(str(value))
        except ValueError:
            return None
    if property in _DATES:
        return _datetime(value)
    return str(value)


def _suggestion(filter: Filter, scope: SuggestionFilterScope, ctx: DatasetContext) -> ColumnElement[bool]:
    sql = ctx.dialect.sql
    property = scope.property or "value"
    if property in ("value", "score"):
        column = Suggestion.value if property == "value" else Suggestion.score
        if isinstance(filter, TermsFilter):
            condition = sql.any_in(column, (), [str(value) for value in filter.values])
        else:
            condition = sql.any_between(column, (), _number(filter.ge), _number(filter.le))
    elif property == "agent":
        condition = _strings(Suggestion.agent, filter)
    elif property == "type" and isinstance(filter, TermsFilter):
        types = [_enum(SuggestionType, value) for value in filter.values]
        types = [value for value in types if value is not None]
        condition = sql.no_index(Suggestion.type).in_(types) if types else false()
    else:
        raise ValueError(f"Cannot filter suggestions by property `{property}` with {filter!r}")
    question = ctx.question(scope.question)
    if ctx.walking:  # a page read in index order: probe the record's suggestion
        where = Suggestion.record_id == Record.id, Suggestion.question_id == question.id, condition
        return _related(select(literal(1)).where(*where), ctx)
    # Driven from the question's suggestions: a probe per record costs a row read each.
    return Record.id.in_(select(Suggestion.record_id).where(Suggestion.question_id == question.id, condition))


def _strings(column: ColumnElement, filter: Filter) -> ColumnElement[bool]:
    if isinstance(filter, TermsFilter):
        return column.in_([str(value) for value in filter.values])
    return _bounds(column, filter.ge, filter.le)


def _response(filter: Filter, scope: ResponseFilterScope, ctx: DatasetContext) -> ColumnElement[bool]:
    if scope.question:
        return _response_values(filter, scope, ctx)
    if scope.property == "status" and isinstance(filter, TermsFilter):
        return _response_status(filter, scope, ctx)
    raise ValueError(f"Cannot process filter scope {scope!r}")


def _user_responses(
    scope: ResponseFilterScope, ctx: DatasetContext, *conditions: ColumnElement[bool]
) -> ColumnElement[bool]:
    """The record has a response (of the scope's user, if any) meeting `conditions`. With a user,
    the user's responses drive (responses(user_id, status, record_id) index); without one, or in a
    page read in index order (`ctx.walking`), a probe per record."""
    if scope.user is not None and not ctx.walking:
        return Record.id.in_(select(Response.record_id).where(Response.user_id == scope.user.id, *conditions))
    if scope.user is not None:
        conditions = (Response.user_id == scope.user.id, *conditions)
    return _related(select(literal(1)).where(Response.record_id == Record.id, *conditions), ctx)


def _response_values(filter: Filter, scope: ResponseFilterScope, ctx: DatasetContext) -> ColumnElement[bool]:
    sql = ctx.dialect.sql
    keys = (scope.question, "value")
    if isinstance(filter, TermsFilter):
        condition = sql.any_in(Response.values, keys, [str(value) for value in filter.values])
    elif isinstance(filter, RangeFilter):
        condition = sql.any_between(Response.values, keys, _number(filter.ge), _number(filter.le))
    else:
        raise ValueError(f"Cannot process filter {filter!r}")
    return _user_responses(scope, ctx, condition)


def _response_status(
    filter: TermsFilter, scope: ResponseFilterScope, ctx: DatasetContext
) -> ColumnElement[bool]:
    values = [str(value) for value in filter.values]
    statuses = [_enum(ResponseStatus, value) for value in values if value != ResponseStatusFilter.pending]
    statuses = [status for status in statuses if status is not None]
    conditions = []
    if ResponseStatusFilter.pending in values:
        conditions.append(_has_response(scope, ctx, present=False))
    if statuses:
        status = Response.status if scope.user is not None else ctx.dialect.sql.no_index(Response.status)
        conditions.append(_user_responses(scope, ctx, status.in_(statuses)))
    if not values:
        return _has_response(scope, ctx) if scope.user is not None else true()
    return or_(*conditions) if conditions else false()


def _has_response(
    scope: ResponseFilterScope, ctx: DatasetContext, present: bool = True
) -> ColumnElement[bool]:
    """A response (of the scope's user) exists, or not (`present`): one probe of responses(record_id,
    user_id)."""
    where = [Response.record_id == Record.id]
    if scope.user is not None:
        where.append(Response.user_id == scope.user.id)
    return _related(select(literal(1)).where(*where), ctx, present)


def _related(rows: Select, ctx: DatasetContext, present: bool = True) -> ColumnElement[bool]:
    """[NOT] EXISTS `rows` (rows related to the record); in a page read in index order (`ctx.walking`),
    the dialect's per-record probe: PostgreSQL turned [NOT] EXISTS into a join that read every related
    row below the walk's pivot first (`dialect_postgres.probe`)."""
    if ctx.walking:
        return ctx.dialect.sql.probe(rows) if present else ctx.dialect.sql.absent(rows)
    return exists(rows) if present else ~exists(rows)


def _enum(enum: type, value: object) -> object:
    try:
        return enum(str(value))
    except ValueError:
        return None


def _number(value: object) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError) as error:
        raise ValueError(f"`{value}` is not a number") from error


def _datetime(value: object) -> datetime | None:
    """An ISO date/time string or epoch milliseconds (as Elasticsearch reads dates), as naive UTC."""
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value / 1000, tz=UTC).replace(tzinfo=None)
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed
