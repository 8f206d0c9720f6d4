"""Argilla's search engine backed by Argilla's own database (SQLite or PostgreSQL).

BOUNDARY: this package runs inside the argilla-server virtualenv. It imports only
`argilla_server`, `sqlalchemy`, `numpy` and the standard library, never anything else from
`annotate` or the workspace (and the workspace never imports it).

Importing it registers the engine as "sql" with `SearchEngine.register`; select it with
ARGILLA_SEARCH_ENGINE=sql, in the server and in the RQ worker, before argilla_server's app
is imported. It behaves like Argilla's Elasticsearch engine (text queries, filters, sorts,
totals, metrics, progress, vector similarity) with the database as the index: no second
copy of the records, nothing to rebuild after a crash. Modules:

    engine.py          the SearchEngine subclass (thin: opens sessions, delegates)
    sessions.py        the engine's own connection pool (never a second one of Argilla's)
    records_query.py   one page of matching records: order, pagination, total
    plan.py            which index drives a query; facts about metadata values
    context.py         what a search needs to know about its dataset
    filters.py         filters as SQL conditions        sorting.py   sorts as ORDER BY
    text_search.py     text query -> SQL on the full-text index
    query_syntax.py    simple_query_string parser
    text_sqlite.py / text_postgres.py   the full-text index of each dialect (triggers)
    dialect_sqlite.py / dialect_postgres.py   JSON access, literals, planner hints
    dialect.py         picks the pair of modules for the database in use
    metrics.py         progress and metadata metrics     vectors.py   k-NN + vector cache
    vector_store.py    the vector cache's file, so a restart needs no rebuild
    queue.py           the annotation queue's order (and its head, read page by page)
    memo.py            exact totals and metadata probes remembered until the dataset changes
    schema.py          idempotent creation of the index, triggers and extra indexes

`ensure_schema(argilla_server.database.sync_engine)` runs that set-up eagerly (the first
engine instance of a process does it anyway).
"""

from .engine import ENGINE_NAME, SQLSearchEngine
from .schema import ensure_now as ensure_schema

__all__ = ["ENGINE_NAME", "SQLSearchEngine", "ensure_schema"]
