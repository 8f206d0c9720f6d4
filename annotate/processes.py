"""Child processes that `annotate serve` owns: start, pid files, health waits, stop.

Every child runs in its own session (process group), dies with its parent (PR_SET_PDEATHSIG on Linux),
and leaves a pid file so that a launcher killed with -9 can find and stop stale children next time.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from annotate.errors import ServeError


def _die_with_parent() -> None:  # runs in the child between fork and exec
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class Child:
    """A started child process, its log and its pid file."""

    name: str
    process: subprocess.Popen
    log: Path
    pid_file: Path

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(text[-lines:])

    def died(self, what: str) -> ServeError:
        return ServeError(
            f"{self.name} {what} (exit code {self.process.returncode}); see {self.log}:\n{self.log_tail()}"
        )

    def stop(self, timeout: float = 15) -> None:
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.pid_file.unlink(missing_ok=True)


def start_child(name: str, argv: list[str], env: dict[str, str], run_dir: Path) -> Child:
    """Start `argv` in its own process group, output to `run_dir/logs/<name>.log`."""
    (run_dir / "logs").mkdir(parents=True, exist_ok=True)
    (run_dir / "pids").mkdir(parents=True, exist_ok=True)
    log = run_dir / "logs" / f"{name}.log"
    with log.open("ab") as out:
        process = subprocess.Popen(
            argv,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
    pid_file = run_dir / "pids" / f"{name}.pid"
    pid_file.write_text(f"{process.pid}\n{' '.join(argv)}\n", encoding="utf-8")
    return Child(name, process, log, pid_file)


def stop_stale(run_dir: Path) -> list[str]:
    """Stop children left by a launcher that was killed (-9) or crashed; return what was stopped."""
    stopped = []
    for pid_file in sorted((run_dir / "pids").glob("*.pid")):
        pid_text, _, command = pid_file.read_text(encoding="utf-8").partition("\n")
        pid = int(pid_text or 0)
        if pid and _cmdline(pid).startswith(command.strip()[:200]) and command.strip():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGTERM)
                _wait_gone(pid, 10) or os.killpg(pid, signal.SIGKILL)
            stopped.append(f"{pid_file.stem} (pid {pid})")
        pid_file.unlink(missing_ok=True)
    return stopped


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not Path(f"/proc/{pid}").exists():
            return True
        time.sleep(0.1)
    return False


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def check_port_free(host: str, port: int, flag: str = "--port") -> None:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds: TIME_WAIT is not busy
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise ServeError(
                f"port {port} on {host} is busy ({exc.strerror}); stop what uses it or pass {flag} N"
            ) from None


def wait_until(check: Callable[[], bool], child: Child, what: str, timeout: float) -> None:
    """Poll `check` until true; a dead child or the timeout ends it with the child's log tail."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not child.alive():
            raise child.died(f"exited before it was {what}")
        with contextlib.suppress(Exception):
            if check():
                return
        time.sleep(0.25)
    raise ServeError(
        f"{child.name} was not {what} after {timeout:.0f} s; see {child.log}:\n{child.log_tail()}"
    )


def http_ok(url: str, headers: dict[str, str] | None = None, timeout: float = 2) -> bool:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError):
        return False


def redis_command(redis_url: str, *command: str, timeout: float = 2) -> str:
    """Send one command (after AUTH/SELECT from the URL) and return a simple/integer reply as text."""
    url = urlparse(redis_url)
    prelude = []
    if url.password:
        prelude.append(["AUTH", *([unquote(url.username)] if url.username else []), unquote(url.password)])
    if url.path.strip("/"):
        prelude.append(["SELECT", url.path.strip("/")])
    with socket.create_connection((url.hostname or "127.0.0.1", url.port or 6379), timeout=timeout) as sock:
        reader = sock.makefile("rb")
        for cmd in [*prelude, list(command)]:
            sock.sendall(
                b"".join([f"*{len(cmd)}\r\n".encode()] + [f"${len(a)}\r\n{a}\r\n".encode() for a in cmd])
            )
            reply = reader.readline().decode().rstrip("\r\n")
            if reply.startswith("-"):
                raise OSError(f"Redis said {reply[1:]}")
    return reply[1:]
