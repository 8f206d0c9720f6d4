"""The SQL dialect in use: which JSON and full-text modules to call.

SQL that differs between SQLite and PostgreSQL lives only in `dialect_sqlite.py` /
`dialect_postgres.py` (JSON values, literals, planner hints) and `text_sqlite.py` /
`text_postgres.py` (full-text index and matching); everything else is dialect-neutral
SQLAlchemy.
"""

from __future__ import annotations

import dataclasses
from types import ModuleType

from . import dialect_postgres, dialect_sqlite, text_postgres, text_sqlite


@dataclasses.dataclass(frozen=True)
class Dialect:
    name: str
    sql: ModuleType
    text: ModuleType


SQLITE = Dialect("sqlite", dialect_sqlite, text_sqlite)
POSTGRESQL = Dialect("postgresql", dialect_postgres, text_postgres)


def dialect_named(name: str) -> Dialect:
    """The Dialect for SQLAlchemy's dialect name ("sqlite" or "postgresql")."""
    if name == SQLITE.name:
        return SQLITE
    if name == POSTGRESQL.name:
        return POSTGRESQL
    raise ValueError(f"The sql search engine supports SQLite and PostgreSQL databases, not {name!r}")
