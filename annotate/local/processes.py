"""Child processes that `annotate serve` owns: start, pid files, health waits, stop.

Every child runs in its own session (process group) with umask 077, dies with its parent
(PR_SET_PDEATHSIG on Linux), and leaves a pid file (`PID START_TICKS` then its argv) so that a launcher
killed with -9 can find and stop stale children next time. A child is recognised by its pid and its start
time in /proc, not by its command line: valkey-server rewrites its own process title.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
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

    def died(self, what: str) -> ServeError:
        return ServeError(
            f"{self.name} {what} (exit code {self.process.returncode}): {reason_in_log(self.log)}; "
            f"see {self.log}"
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
            umask=0o077,  # its database, AOF and temporary files are readable by this user only
        )
    pid_file = run_dir / "pids" / f"{name}.pid"
    tmp = pid_file.with_suffix(".tmp")
    tmp.write_text(f"{process.pid} {_start_ticks(process.pid)}\n{' '.join(argv)}\n", encoding="utf-8")
    tmp.replace(pid_file)
    return Child(name, process, log, pid_file)


def stop_stale(run_dir: Path) -> list[str]:
    """Stop children left by a launcher that was killed (-9) or crashed; return what was stopped.

    Only the caller that holds the home's lock may call this: a running launcher's children also have
    pid files here."""
    stopped = []
    for pid_file in sorted((run_dir / "pids").glob("*.pid")):
        pid = _stale_pid(pid_file)
        if pid:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGTERM)
                os.killpg(pid, signal.SIGCONT)  # a stopped child handles its SIGTERM only once resumed
                if not _wait_gone(pid, 10):
                    os.killpg(pid, signal.SIGKILL)
            _wait_gone(pid, 5)
            stopped.append(f"{pid_file.stem} (pid {pid})")
        pid_file.unlink(missing_ok=True)
    return stopped


def _stale_pid(pid_file: Path) -> int | None:
    """The pid in `pid_file` if that very process (same start time) still runs and leads its group."""
    try:
        first = pid_file.read_text(encoding="utf-8").split("\n", 1)[0].split()
        pid, ticks = int(first[0]), first[1]
    except (OSError, ValueError, IndexError):
        return None  # unreadable or from an older version: nothing we can safely identify
    if _start_ticks(pid) != ticks:
        return None
    with contextlib.suppress(OSError):
        if os.getpgid(pid) == pid:
            return pid
    return None


def _start_ticks(pid: int) -> str:
    """Field 22 of /proc/PID/stat (start time since boot): with the pid, names one process for good."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return stat.rsplit(")", 1)[-1].split()[19]


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
        f"{child.name} was not {what} after {timeout:.0f} s: {reason_in_log(child.log)}; see {child.log}"
    )


KNOWN_REASONS = [
    (re.compile(r"connection refused|connect call failed", re.I), "connection refused"),
    (re.compile(r'(database "[^"]*" does not exist)'), None),
    (re.compile(r'(role "[^"]*" does not exist)'), None),
    (re.compile(r'(password authentication failed for user "[^"]*")'), None),
    (re.compile(r"(unable to open database file)"), None),
    (re.compile(r"Name or service not known|gaierror|nodename nor servname", re.I), "host not found"),
    (re.compile(r"timed? ?out", re.I), "timed out"),
]
EXCEPTION_LINE = re.compile(r"^\s*([\w.]*(?:Error|Exception|Exit)\w*): (.+)$")


def reason_in_log(log: Path, width: int = 200) -> str:
    """The cause of a failure, read from the end of a child's log, as a short phrase."""
    try:
        lines = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return "no log"
    tail = "\n".join(lines[-60:])
    for pattern, phrase in KNOWN_REASONS:
        if match := pattern.search(tail):
            return phrase or match.group(1)
    for line in reversed(lines):
        if match := EXCEPTION_LINE.match(line):
            return f"{match.group(1).rsplit('.', 1)[-1]}: {match.group(2)}"[:width]
    return (lines[-1].strip() if lines else "empty log")[:width]


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
