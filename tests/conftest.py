"""Shared fixtures. A test that needs a server gets one started here, on a free port, and stopped after.

`argilla_server` is a real local Argilla (argilla-server 2.8 + the SQL search engine + embedded Valkey +
job worker), parametrized over SQLite and PostgreSQL (127.0.0.1:5432, trust auth; a fresh database
per session, dropped after). PostgreSQL cases are skipped with the reason when no server answers.
Without argilla-server's virtualenv (`.venv-server`, made by `make setup`) every test that needs it is
skipped with that reason, except on CI (CI=true), where it fails.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from annotate.errors import ServeError
from annotate.local import processes
from annotate.local.serve import LocalArgilla, ServeOptions, server_python

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
NO_SERVER_VENV = "no .venv-server: run make setup"
PG = ["psql", "-h", "127.0.0.1", "-p", "5432", "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-q"]


def require_server_venv() -> str:
    """The server virtualenv's python; a test without one is skipped, or fails on CI (CI=true)."""
    try:
        return server_python()
    except ServeError as exc:
        if os.environ.get("CI", "").lower() in ("true", "1"):
            pytest.fail(f"{NO_SERVER_VENV} (CI=true: the server tests must run): {exc}", pytrace=False)
        pytest.skip(NO_SERVER_VENV)


@pytest.fixture(scope="session")
def server_venv() -> str:
    """For tests that start `annotate serve` themselves: skips them (fails on CI) without .venv-server."""
    return require_server_venv()


def _psql(database: str, sql: str) -> subprocess.CompletedProcess:
    return subprocess.run([*PG, "-d", database, "-c", sql], capture_output=True, text=True, timeout=60)


def postgres_available() -> str | None:
    """None when PostgreSQL answers at 127.0.0.1:5432, else why not."""
    if shutil.which("psql") is None:
        return "psql is not installed"
    try:
        result = _psql("test", "select 1")
    except subprocess.TimeoutExpired:
        return "PostgreSQL at 127.0.0.1:5432 did not answer"
    return None if result.returncode == 0 else f"PostgreSQL at 127.0.0.1:5432: {result.stderr.strip()}"


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    name = f"annotate_test_{uuid.uuid4().hex[:10]}"
    created = _psql("test", f"CREATE DATABASE {name}")
    assert created.returncode == 0, created.stderr
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        _psql("test", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@dataclass
class RunningArgilla:
    """What a test gets: the URL and owner key of a real local Argilla, and a way to restart it."""

    argilla: LocalArgilla
    database: str  # "sqlite" | "postgres"

    @property
    def url(self) -> str:
        return self.argilla.url

    @property
    def api_key(self) -> str:
        return self.argilla.api_key

    @property
    def home(self) -> Path:
        return self.argilla.home

    @property
    def database_url(self) -> str:
        return self.argilla.database_url

    def restart(self) -> None:
        self.argilla.stop()
        self.argilla = LocalArgilla(self.argilla.options)
        self.argilla.start()

    def child(self, name: str) -> processes.Child:
        return next(child for child in self.argilla.children if child.name == name)


@contextlib.contextmanager
def running_argilla(home: Path, database: str) -> Iterator[RunningArgilla]:
    require_server_venv()
    with contextlib.ExitStack() as stack:
        database_url = None
        if database == "postgres":
            if (why := postgres_available()) is not None:
                pytest.skip(why)
            database_url = stack.enter_context(postgres_database())
        options = ServeOptions(home=home, port=processes.free_port(), database_url=database_url)
        running = RunningArgilla(LocalArgilla(options), database)
        running.argilla.start()
        stack.callback(lambda: running.argilla.stop())
        yield running


@pytest.fixture(scope="session", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def argilla_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningArgilla]:
    home = tmp_path_factory.mktemp(f"argilla-{request.param}")
    with running_argilla(home, request.param) as running:
        yield running


@pytest.fixture(scope="session")
def sqlite_argilla(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningArgilla]:
    """One SQLite-backed server for tests that do not need to run on both databases."""
    with running_argilla(tmp_path_factory.mktemp("argilla-sqlite-only"), "sqlite") as running:
        yield running


@pytest.fixture(scope="module")
def sqlite_client(sqlite_argilla: RunningArgilla):
    """The workspace's SDK client of `sqlite_argilla`, through the SDK's env vars as a user sets them."""
    os.environ["ARGILLA_API_URL"], os.environ["ARGILLA_API_KEY"] = sqlite_argilla.url, sqlite_argilla.api_key
    from annotate.argilla.client import connect

    return connect()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def llm_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`SOMOSNLP_CACHE` for the tests that tune or load the offline LLM: SmolLM2-135M-Instruct is
    converted from its GGUF once per test session, into this folder, and reused by every such test."""
    return tmp_path_factory.getbasetemp() / "somosnlp-cache"
