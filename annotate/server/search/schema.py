"""The database objects the engine adds to Argilla's database, created idempotently.

Checked once per process (first engine instance) in one exclusive transaction (SQLite:
BEGIN IMMEDIATE; PostgreSQL: an advisory transaction lock), so a server and a worker that
start together do not race:

- the full-text index of `text_sqlite.py` / `text_postgres.py`. It is rebuilt from
  `records` (one-time backfill) when it is missing, when one of its triggers is missing
  (e.g. a migration recreated `records`), or when SCHEMA_VERSION changes; otherwise left
  alone, since its triggers keep it exact.
- the table of each dataset's write generation (`memo.py`: what searches remember is kept until it moves);
- extra indexes (names start with annotate_search_):
    records(dataset_id, status, id)    pending queue: filter + per-user order, count
    records(dataset_id, id)            per-user order over all statuses
    records(dataset_id, inserted_at, id)  insertion order
    vectors(vector_settings_id, updated_at, record_id)  vector cache validation
    responses(user_id, status, record_id)  a user's responses by status (filters, progress)
    responses(record_id, status)       submitted answers per record (the annotation queue)
  and, per published dataset and metadata property, a partial expression index
  (annotate_search_md_<hash>) on (value, inserted_at, id) WHERE dataset_id = <that
  dataset>, used by metadata filters, sorts and metrics (on PostgreSQL >= 14 with extended
  statistics on the value, annotate_search_st_<hash>). Those of deleted properties or
  datasets are dropped here too; new ones are created by the engine's
  configure_metadata_property and create_index, and dropped by delete_index.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from uuid import UUID

from argilla_server.enums import DatasetStatus, MetadataPropertyType
from argilla_server.models import Dataset, MetadataProperty
from sqlalchemy import Connection, Engine, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from . import memo
from .dialect import Dialect, dialect_named

SCHEMA_VERSION = "2"
METADATA_INDEX_LAYOUT = 3
META_TABLE = "annotate_search_meta"
METADATA_INDEX_PREFIX = "annotate_search_md_"
STATISTICS_PREFIX = "annotate_search_st_"
EXTRA_INDEXES = {
    "annotate_search_records_dataset_status_id": "records(dataset_id, status, id)",
    "annotate_search_records_dataset_id": "records(dataset_id, id)",
    "annotate_search_records_dataset_inserted": "records(dataset_id, inserted_at, id)",
    "annotate_search_vectors_settings_updated": "vectors(vector_settings_id, updated_at, record_id)",
    "annotate_search_responses_user_status": "responses(user_id, status, record_id)",
    "annotate_search_responses_record_status": "responses(record_id, status)",
}
_LOGGER = logging.getLogger(__name__)
_ensured: set[str] = set()
_known_indexes: set[str] = set()
_expression_statistics = False  # PostgreSQL >= 14 (CREATE STATISTICS on an expression); set by ensure_now
_lock = asyncio.Lock()


async def ensure(sync_engine: Engine) -> None:
    """Create or repair the engine's database objects, once per process and database."""
    key = str(sync_engine.url)
    if key in _ensured:
        return
    async with _lock:
        if key not in _ensured:
            await asyncio.to_thread(ensure_now, sync_engine)
            _ensured.add(key)


def ensure_now(sync_engine: Engine) -> None:
    """The same, synchronously and unconditionally (for launchers and tests)."""
    global _expression_statistics
    dialect = dialect_named(sync_engine.dialect.name)
    with sync_engine.connect() as conn:
        _lock_schema(conn, dialect)
        if dialect.name == "postgresql":
            _expression_statistics = int(conn.exec_driver_sql("SHOW server_version_num").scalar()) >= 140000
        conn.exec_driver_sql(
            f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key VARCHAR PRIMARY KEY, value VARCHAR)"
        )
        conn.exec_driver_sql(memo.CREATE_TABLE)
        if _stored_version(conn) != SCHEMA_VERSION or not _text_index_intact(conn, dialect):
            _LOGGER.info("Building the full-text index of the sql search engine (one-time backfill)")
            for statement in _text_ddl(conn, dialect):
                conn.exec_driver_sql(statement)
            _store_version(conn)
        for name, target in EXTRA_INDEXES.items():
            conn.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")
        _sync_metadata_indexes(conn, dialect)
        conn.commit()


def _lock_schema(conn: Connection, dialect: Dialect) -> None:
    if dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('annotate_search_schema'))"))


def _stored_version(conn: Connection) -> str | None:
    return conn.execute(text(f"SELECT value FROM {META_TABLE} WHERE key = 'version'")).scalar()


def _store_version(conn: Connection) -> None:
    conn.execute(text(f"DELETE FROM {META_TABLE} WHERE key = 'version'"))
    conn.execute(text(f"INSERT INTO {META_TABLE} (key, value) VALUES ('version', :v)"), {"v": SCHEMA_VERSION})


def _text_index_intact(conn: Connection, dialect: Dialect) -> bool:
    if dialect.name == "sqlite":
        names = dialect.text.expected_objects()
        found = conn.execute(text("SELECT name FROM sqlite_master")).scalars()
        return names <= set(found)
    tables = conn.execute(text(f"SELECT to_regclass('{dialect.text.TEXTS}') IS NOT NULL")).scalar()
    triggers = conn.execute(
        text("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'records'::regclass AND tgname = ANY(:names)"),
        {"names": list(dialect.text.TRIGGERS)},
    ).scalar()
    config = conn.execute(
        text("SELECT count(*) FROM pg_ts_config WHERE cfgname = :n"), {"n": dialect.text.CONFIG}
    )
    return bool(tables) and triggers == len(dialect.text.TRIGGERS) and config.scalar() == 1


def _text_ddl(conn: Connection, dialect: Dialect) -> list[str]:
    if dialect.name == "sqlite":
        return dialect.text.ddl()
    return dialect.text.ddl(has_unaccent=_try_unaccent(conn))


def _try_unaccent(conn: Connection) -> bool:
    """Create the unaccent extension if allowed; accents are folded by translate() anyway."""
    savepoint = conn.begin_nested()
    try:
        conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS unaccent")
        savepoint.commit()
    except Exception as error:  # no privilege, or the extension is not installed
        savepoint.rollback()
        _LOGGER.warning("unaccent extension unavailable (%s); using translate() accent folding", error)
    return bool(conn.execute(text("SELECT count(*) FROM pg_extension WHERE extname = 'unaccent'")).scalar())


def metadata_index_name(dataset_id: UUID, name: str, numeric: bool) -> str:
    """The index of one property's values in one dataset (the digest covers the layout too)."""
    key = f"{METADATA_INDEX_LAYOUT}/{dataset_id}/{name}/{numeric}"
    return METADATA_INDEX_PREFIX + hashlib.sha1(key.encode()).hexdigest()[:24]


def metadata_index_ddl(
    dialect: Dialect, dataset_id: UUID, name: str, type: MetadataPropertyType
) -> list[str]:
    """(value, inserted_at, id) WHERE dataset_id = <dataset>: filters, sorts (with insertion
    order for ties) and min/max/terms metrics read it without touching the records. On
    PostgreSQL also extended statistics on the value (the planner ignores a partial index's
    statistics, and without them misjudges every metadata filter)."""
    numeric = type != MetadataPropertyType.terms
    expression = dialect.sql.metadata_sql(name, numeric, table="")
    index = metadata_index_name(dataset_id, name, numeric)
    where = f"dataset_id = {dialect.sql.uuid_literal(dataset_id)}"
    statements = [
        f"CREATE INDEX IF NOT EXISTS {index} ON records (({expression}), inserted_at, id) WHERE {where}"
    ]
    if dialect.name == "postgresql" and _expression_statistics:
        statistics = index.replace(METADATA_INDEX_PREFIX, STATISTICS_PREFIX)
        statements.append(f"CREATE STATISTICS IF NOT EXISTS {statistics} ON ({expression}) FROM records")
    return statements


async def index_exists(db: AsyncSession, dialect: Dialect, name: str) -> bool:
    """Whether `name` exists (remembered per process once seen: indexes are not dropped
    while their property exists)."""
    if name in _known_indexes:
        return True
    if dialect.name == "sqlite":
        sql = "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = :n"
    else:
        sql = "SELECT count(*) FROM pg_indexes WHERE indexname = :n"
    found = bool(await db.scalar(text(sql), {"n": name}))
    if found:
        _known_indexes.add(name)
    return found


def _sync_metadata_indexes(conn: Connection, dialect: Dialect) -> None:
    rows = conn.execute(
        select(MetadataProperty.dataset_id, MetadataProperty.name, MetadataProperty.settings)
        .join(Dataset, Dataset.id == MetadataProperty.dataset_id)
        .where(Dataset.status == DatasetStatus.ready)
    )
    wanted = {}
    for dataset_id, name, settings in rows:
        type = MetadataPropertyType(settings["type"])
        numeric = type != MetadataPropertyType.terms
        wanted[metadata_index_name(dataset_id, name, numeric)] = metadata_index_ddl(
            dialect, dataset_id, name, type
        )
    existing = set(_existing_metadata_indexes(conn, dialect))
    for index in existing - wanted.keys():
        for statement in _drop_statements(dialect, index):
            conn.exec_driver_sql(statement)
    for index in wanted.keys() - existing:
        for statement in wanted[index]:
            conn.exec_driver_sql(statement)
    if dialect.name == "postgresql" and wanted.keys() - existing:
        conn.exec_driver_sql("ANALYZE records")


def _drop_statements(dialect: Dialect, index: str) -> list[str]:
    """DROP a metadata index (and its statistics on PostgreSQL); forget it was seen."""
    _known_indexes.discard(index)
    statements = [f"DROP INDEX IF EXISTS {index}"]
    if dialect.name == "postgresql":
        statements.append(
            f"DROP STATISTICS IF EXISTS {index.replace(METADATA_INDEX_PREFIX, STATISTICS_PREFIX)}"
        )
    return statements


async def drop_dataset_indexes(db: AsyncSession, dialect: Dialect, dataset_id: UUID) -> None:
    """Drop the metadata indexes of a dataset (its properties are already gone: they are found
    by the dataset literal in their definition)."""
    if dialect.name == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE :p AND sql LIKE :d"
    else:
        sql = "SELECT indexname FROM pg_indexes WHERE indexname LIKE :p AND indexdef LIKE :d"
    literal = dialect.sql.uuid_literal(dataset_id).split("'")[1]
    names = (await db.scalars(text(sql), {"p": METADATA_INDEX_PREFIX + "%", "d": f"%{literal}%"})).all()
    for name in names:
        for statement in _drop_statements(dialect, name):
            await db.execute(text(statement))


def _existing_metadata_indexes(conn: Connection, dialect: Dialect) -> list[str]:
    pattern = METADATA_INDEX_PREFIX.replace("_", "\\_") + "%"
    if dialect.name == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE :p ESCAPE '\\'"
    else:
        sql = "SELECT indexname FROM pg_indexes WHERE tablename = 'records' AND indexname LIKE :p ESCAPE '\\'"
    return list(conn.execute(text(sql), {"p": pattern}).scalars())
