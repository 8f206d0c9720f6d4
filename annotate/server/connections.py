"""How many database connections each server process may hold, and how long a SQLite write waits.

Applied by `launch` before anything imports `argilla_server.settings` (which reads the environment
once, at import): each value is an environment default, so ARGILLA_* variables set by the caller win.

- SQLite: a write that finds the database locked waits up to ARGILLA_DATABASE_SQLITE_TIMEOUT seconds
  (sqlite3's busy timeout, default here 60 s instead of Argilla's 5) instead of failing with
  `database is locked`; with WAL (set by `launch.prepare`) readers never wait for it.
- Argilla passes no pool settings for SQLite, so SQLAlchemy's default (5 + 10 overflow) applied: a
  burst of 32 searches queued behind 15 connections. Here the same ARGILLA_DATABASE_POSTGRESQL_POOL_SIZE
  and _MAX_OVERFLOW size the SQLite pool too.
- The search engine has a pool of its own (`annotate.server.search.sessions`, ANNOTATE_SEARCH_POOL_SIZE
  and _OVERFLOW): a request holding one of Argilla's connections never waits for a second one from
  the same pool, so no burst can deadlock it.

Sizes per process (server | each RQ worker or launcher): requests 20 + 10 | 2 + 3, search engine
10 + 10 | none (one connection per engine call, closed after). With one server and W workers at
most 50 + 5 W PostgreSQL connections are open, inside PostgreSQL's default max_connections (100)
for up to 8 workers; they are opened on demand, so an idle server holds a few.
"""

from __future__ import annotations

import os

SQLITE_BUSY_TIMEOUT_S = 60
#: role -> (request pool size, overflow, search engine pool size, overflow); 0 engine pool = no pool
POOLS = {"server": (20, 10, 10, 10), "worker": (2, 3, 0, 0), "prepare": (2, 3, 0, 0)}


def configure(role: str) -> None:
    """Set the connection defaults of a `role` process (server | worker | prepare)."""
    requests, overflow, engine, engine_overflow = POOLS[role]
    for name, value in (
        ("ARGILLA_DATABASE_SQLITE_TIMEOUT", SQLITE_BUSY_TIMEOUT_S),
        ("ARGILLA_DATABASE_POSTGRESQL_POOL_SIZE", requests),
        ("ARGILLA_DATABASE_POSTGRESQL_MAX_OVERFLOW", overflow),
        ("ANNOTATE_SEARCH_POOL_SIZE", engine),
        ("ANNOTATE_SEARCH_POOL_OVERFLOW", engine_overflow),
    ):
        os.environ.setdefault(name, str(value))
    if role == "server":  # the one long-lived event loop: the engine's background tasks run there
        os.environ.setdefault("ANNOTATE_BACKGROUND_TASKS", "1")
    _pool_sqlite_too()


def _pool_sqlite_too() -> None:
    """Argilla's engine arguments, with the configured pool size for SQLite as for PostgreSQL."""
    from argilla_server.settings import Settings

    argilla_args = Settings.database_engine_args
    if getattr(argilla_args.fget, "_annotate", False):
        return

    def database_engine_args(self: Settings) -> dict:
        args = dict(argilla_args.fget(self))
        if self.database_is_sqlite:
            args.update(
                pool_size=self.database_postgresql_pool_size,
                max_overflow=self.database_postgresql_max_overflow,
            )
        return args

    patched = property(database_engine_args)
    patched.fget._annotate = True  # type: ignore[attr-defined]
    Settings.database_engine_args = patched
