"""Full-text search on SQLite: an FTS5 index kept in sync with `records` by triggers.

Layout (created by `ddl()`, idempotently, with a one-time backfill):

    annotate_search_texts   one row per record x searchable field (text, chat, custom):
                            id INTEGER PRIMARY KEY, record_id, dataset_id, field, body
    annotate_search_fts     FTS5 over (body, dataset_id), external content =
                            annotate_search_texts, tokenizer unicode61 remove_diacritics 2
                            (case and accents folded: "farmaco" finds "Fármaco"). The
                            dataset id is indexed as a token: a match without relevance
                            (a leaf of a composed query) is restricted to one dataset
                            inside the FTS index itself; scored matches keep the dataset
                            by their join (see `_scored_rows`).

Triggers on `records` (AFTER INSERT, AFTER UPDATE OF fields, AFTER DELETE) rewrite the
record's rows in annotate_search_texts, whose own triggers feed FTS5. They run inside the
transaction that changes the record, so the index can never disagree with committed data;
nothing is rebuilt after a crash. Chat and custom fields contribute their string leaves
(json_tree); image fields are not indexed (Elasticsearch excludes them too).

Matching (see `text_search.py`): when a record has one searchable field (or the query names
a field), the whole query is one FTS5 MATCH expression and relevance is bm25 of that row;
otherwise each leaf is matched separately and the boolean structure is composed in SQL, so
words may be found in different fields, as with Elasticsearch's multi-field query.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import (
    Column,
    Float,
    FromClause,
    MetaData,
    Select,
    String,
    Table,
    Text,
    column,
    select,
    table,
    text,
)
from sqlalchemy.sql.elements import ColumnElement

from .query_syntax import Node, Not, Or, Term

TEXTS = "annotate_search_texts"
FTS = "annotate_search_fts"
SEARCHABLE_TYPES = "('text', 'chat', 'custom')"

_texts = Table(
    TEXTS,
    MetaData(),
    Column("record_id", String),
    Column("dataset_id", String),
    Column("field", Text),
)

_FIELD_ROWS = f"""
    SELECT NEW.id, NEW.dataset_id, f.name,
           CASE WHEN j.type = 'text' THEN j.value
                ELSE (SELECT group_concat(t.value, ' ') FROM json_tree(j.value) AS t WHERE t.type = 'text')
           END
    FROM json_each(NEW.fields) AS j
    JOIN fields AS f ON f.dataset_id = NEW.dataset_id AND f.name = j.key
    WHERE json_extract(f.settings, '$.type') IN {SEARCHABLE_TYPES} AND j.type != 'null'
"""

TRIGGERS = {
    "annotate_search_texts_ai": f"""
        CREATE TRIGGER annotate_search_texts_ai AFTER INSERT ON {TEXTS} BEGIN
            INSERT INTO {FTS}(rowid, body, dataset_id) VALUES (NEW.id, NEW.body, NEW.dataset_id);
        END""",
    "annotate_search_texts_ad": f"""
        CREATE TRIGGER annotate_search_texts_ad AFTER DELETE ON {TEXTS} BEGIN
            INSERT INTO {FTS}({FTS}, rowid, body, dataset_id)
            VALUES ('delete', OLD.id, OLD.body, OLD.dataset_id);
        END""",
    "annotate_search_records_ai": f"""
        CREATE TRIGGER annotate_search_records_ai AFTER INSERT ON records BEGIN
            INSERT INTO {TEXTS}(record_id, dataset_id, field, body) {_FIELD_ROWS};
        END""",
    "annotate_search_records_au": f"""
        CREATE TRIGGER annotate_search_records_au AFTER UPDATE OF fields ON records BEGIN
            DELETE FROM {TEXTS} WHERE record_id = OLD.id;
            INSERT INTO {TEXTS}(record_id, dataset_id, field, body) {_FIELD_ROWS};
        END""",
    "annotate_search_records_ad": f"""
        CREATE TRIGGER annotate_search_records_ad AFTER DELETE ON records BEGIN
            DELETE FROM {TEXTS} WHERE record_id = OLD.id;
        END""",
}

_BACKFILL = _FIELD_ROWS.replace("NEW.", "r.").replace(
    "FROM json_each(r.fields) AS j", "FROM records AS r, json_each(r.fields) AS j"
)


def ddl() -> list[str]:
    """Statements that (re)create the index from scratch and fill it from `records`."""
    return [
        *(f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGERS),
        f"DROP TABLE IF EXISTS {FTS}",
        f"DROP TABLE IF EXISTS {TEXTS}",
        f"""CREATE TABLE {TEXTS} (
            id INTEGER PRIMARY KEY,
            record_id CHAR(32) NOT NULL,
            dataset_id CHAR(32) NOT NULL,
            field TEXT NOT NULL,
            body TEXT NOT NULL)""",
        f"CREATE INDEX {TEXTS}_record_id ON {TEXTS}(record_id)",
        f"""CREATE VIRTUAL TABLE {FTS} USING fts5(
            body, dataset_id, content='{TEXTS}', content_rowid='id',
            tokenize='unicode61 remove_diacritics 2')""",
        *TRIGGERS.values(),
        f"INSERT INTO {TEXTS}(record_id, dataset_id, field, body) {_BACKFILL}",
    ]


def expected_objects() -> set[str]:
    """Names that must exist in sqlite_master for the index to be trusted."""
    return {TEXTS, FTS, *TRIGGERS}


def _quoted(words) -> str:
    return '"' + " ".join(words).replace('"', '""') + '"'


def leaf_expression(term: Term) -> str:
    """The FTS5 query for one leaf: a phrase, or all the word's tokens (the last one as a prefix)."""
    if term.phrase:
        return _quoted(term.tokens)
    parts = [_quoted([token]) for token in term.tokens]
    if term.prefix:
        parts[-1] += " *"
    return " AND ".join(parts)


def whole_expression(node: Node, names: Iterator[str] | None = None) -> str | None:
    """The whole query as one FTS5 expression, or None when FTS5 cannot say it (a NOT that is
    not subtracted from something positive)."""
    if isinstance(node, Term):
        return f"({leaf_expression(node)})"
    if isinstance(node, Not):
        return None
    if isinstance(node, Or):
        parts = [whole_expression(child) for child in node.nodes]
        return None if None in parts else "(" + " OR ".join(parts) + ")"
    positives = [whole_expression(child) for child in node.nodes if not isinstance(child, Not)]
    negatives = [whole_expression(child.node) for child in node.nodes if isinstance(child, Not)]
    if not positives or None in positives or None in negatives:
        return None
    return "(" + " AND ".join(positives) + "".join(f" NOT {part}" for part in negatives) + ")"


def _in_body(expression: str) -> str:
    return f"{{body}} : {expression}"


def _in_dataset(expression: str, dataset_hex: str) -> str:
    return f'dataset_id : "{dataset_hex}" AND {_in_body(expression)}'


def hits(dataset_literal: str, expression: str, field: str | None) -> FromClause:
    """Subquery (record_id, score) of the dataset's rows matching the FTS5 `expression`; the
    caller guarantees one searchable row per record (one field, or `field` given)."""
    return _scored_rows(dataset_literal, expression, field, "text_hits", per_record=False)


def scores(dataset_literal: str, terms: list[Term], field: str | None) -> FromClause:
    """Subquery (record_id, score) for the dataset's records matching any of `terms`."""
    expression = "(" + " OR ".join(f"({leaf_expression(term)})" for term in terms) + ")"
    return _scored_rows(dataset_literal, expression, field, "text_scores", per_record=True)


def _scored_rows(
    dataset_literal: str, expression: str, field: str | None, name: str, per_record: bool
) -> FromClause:
    """-bm25 (summed over the record's matching fields when `per_record`); the inner LIMIT -1
    keeps SQLite from flattening the subquery, since bm25() is only allowed next to MATCH.

    The dataset is kept by the join, not by its token in the MATCH: bm25 weighs every phrase of
    the expression by reading its whole doclist once per query, and the dataset's token is in every
    row of the dataset (8 ms of a 100k-row dataset's text query, measured). The scores are the same:
    the dataset_id column has weight 0."""
    field_sql = f"AND t.field = :{name}_field" if field is not None else ""
    score, group = ("-sum(m.score)", "GROUP BY t.record_id") if per_record else ("-m.score", "")
    sql = text(
        f"""SELECT t.record_id AS record_id, {score} AS score
            FROM (SELECT rowid AS fts_rowid, bm25({FTS}, 1.0, 0.0) AS score FROM {FTS}
                  WHERE {FTS} MATCH :{name}_query LIMIT -1) AS m
            JOIN {TEXTS} AS t ON t.id = m.fts_rowid
            WHERE t.dataset_id = :{name}_dataset {field_sql}
            {group}"""
    )
    params = {f"{name}_query": _in_body(expression), f"{name}_dataset": dataset_literal.strip("'")}
    if field is not None:
        params[f"{name}_field"] = field
    return sql.bindparams(**params).columns(column("record_id"), column("score", Float)).subquery(name)


def _match_rows(expression: str, name: str) -> Select:
    fts = table(FTS, column("rowid"))
    return (
        select(_texts.c.record_id)
        .select_from(fts.join(_texts, text(f"{TEXTS}.id = {FTS}.rowid")))
        .where(text(f"{FTS} MATCH :{name}").bindparams(**{name: expression}))
    )


def leaf_condition(
    record_id: ColumnElement, dataset_literal: str, term: Term, field: str | None, name: str
) -> ColumnElement[bool]:
    """`records.id IN (rows of the dataset whose text matches the leaf)`."""
    expression = _in_dataset(f"({leaf_expression(term)})", dataset_literal.strip("'"))
    rows = _match_rows(expression, name)
    if field is not None:
        rows = rows.where(_texts.c.field == field)
    return record_id.in_(rows)
