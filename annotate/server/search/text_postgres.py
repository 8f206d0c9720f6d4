"""Full-text search on PostgreSQL: a tsvector per record field, kept in sync by triggers.

Layout (created by `ddl()`, idempotently, with a one-time backfill):

    annotate_search_es        text search configuration: Spanish stemming and stop words,
                              plus the `unaccent` dictionary when the extension can be
                              created (otherwise accents are folded by translate() only)
    annotate_search_fold()    IMMUTABLE lower() + translate() of Spanish/Portuguese/Catalan
                              accents, applied to documents and queries alike
    annotate_search_texts     record_id (FK to records, ON DELETE CASCADE), dataset_id,
                              field, tsv tsvector; GIN index on tsv

Records feed it through triggers (a statement-level AFTER INSERT trigger with a transition
table, so a bulk insert costs one INSERT ... SELECT; a row-level AFTER UPDATE OF fields
trigger), inside the writing transaction: the index is always consistent with committed
data and nothing needs rebuilding after a crash. Why a stored tsvector and not a bare
expression index: ranking (ts_rank) needs the tsvector of every matching row, and
recomputing it from the JSON text for thousands of matches costs seconds.

Leaves of the query are tsqueries (plainto_tsquery for a word, phraseto_tsquery for a
phrase, to_tsquery with :* for a prefix), combined into one tsquery when a record has one
searchable field, else composed in SQL by `text_search.py`. A leaf made only of stop words
("de") reduces to an empty tsquery and drops out, so it does not empty an AND; a query made
only of stop words matches nothing.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import (
    Column,
    FromClause,
    MetaData,
    Select,
    Table,
    Text,
    bindparam,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR, UUID
from sqlalchemy.sql.elements import ColumnElement

from .query_syntax import And, Node, Not, Or, Term

TEXTS = "annotate_search_texts"
TSV_INDEX = f"{TEXTS}_tsv"  # GIN, with fast update: its pending list is merged by `statistics.py`
CONFIG = "annotate_search_es"
SEARCHABLE_TYPES = "('text', 'chat', 'custom')"
TRIGGERS = ("annotate_search_records_ai", "annotate_search_records_au")
FUNCTIONS = (
    "annotate_search_fold",
    "annotate_search_tsvector",
    "annotate_search_field_text",
    "annotate_search_records_insert",
    "annotate_search_records_update",
)
_ACCENTED = "ÁÀÂÄÃÉÈÊËÍÌÎÏÓÒÔÖÕÚÙÛÜÑÇáàâäãéèêëíìîïóòôöõúùûüñç"
_PLAIN = "AAAAAEEEEIIIIOOOOOUUUUNCaaaaaeeeeiiiiooooouuuunc"

_texts = Table(
    TEXTS,
    MetaData(),
    Column("record_id", UUID(as_uuid=True)),
    Column("dataset_id", UUID(as_uuid=True)),
    Column("field", Text),
    Column("tsv", TSVECTOR),
)

_FIELD_ROWS = f"""
    SELECT r.id, r.dataset_id, f.name, annotate_search_tsvector(annotate_search_field_text(j.value))
    FROM {{source}} AS r
    CROSS JOIN LATERAL json_each(r.fields) AS j
    JOIN fields AS f ON f.dataset_id = r.dataset_id AND f.name = j.key
    WHERE f.settings ->> 'type' IN {SEARCHABLE_TYPES} AND json_typeof(j.value) <> 'null'
"""


def _functions(has_unaccent: bool) -> list[str]:
    config = [
        f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {CONFIG} CASCADE",
        f"CREATE TEXT SEARCH CONFIGURATION {CONFIG} (COPY = pg_catalog.spanish)",
    ]
    if has_unaccent:
        config.append(
            f"ALTER TEXT SEARCH CONFIGURATION {CONFIG} "
            "ALTER MAPPING FOR hword, hword_part, word WITH unaccent, spanish_stem"
        )
    return [
        *config,
        f"""CREATE OR REPLACE FUNCTION annotate_search_fold(value text) RETURNS text
            LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
            AS $$ SELECT lower(translate(value, '{_ACCENTED}', '{_PLAIN}')) $$""",
        f"""CREATE OR REPLACE FUNCTION annotate_search_tsvector(value text) RETURNS tsvector
            LANGUAGE sql IMMUTABLE PARALLEL SAFE
            AS $$ SELECT to_tsvector('{CONFIG}'::regconfig, annotate_search_fold(coalesce(value, ''))) $$""",
        """CREATE OR REPLACE FUNCTION annotate_search_field_text(value json) RETURNS text
            LANGUAGE sql IMMUTABLE PARALLEL SAFE
            AS $$ SELECT CASE WHEN json_typeof(value) = 'string' THEN value #>> '{}'
                  ELSE (SELECT string_agg(leaf #>> '{}', ' ')
                        FROM jsonb_path_query(value::jsonb, 'strict $.** ? (@.type() == "string")') AS leaf)
                  END $$""",
    ]


def _triggers() -> list[str]:
    insert_rows = _FIELD_ROWS.format(source="new_records")
    update_rows = _FIELD_ROWS.format(source="(SELECT NEW.*)")
    return [
        *(f"DROP TRIGGER IF EXISTS {name} ON records" for name in TRIGGERS),
        f"""CREATE OR REPLACE FUNCTION annotate_search_records_insert() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO {TEXTS}(record_id, dataset_id, field, tsv) {insert_rows};
                RETURN NULL;
            END $$""",
        f"""CREATE OR REPLACE FUNCTION annotate_search_records_update() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                DELETE FROM {TEXTS} WHERE record_id = OLD.id;
                INSERT INTO {TEXTS}(record_id, dataset_id, field, tsv) {update_rows};
                RETURN NULL;
            END $$""",
        """CREATE TRIGGER annotate_search_records_ai AFTER INSERT ON records
            REFERENCING NEW TABLE AS new_records
            FOR EACH STATEMENT EXECUTE FUNCTION annotate_search_records_insert()""",
        """CREATE TRIGGER annotate_search_records_au AFTER UPDATE OF fields ON records
            FOR EACH ROW EXECUTE FUNCTION annotate_search_records_update()""",
    ]


def ddl(has_unaccent: bool) -> list[str]:
    """Statements that (re)create the index from scratch and fill it from `records`."""
    return [
        f"DROP TABLE IF EXISTS {TEXTS}",
        *_functions(has_unaccent),
        f"""CREATE TABLE {TEXTS} (
            record_id uuid NOT NULL REFERENCES records(id) ON DELETE CASCADE,
            dataset_id uuid NOT NULL,
            field text NOT NULL,
            tsv tsvector NOT NULL)""",
        *_triggers(),
        f"INSERT INTO {TEXTS}(record_id, dataset_id, field, tsv) {_FIELD_ROWS.format(source='records')}",
        f"CREATE INDEX {TEXTS}_record_id ON {TEXTS}(record_id)",
        f"CREATE INDEX {TSV_INDEX} ON {TEXTS} USING gin(tsv)",
        f"ANALYZE {TEXTS}",
    ]


def tsquery(term: Term, name: str) -> ColumnElement:
    """The tsquery of one leaf: PostgreSQL's own parser splits the raw word or phrase, as it
    split the documents; a prefix is built from the word's letter/digit tokens."""
    config = literal_column(f"'{CONFIG}'::regconfig")
    if term.prefix:
        words = " & ".join(term.tokens) + ":*"
        folded = func.annotate_search_fold(bindparam(name, words, type_=Text))
        return func.to_tsquery(config, folded, type_=TSQUERY)
    folded = func.annotate_search_fold(bindparam(name, term.raw, type_=Text))
    build = func.phraseto_tsquery if term.phrase else func.plainto_tsquery
    return build(config, folded, type_=TSQUERY)


def whole_expression(node: Node, names: Iterator[str]) -> ColumnElement:
    """The whole query as one tsquery (tsquery_and/or/not of the leaves); leaves that are only
    stop words drop out of it, so a query made only of stop words matches nothing."""
    if isinstance(node, Term):
        return tsquery(node, next(names))
    if isinstance(node, Not):
        return func.tsquery_not(whole_expression(node.node, names), type_=TSQUERY)
    combine = func.tsquery_and if isinstance(node, And) else func.tsquery_or
    result = whole_expression(node.nodes[0], names)
    for child in node.nodes[1:]:
        result = combine(result, whole_expression(child, names), type_=TSQUERY)
    return result


def hits(dataset_literal: str, expression: ColumnElement, field: str | None) -> FromClause:
    """Subquery (record_id, score) of the dataset's rows matching the tsquery `expression`; the
    caller guarantees one searchable row per record (one field, or `field` given)."""
    return _scored_rows(dataset_literal, expression, field, "text_hits", per_record=False)


def scores(dataset_literal: str, terms: list[Term], field: str | None) -> FromClause:
    """Subquery (record_id, score) for the dataset's records matching any of `terms`."""
    names = (f"score_{index}" for index in range(len(terms)))
    query = whole_expression(Or(tuple(terms)), names)
    return _scored_rows(dataset_literal, query, field, "text_scores", per_record=True)


def _once(query: ColumnElement) -> ColumnElement:
    """The tsquery as a scalar subquery: computed once per statement (an InitPlan). Inline, under the
    generic plan of a prepared statement (asyncpg), its parsing and stemming ran again for every
    matching row: at 100k records, 1,201 rows of "furosemida disnea", 5.3 of the query's 13.8 ms."""
    return select(query).scalar_subquery()


def _scored_rows(
    dataset_literal: str, query: ColumnElement, field: str | None, name: str, per_record: bool
) -> FromClause:
    """ts_rank of the matching rows, summed over the record's fields when `per_record`."""
    query = _once(query)
    rank = func.ts_rank(_texts.c.tsv, query)
    rows = select(
        _texts.c.record_id.label("record_id"), (func.sum(rank) if per_record else rank).label("score")
    ).where(_texts.c.dataset_id == literal_column(dataset_literal), _texts.c.tsv.op("@@")(query))
    if field is not None:
        rows = rows.where(_texts.c.field == bindparam(f"{name}_field", field, type_=Text))
    return (rows.group_by(_texts.c.record_id) if per_record else rows).subquery(name)


def _rows(dataset_literal: str, query: ColumnElement, field: str | None, name: str) -> Select:
    rows = select(_texts.c.record_id).where(
        _texts.c.dataset_id == literal_column(dataset_literal), _texts.c.tsv.op("@@")(_once(query))
    )
    if field is not None:
        rows = rows.where(_texts.c.field == bindparam(f"{name}_field", field, type_=Text))
    return rows


def leaf_condition(
    record_id: ColumnElement, dataset_literal: str, term: Term, field: str | None, name: str
) -> ColumnElement[bool]:
    """`records.id IN (rows matching the leaf)`, or true when the leaf is only stop words."""
    query = tsquery(term, name)
    return or_(func.numnode(query) == 0, record_id.in_(_rows(dataset_literal, query, field, name)))
