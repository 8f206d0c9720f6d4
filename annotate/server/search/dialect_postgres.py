"""PostgreSQL's side of the SQL that differs by dialect: JSON access, literals, (no) hints.

Argilla's columns are `json` (not `jsonb`). Metadata expressions are plain SQL text so that
the per-dataset partial indexes created by `schema.py` and the queries of `filters.py` and
`sorting.py` use the very same expression: terms compare as `COLLATE "C"` text (byte order,
as Elasticsearch orders keywords), numbers as float8, NULL when the value is not a number.
"""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import Float, Select, Text, case, cast, exists, func, literal, literal_column, or_, select
from sqlalchemy.sql.elements import ColumnElement

NAME = "postgresql"


def with_index(statement: Select, index: str | None) -> Select:
    """PostgreSQL's planner has statistics (kept current by `statistics.py`): no hints needed."""
    return statement


def no_index(column: ColumnElement) -> ColumnElement:
    return column


def probe(rows: Select) -> ColumnElement[bool]:
    """`rows` has a row, tested once per outer row: a scalar subquery, which PostgreSQL never turns
    into a join. An EXISTS it turns into a semi-join, and in a page read in index order from a pivot
    (`records.id <= pivot`) that join read every answer above the pivot first (2,042 rows, 19 ms, for a
    10-record page of the response filter at 100k records), since the bound is not carried over to
    the joined table. A NOT EXISTS it turns into an anti-join, with the same cost: the pending page
    read the 8,784 answers below the pivot twice (own answers, anyone's), 5.2 ms of the page's 5.6."""
    return rows.limit(1).scalar_subquery().is_not(None)


def absent(rows: Select) -> ColumnElement[bool]:
    """`rows` has no row, tested once per outer row: `probe`'s scalar subquery, compared so that the
    planner keeps its default guess for an inequality (most rows pass). `IS NULL` gets its guess for a
    null test (0.5 % pass): two of them on a pending page (own answer, anyone's) estimated one matching
    record, so PostgreSQL sorted all 12,396 records above the pivot instead of reading 10 in index order
    (28 ms instead of 0.2 ms at 100k records)."""
    return rows.limit(1).scalar_subquery().is_distinct_from(1)


def string_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def uuid_literal(value: UUID) -> str:
    return f"{string_literal(str(value))}::uuid"


def metadata_sql(name: str, numeric: bool, table: str = "records") -> str:
    column = f"{table}.metadata" if table else "metadata"
    key = string_literal(name)
    if numeric:
        return (
            f"(CASE WHEN json_typeof({column} -> {key}) = 'number' "
            f"THEN ({column} ->> {key})::double precision END)"
        )
    return f'(({column} ->> {key}) COLLATE "C")'


def metadata_expr(name: str, numeric: bool) -> ColumnElement:
    return literal_column(metadata_sql(name, numeric), type_=Float if numeric else Text)


def is_list(value: ColumnElement) -> ColumnElement[bool]:
    """True for a metadata value that is a JSON list: ->> returns it as '[...]' text."""
    return (value >= "[") & (value < "\\")


def metadata_terms(name: str, values: list[str], lists: bool) -> ColumnElement[bool]:
    """The metadata value is one of `values` (or, when `lists`, a list holding one of them)."""
    value = metadata_expr(name, numeric=False)
    if not lists:
        return value.in_(values)
    elements = _elements(literal_column(f"records.metadata -> {string_literal(name)}"))
    in_list = exists(select(literal(1)).select_from(elements).where(_text(elements).in_(values)))
    return or_(value.in_(values), is_list(value) & in_list)


def _at(column: ColumnElement, keys: tuple[str, ...]) -> ColumnElement:
    return func.json_extract_path(column, *keys) if keys else column


def _elements(value: ColumnElement):
    as_list = case((func.json_typeof(value) == "array", value), else_=func.json_build_array(value))
    return func.json_array_elements(as_list).table_valued("value")


def _text(elements) -> ColumnElement:
    return elements.c.value.op("#>>", return_type=Text)(literal_column("'{}'"))


def _number(elements) -> ColumnElement:
    """The element as float8, NULL when it is not a JSON number (CASE: no unsafe cast)."""
    return case((func.json_typeof(elements.c.value) == "number", cast(_text(elements), Float)))


def any_in(column: ColumnElement, keys: tuple[str, ...], values: list[str]) -> ColumnElement[bool]:
    """The JSON value at `keys` equals one of `values` (or is a list holding one)."""
    elements = _elements(_at(column, keys))
    return exists(select(literal(1)).select_from(elements).where(_text(elements).in_(values)))


def any_between(
    column: ColumnElement, keys: tuple[str, ...], ge: float | None, le: float | None
) -> ColumnElement[bool]:
    """The number at `keys` (or one number of the list there) lies in [ge, le]."""
    elements = _elements(_at(column, keys))
    conditions = [_number(elements).is_not(None)]
    if ge is not None:
        conditions.append(_number(elements) >= ge)
    if le is not None:
        conditions.append(_number(elements) <= le)
    return exists(select(literal(1)).select_from(elements).where(*conditions))


def extreme(column: ColumnElement, keys: tuple[str, ...], largest: bool, numeric: bool) -> ColumnElement:
    """min (or max) of the value at `keys`, over the list's items when it is a list."""
    elements = _elements(_at(column, keys))
    value = _number(elements) if numeric else _text(elements).collate("C")
    aggregate = func.max if largest else func.min
    return select(aggregate(value)).select_from(elements).scalar_subquery()


def number(column: ColumnElement, keys: tuple[str, ...]) -> ColumnElement:
    """The number at `keys`, or NULL."""
    value = _at(column, keys)
    return case(
        (
            func.json_typeof(value) == "number",
            cast(value.op("#>>", return_type=Text)(literal_column("'{}'")), Float),
        )
    )


def id_hex(column: ColumnElement) -> ColumnElement:
    """A UUID column as 32 lowercase hex digits."""
    return func.replace(cast(column, Text), "-", "")


def json_text(column: ColumnElement) -> ColumnElement:
    """A JSON column as text, unparsed by the driver."""
    return cast(column, Text)
