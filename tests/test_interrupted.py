"""Interrupted work finishes on a re-run: `load` when the server is killed -9, `team` when it is killed.

Each test starts its own SQLite-backed Argilla (`conftest.running_argilla`), since it kills things.
"""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from conftest import running_argilla

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS, SENTENCES = 200, 10


def start_cli(server, *args: str, env: dict | None = None) -> subprocess.Popen:
    environ = {**os.environ, "ARGILLA_API_URL": server.url, "ARGILLA_API_KEY": server.api_key, **(env or {})}
    return subprocess.Popen(
        [sys.executable, "-m", "annotate", *args],
        cwd=ROOT,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_cli(server, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    process = start_cli(server, *args, env=env)
    stdout, stderr = process.communicate(timeout=600)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def big_corpus(root: Path) -> Path:
    """DOCUMENTS brat documents of SENTENCES sentences, one FARMACO entity each: 2,000 records."""
    folder = root / "corpus" / "train"
    folder.mkdir(parents=True)
    for d in range(DOCUMENTS):
        sentences = [f"Paciente {d} recibe metformina {s} mg al día." for s in range(SENTENCES)]
        text = " ".join(sentences) + "\n"
        start = text.index("metformina")
        (folder / f"doc{d:04d}.txt").write_text(text, encoding="utf-8")
        (folder / f"doc{d:04d}.ann").write_text(f"T1\tFARMACO {start} {start + 10}\tmetformina\n")
    return root / "corpus"


def listed(server, name: str) -> dict | None:
    """The dataset as the server lists it (drafts included), or None."""
    headers = {"X-Argilla-Api-Key": server.api_key}
    try:
        found = httpx.get(f"{server.url}/api/v1/me/datasets", headers=headers, timeout=5).json()["items"]
    except (httpx.HTTPError, KeyError, ValueError):
        return None
    return next((d for d in found if d["name"] == name), None)


def record_count(server, name: str) -> int:
    headers = {"X-Argilla-Api-Key": server.api_key}
    if (dataset := listed(server, name)) is None:
        return 0
    response = httpx.get(f"{server.url}/api/v1/datasets/{dataset['id']}/progress", headers=headers, timeout=5)
    return response.json().get("total", 0) if response.status_code == 200 else 0


def test_load_killed_with_the_server_finishes_on_a_re_run_without_duplicates(tmp_path: Path) -> None:
    import argilla as rg

    corpus = big_corpus(tmp_path)
    total = DOCUMENTS * SENTENCES
    args = (
        "load",
        "--corpus",
        str(corpus),
        "--format",
        "brat",
        "--dataset",
        "grande",
        "--suggestions",
        "gold",
    )
    with running_argilla(tmp_path / "home", "sqlite") as server:
        args = (*args, "--run", str(tmp_path / "run"))
        load = start_cli(server, *args)
        wait_until(lambda: record_count(server, "grande") > 0, 300, "the first batch")
        server_process = server.child("server").process
        os.killpg(server_process.pid, signal.SIGKILL)
        server_process.wait(10)
        _, stderr = load.communicate(timeout=120)
        assert load.returncode == 1 and len(stderr.splitlines()) == 1, stderr
        prefix = f"error: server at {server.url} stopped answering after "
        assert stderr.startswith(prefix), stderr
        logged = int(stderr[len(prefix) :].split()[0])
        assert 0 <= logged < total  # 0 when the kill lands between the first commit and its reply
        assert stderr.strip().endswith(
            f"after {logged} of {total} records; dataset 'grande' kept them (and perhaps the batch in "
            "flight): re-run the same command to finish, nothing is duplicated"
        )

        server.restart()
        kept = record_count(server, "grande")
        assert logged <= kept < total  # a batch in flight may have been stored but not acknowledged
        again = run_cli(server, *args)
        assert again.returncode == 0, again.stderr
        assert "updated dataset 'grande'" in again.stdout
        client = rg.Argilla(api_url=server.url, api_key=server.api_key)
        ids = [str(record.id) for record in client.datasets("grande").records]
        assert len(ids) == total and len(set(ids)) == total
        assert set(ids) == {f"doc{d:04d}#{s}" for d in range(DOCUMENTS) for s in range(SENTENCES)}


def test_a_crash_before_any_record_leaves_a_dataset_a_re_run_fills(tmp_path: Path) -> None:
    """The server dies as soon as the dataset exists (a draft, or before the first batch is
    acknowledged): one line, and the re-run fills it."""
    corpus = big_corpus(tmp_path)
    with running_argilla(tmp_path / "home", "sqlite") as server:
        args = ("load", "--corpus", str(corpus), "--dataset", "vacio", "--run", str(tmp_path / "run"))
        load = start_cli(server, *args)
        wait_until(lambda: listed(server, "vacio") is not None, 300, "the dataset")
        os.killpg(server.child("server").process.pid, signal.SIGKILL)
        _, stderr = load.communicate(timeout=120)
        assert load.returncode == 1 and len(stderr.splitlines()) == 1, stderr
        assert "stopped answering after" in stderr and "re-run the same command" in stderr
        server.restart()
        assert run_cli(server, *args).returncode == 0
        assert record_count(server, "vacio") == DOCUMENTS * SENTENCES


def secrets_rows(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["username"]: row["password"] for row in csv.DictReader(handle)}


def can_log_in(server, username: str, password: str) -> bool:
    response = httpx.post(
        f"{server.url}/api/v1/token", data={"username": username, "password": password}, timeout=30
    )
    return response.status_code == 201 and bool(response.json().get("access_token"))


def team_accounts(server, prefix: str) -> set[str]:
    headers = {"X-Argilla-Api-Key": server.api_key}
    users = httpx.get(f"{server.url}/api/v1/users", headers=headers, timeout=30).json()["items"]
    return {u["username"] for u in users if u["username"].startswith(prefix)}


def test_team_killed_mid_way_loses_no_password_and_a_re_run_finishes(tmp_path: Path) -> None:
    members = [f"anotador-{n:03d}" for n in range(80)]
    team = tmp_path / "equipo.csv"
    team.write_text("username\n" + "\n".join(members) + "\n", encoding="utf-8")
    config = tmp_path / "config"
    with running_argilla(tmp_path / "home", "sqlite") as server:
        args = ("team", "--file", str(team), "--workspace", "equipo")
        env = {"XDG_CONFIG_HOME": str(config)}
        first = start_cli(server, *args, env=env)
        wait_until(lambda: len(team_accounts(server, "anotador-")) >= 5, 300, "5 accounts")
        first.kill()
        first.wait(10)
        made = team_accounts(server, "anotador-")
        assert 5 <= len(made) < len(members), "killed too late: make the team larger"
        port = server.url.rsplit(":", 1)[1]
        secrets = config / "annotate" / f"team-passwords-127.0.0.1-{port}.csv"
        assert oct(secrets.stat().st_mode & 0o777) == "0o600"
        kept = secrets_rows(secrets)
        assert made <= set(kept), f"accounts without a kept password: {sorted(made - set(kept))}"
        assert all(can_log_in(server, name, kept[name]) for name in sorted(made))

        again = run_cli(server, *args, env=env)
        assert again.returncode == 0, again.stderr
        assert f"{len(made)} already existed" in again.stdout and str(secrets) in again.stdout
        assert team_accounts(server, "anotador-") == set(members)
        rows = secrets.read_text(encoding="utf-8").splitlines()
        assert len(rows) == 1 + len(members), "one row per account, none twice"
        kept = secrets_rows(secrets)
        for name in sorted(set(members) - made)[:10]:
            assert can_log_in(server, name, kept[name]), name
        for password in kept.values():
            assert password not in again.stdout + again.stderr


def test_team_with_an_unwritable_secrets_file_creates_no_account(tmp_path: Path) -> None:
    team = tmp_path / "equipo.csv"
    team.write_text("username\nsin.clave\n", encoding="utf-8")
    (tmp_path / "fichero").write_text("not a folder\n")
    secrets = tmp_path / "fichero" / "claves.csv"
    with running_argilla(tmp_path / "home", "sqlite") as server:
        result = run_cli(
            server, "team", "--file", str(team), "--workspace", "w", "--secrets-file", str(secrets)
        )
        assert result.returncode == 1 and len(result.stderr.splitlines()) == 1, result.stderr
        assert result.stderr.startswith(f"error: {secrets}: cannot keep passwords there")
        assert "no account was created" in result.stderr
        assert team_accounts(server, "sin.clave") == set()
