"""Entry points that `python -m annotate serve` runs inside the argilla-server virtualenv.

    .venv-server/bin/python -m annotate.server.launch prepare --credentials DIR/credentials.json
    .venv-server/bin/python -m annotate.server.launch server --host 127.0.0.1 --port 6900
    .venv-server/bin/python -m annotate.server.launch worker --workers 1

The caller sets ARGILLA_HOME_PATH, ARGILLA_DATABASE_URL, ARGILLA_REDIS_URL, ARGILLA_SEARCH_ENGINE=sql
and TMPDIR; `connections.configure` adds the pool sizes and SQLite busy timeout of each process
(environment defaults, so the caller's ARGILLA_* values win). The SQL engine is registered (by
importing `annotate.server.search`) before anything reads Argilla's settings or builds its app, in the
server and in the RQ worker alike: the worker's jobs index records too. Standard library +
argilla_server only (see `annotate.server`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path

DEFAULT_USERNAME, DEFAULT_PASSWORD, DEFAULT_API_KEY = "argilla", "1234", "argilla.apikey"
KEEP_ALIVE_S = 75  # as common proxies do (nginx: 75 s)


def _register_engine() -> None:
    """Register our engines before argilla_server reads ARGILLA_SEARCH_ENGINE (default here: sql)."""
    engine = os.environ.setdefault("ARGILLA_SEARCH_ENGINE", "sql")
    if engine == "sql":
        import annotate.server.search  # noqa: F401  (registers "sql")
    elif engine == "noop":
        import annotate.server.noop_engine  # noqa: F401  (registers "noop", for bench/search.py only)
    elif engine == "floor":
        import annotate.server.floor_engine  # noqa: F401  (registers "floor", for bench/search.py only)
    if os.environ.get("ANNOTATE_SERVER_SPEEDUPS", "1") == "1":
        from annotate.server import speedups

        speedups.apply()


def migrate() -> None:
    from alembic.config import main as alembic_main
    from argilla_server.database import ALEMBIC_CONFIG_FILE

    alembic_main(argv=["-c", ALEMBIC_CONFIG_FILE, "upgrade", "head"])
    _sqlite_wal()
    asyncio.run(_ping_engine())


def _sqlite_wal() -> None:
    """SQLite in WAL mode (kept in the file): the UI's searches no longer wait behind the worker's writes."""
    from argilla_server.database import sync_engine
    from argilla_server.settings import settings

    if settings.database_is_sqlite:
        with sync_engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA journal_mode=WAL")


async def _ping_engine() -> None:
    """Open the configured engine once, alone, so that its idempotent set-up (full-text tables, triggers,
    indexes) runs here, before the server and the worker start and could race on it."""
    from argilla_server.search_engine import SearchEngine
    from argilla_server.settings import settings

    async with SearchEngine.get_by_name(settings.search_engine) as engine:
        if not await engine.ping():
            raise SystemExit(f"search engine {settings.search_engine!r} does not answer")


async def _ensure_owner(username: str, password: str, api_key: str) -> str:
    from argilla_server.contexts import accounts
    from argilla_server.database import AsyncSessionLocal
    from argilla_server.models import User, UserRole

    async with AsyncSessionLocal() as db:
        default = await accounts.get_user_by_username(db, DEFAULT_USERNAME)
        if default is not None and (
            default.api_key == DEFAULT_API_KEY
            or accounts.verify_password(DEFAULT_PASSWORD, default.password_hash)
        ):
            await db.delete(default)  # Argilla's well-known default account must never exist
        user = await accounts.get_user_by_username(db, username)
        if user is None:
            await User.create(
                db,
                username=username,
                first_name=username,
                role=UserRole.owner,
                password_hash=accounts.hash_password(password),
                api_key=api_key,
                autocommit=False,
            )
            action = "created"
        elif user.api_key != api_key or not accounts.verify_password(password, user.password_hash):
            user.api_key, user.password_hash = api_key, accounts.hash_password(password)
            user.role = UserRole.owner
            action = "updated"
        else:
            action = "kept"
        await db.commit()
        return action


def prepare(credentials: Path) -> None:
    """Migrate the database, set up the engine, and create/update the owner (one process: one import)."""
    migrate()
    creds = json.loads(credentials.read_text(encoding="utf-8"))
    action = asyncio.run(_ensure_owner(creds["username"], creds["password"], creds["api_key"]))
    print(f"owner {creds['username']!r} {action}")


def server(host: str, port: int) -> None:
    import gc

    import uvicorn
    from argilla_server import app

    # Everything imported so far lives as long as the process: out of the collector's sight, a full
    # collection no longer walks it: its pauses, felt by the request they fall in, went from 115-151 ms
    # to 11-13 ms (bench/search.py's queries at 10k records).
    gc.collect()
    gc.freeze()
    # Keep idle connections longer than an annotator reads a record (uvicorn's default is 5 s): a
    # browser that sends its answer on a connection the server is closing gets a reset, not a reply.
    uvicorn.run(
        app,
        host=host,
        port=port,
        access_log=False,
        log_level="warning",
        timeout_keep_alive=KEEP_ALIVE_S,
    )


def worker(workers: int) -> None:
    from argilla_server.jobs.queues import DEFAULT_QUEUE, HIGH_QUEUE, REDIS_CONNECTION
    from rq.worker_pool import WorkerPool

    WorkerPool(
        connection=REDIS_CONNECTION, queues=[DEFAULT_QUEUE.name, HIGH_QUEUE.name], num_workers=workers
    ).start()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m annotate.server.launch", description=__doc__.split("\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_prepare = sub.add_parser("prepare", help="migrate, set up the search engine, create/update the owner")
    p_prepare.add_argument("--credentials", type=Path, required=True)
    p_server = sub.add_parser("server", help="run the Argilla server (API + UI)")
    p_server.add_argument("--host", default="127.0.0.1")
    p_server.add_argument("--port", type=int, default=6900)
    p_worker = sub.add_parser("worker", help="run Argilla's RQ job worker pool")
    p_worker.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)

    from annotate.server import connections

    connections.configure(args.command)  # before argilla_server reads its settings
    _register_engine()
    if args.command == "prepare":
        prepare(args.credentials)
    elif args.command == "server":
        server(args.host, args.port)
    else:
        worker(args.workers)


if __name__ == "__main__":
    sys.exit(main())
