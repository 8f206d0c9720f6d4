"""SQLite's side of the SQL that differs by dialect: JSON access, literals, planner hints.

Metadata expressions are plain SQL text so that the per-dataset partial indexes created by
`schema.py` and the queries of `filters.py` / `sorting.py` / `metrics.py` repeat the very
same expression (SQLite only uses an expression index when the query does). SQLite keeps
JSON numbers as numbers, so one expression serves terms and numeric properties.

Planner hints. Argilla never runs ANALYZE, and without statistics SQLite guesses that any
equality on an index is selective: it prefers `records(dataset_id)` over a metadata index,
or `responses(status)` inside a per-record subquery, each a full scan at 100k records. So
queries name their index (`INDEXED BY`, see `with_index`) where the engine knows the right
one, and wrap low-selectivity columns in a unary `+` (`no_index`) so they are not used to
drive a subquery. SQLAlchemy does not render table hints for SQLite; `with_index` enables
that for hints explicitly addressed to "sqlite" (nothing else in Argilla sets one).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from argilla_server.models import Record
from sqlalchemy import (
    Float,
    Select,
    String,
    and_,
    case,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import ColumnElement, UnaryExpression

NAME = "sqlite"


def _render_hint(compiler: SQLiteCompiler, table: Any, text: str | None) -> str | None:
    return text


SQLiteCompiler.get_from_hint_text = _render_hint  # type: ignore[method-assign]


def with_index(statement: Select, index: str | None) -> Select:
    """`statement` reading `records` through `index` (FROM records INDEXED BY index)."""
    if index is None:
        return statement
    return statement.with_hint(Record.__table__, f"INDEXED BY {index}", NAME)


def no_index(column: ColumnElement) -> ColumnElement:
    """`+column`: same value, but SQLite will not drive the query from an index on it."""
    return UnaryExpression(column, operator=operators.custom_op("+"), type_=column.type)


def probe(rows: Select) -> ColumnElement[bool]:
    """`rows` has a row: SQLite runs an EXISTS once per outer row already."""
    return exists(rows)


def absent(rows: Select) -> ColumnElement[bool]:
    """`rows` has no row, tested once per outer row."""
    return ~exists(rows)


def string_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def uuid_literal(value: UUID) -> str:
    """How SQLAlchemy stores a UUID on SQLite: 32 hex digits."""
    return string_literal(value.hex)


def json_path(*keys: str) -> str:
    return "$" + "".join(f'."{key}"' if '"' not in key else f".{key}" for key in keys)


def metadata_sql(name: str, numeric: bool, table: str = "records") -> str:
    prefix = f"{table}." if table else ""
    return f"json_extract({prefix}metadata, {string_literal(json_path(name))})"


def metadata_expr(name: str, numeric: bool) -> ColumnElement:
    return literal_column(metadata_sql(name, numeric), type_=Float if numeric else None)


def typed_values(values: list[str]) -> list[Any]:
    """`values` plus their numeric readings: JSON numbers come back as numbers on SQLite."""
    typed: list[Any] = list(values)
    for value in values:
        for kind in (int, float):
            try:
                typed.append(kind(value))
            except ValueError:
                continue
    return typed


def is_list(value: ColumnElement) -> ColumnElement[bool]:
    """True for a metadata value that is a JSON list: json_extract returns it as '[...]' text."""
    return (value >= "[") & (value < "\\")


def metadata_terms(name: str, values: list[str], lists: bool) -> ColumnElement[bool]:
    """The metadata value is one of `values` (or, when `lists`, a list holding one of them)."""
    value = metadata_expr(name, numeric=False)
    typed = typed_values(values)
    if not lists:
        return value.in_(typed)
    elements = func.json_each(literal_column("records.metadata"), json_path(name)).table_valued("value")
    in_list = exists(select(literal(1)).select_from(elements).where(elements.c.value.in_(typed)))
    return or_(value.in_(typed), is_list(value) & in_list)


def _elements(column: ColumnElement, keys: tuple[str, ...]):
    return func.json_each(column, json_path(*keys)).table_valued("value", "type")


def _scalar_or_items(column: ColumnElement, keys: tuple[str, ...], test) -> ColumnElement[bool]:
    """`test` on the value at `keys`, or on any item when it is a list (json_each only then)."""
    path = json_path(*keys)
    elements = _elements(column, keys)
    any_item = exists(select(literal(1)).select_from(elements).where(test(elements.c.value)))
    is_array = func.json_type(column, path) == "array"
    return case((is_array, any_item), else_=test(func.json_extract(column, path))) == literal(True)


def any_in(column: ColumnElement, keys: tuple[str, ...], values: list[str]) -> ColumnElement[bool]:
    """The JSON value at `keys` equals one of `values` (or is a list holding one)."""
    typed = typed_values(values)
    return _scalar_or_items(column, keys, lambda value: value.in_(typed))


def any_between(
    column: ColumnElement, keys: tuple[str, ...], ge: float | None, le: float | None
) -> ColumnElement[bool]:
    """The number at `keys` (or one number of the list there) lies in [ge, le]."""

    def test(value: ColumnElement) -> ColumnElement[bool]:
        conditions = [func.typeof(value).in_(["integer", "real"])]
        if ge is not None:
            conditions.append(value >= ge)
        if le is not None:
            conditions.append(value <= le)
        return and_(*conditions)

    return _scalar_or_items(column, keys, test)


def extreme(column: ColumnElement, keys: tuple[str, ...], largest: bool, numeric: bool) -> ColumnElement:
    """min (or max) of the value at `keys`, over the list's items when it is a list."""
    elements = _elements(column, keys)
    aggregate = func.max if largest else func.min
    return select(aggregate(elements.c.value)).select_from(elements).scalar_subquery()


def number(column: ColumnElement, keys: tuple[str, ...]) -> ColumnElement:
    """The number at `keys`, or NULL."""
    value = func.json_extract(column, json_path(*keys))
    return case((func.json_type(column, json_path(*keys)).in_(["integer", "real"]), value))


def id_hex(column: ColumnElement) -> ColumnElement:
    """A UUID column as 32 lowercase hex digits (how SQLite stores it)."""
    return type_coerce(column, String)


def json_text(column: ColumnElement) -> ColumnElement:
    """A JSON column as its stored text, unparsed."""
    return type_coerce(column, String)
