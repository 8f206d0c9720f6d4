"""A text query as SQL, on the dialect's full-text index (text_sqlite.py / text_postgres.py).

The index has one row per record field. When a record has a single searchable field, or the
query is restricted to one (TextQuery.field), the whole `simple_query_string` becomes one
full-text expression matched against those rows: the fast path, which only touches the
matching rows. Otherwise each leaf (term, phrase, prefix) is matched on its own and
AND/OR/NOT are composed in SQL over records, so that, as in Elasticsearch's multi-field
query, "a b" matches a record with "a" in one field and "b" in another. Relevance is the
index's rank (bm25 on SQLite, ts_rank on PostgreSQL), summed over the record's fields.
"""

from __future__ import annotations

import dataclasses
import itertools

from argilla_server.models import Record
from argilla_server.search_engine.base import TextQuery
from sqlalchemy import FromClause, and_, not_, or_
from sqlalchemy.sql.elements import ColumnElement

from .context import DatasetContext
from .query_syntax import And, Node, Not, Term, parse, positive_leaves


@dataclasses.dataclass(frozen=True)
class TextMatch:
    """Either `hits` (every matching record with its score: join it) or a `condition` on
    records plus optional `scores` (outer-join them for relevance)."""

    hits: FromClause | None = None
    condition: ColumnElement[bool] | None = None
    scores: FromClause | None = None


def text_match(query: TextQuery | str | None, ctx: DatasetContext) -> TextMatch | None:
    """The match for `query`, or None when there is nothing to search (no query, no token)."""
    if query is None:
        return None
    if isinstance(query, str):
        query = TextQuery(q=query)
    node = parse(query.q)
    if node is None:
        return None
    text = ctx.dialect.text
    names = (f"leaf_{index}" for index in itertools.count())
    if query.field is not None or ctx.searchable_fields <= 1:
        expression = text.whole_expression(node, names)
        if expression is not None:
            return TextMatch(hits=text.hits(ctx.dataset_literal, expression, query.field))
    condition = _condition(node, ctx, query.field, names)
    positives = positive_leaves(node)
    scores = text.scores(ctx.dataset_literal, positives, query.field) if positives else None
    return TextMatch(condition=condition, scores=scores)


def _condition(node: Node, ctx: DatasetContext, field: str | None, names) -> ColumnElement[bool]:
    if isinstance(node, Term):
        return ctx.dialect.text.leaf_condition(Record.id, ctx.dataset_literal, node, field, next(names))
    if isinstance(node, Not):
        return not_(_condition(node.node, ctx, field, names))
    parts = [_condition(child, ctx, field, names) for child in node.nodes]
    return and_(*parts) if isinstance(node, And) else or_(*parts)
