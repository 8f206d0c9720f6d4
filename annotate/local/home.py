"""The home of a local Argilla (`annotate serve --home`): who may read it, who serves it, its secrets.

    home = prepare_home(Path(".argilla"))       # a folder, 0700, database and Valkey files 0600
    lock = HomeLock.acquire(home)               # refuses while another serve holds it
    creds = Credentials.load_or_create(home / "credentials.json")

The lock is an `fcntl.flock` on `HOME/serve.lock`, held by the launcher for its whole life: the kernel
drops it when the launcher dies, even with kill -9, so a crash never leaves a stale lock behind, and
children (which do not inherit the descriptor) never hold it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import stat
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from annotate.errors import CredentialsError, HomeInUseError, ServeHomeError

OWNER = "owner"
PRIVATE_DIR, PRIVATE_FILE = 0o700, 0o600
DATABASE_FILES = ("argilla.db", "argilla.db-wal", "argilla.db-shm", "argilla.db-journal")
REDIS_DIR = "redis"


def prepare_home(home: Path) -> Path:
    """Create `home` if needed and lock it down; one-line errors when it is a file or not writable."""
    if home.exists() and not home.is_dir():
        raise ServeHomeError(
            f"--home {home} is a file, not a folder; pass a folder (it is created if missing)"
        )
    try:
        home.mkdir(parents=True, exist_ok=True)
        lock_down(home)
        probe = home / f".write-test-{os.getpid()}"
        probe.touch()
        probe.unlink()
    except OSError as exc:
        raise ServeHomeError(
            f"cannot write in --home {home} ({exc.strerror or exc}); "
            "fix its permissions or pass another --home"
        ) from None
    return home


def lock_down(home: Path) -> None:
    """HOME 0700; the SQLite files and the Valkey folder (0700) and its files (0600), as found."""
    home.chmod(PRIVATE_DIR)
    for name in DATABASE_FILES:
        with contextlib.suppress(FileNotFoundError):
            (home / name).chmod(PRIVATE_FILE)
    redis = home / REDIS_DIR
    if redis.is_dir():
        redis.chmod(PRIVATE_DIR)
        for path in redis.rglob("*"):
            path.chmod(PRIVATE_DIR if path.is_dir() else PRIVATE_FILE)


@dataclass
class HomeLock:
    """An exclusive lock on HOME/serve.lock; the file says who holds it (pid, since when)."""

    path: Path
    fd: int

    @classmethod
    def acquire(cls, home: Path) -> HomeLock:
        path = home / "serve.lock"
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, PRIVATE_FILE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode(errors="replace").split("\n")
            os.close(fd)
            pid, since = (holder + ["?", "?"])[:2]
            raise HomeInUseError(
                f"{home} is served by pid {pid or '?'} (since {since or '?'}); "
                "stop it first or pass another --home"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n{time.strftime('%Y-%m-%d %H:%M:%S')}\n".encode(), 0)
        return cls(path, fd)

    def release(self) -> None:
        if self.fd >= 0:
            with contextlib.suppress(OSError):
                os.ftruncate(self.fd, 0)
            os.close(self.fd)  # closing the descriptor drops the flock
            self.fd = -1


@dataclass(frozen=True)
class Credentials:
    """The owner's login and API key, and the embedded Valkey's password; 0600, reused on restart."""

    username: str
    password: str
    api_key: str
    redis_password: str

    @classmethod
    def load_or_create(cls, path: Path) -> Credentials:
        if not path.exists():
            creds = cls(
                OWNER, secrets.token_urlsafe(12), f"argilla.{secrets.token_urlsafe(32)}", _redis_password()
            )
            creds.save(path)
            return creds
        creds = cls._load(path)
        if stat.S_IMODE(path.stat().st_mode) != PRIVATE_FILE:
            path.chmod(PRIVATE_FILE)
        return creds

    @classmethod
    def _load(cls, path: Path) -> Credentials:
        """Read a credentials file; one written before Valkey had a password gets one added."""
        fix = "fix it or delete it (deleting it makes a new owner password and API key at the next start)"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise CredentialsError(f"{path} is not readable JSON ({_reason(exc)}); {fix}") from None
        if not isinstance(data, dict):
            raise CredentialsError(f"{path} holds {type(data).__name__}, not a JSON object; {fix}")
        missing = [key for key in ("username", "password", "api_key") if not isinstance(data.get(key), str)]
        if missing:
            raise CredentialsError(f"{path} has no text {', '.join(missing)}; {fix}")
        if isinstance(data.get("redis_password"), str) and data["redis_password"]:
            return cls(data["username"], data["password"], data["api_key"], data["redis_password"])
        creds = cls(data["username"], data["password"], data["api_key"], _redis_password())
        creds.save(path)
        return creds

    def save(self, path: Path) -> None:
        """Write 0600 from the first byte: a temporary name in the same folder, then rename."""
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(asdict(self), out)
            out.flush()
            os.fsync(out.fileno())
        tmp.replace(path)


def _redis_password() -> str:
    return secrets.token_hex(32)  # hex: nothing to escape in a redis:// URL


def _reason(exc: BaseException) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    return getattr(exc, "strerror", None) or str(exc)
