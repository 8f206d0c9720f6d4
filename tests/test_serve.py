"""`annotate serve`: a real local Argilla, driven through the `argilla` SDK as any remote one would be.

The fixture `argilla_server` (conftest.py) runs every test here on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from annotate.errors import HomeInUseError
from annotate.local import processes
from annotate.local.home import Credentials, HomeLock

ROOT = Path(__file__).resolve().parents[1]
LABELS = ["FARMACO", "PROTEINA"]
TEXTS = [
    "Varón de 67 años en tratamiento con Metformina 850 mg cada 12 horas.",
    "La hemoglobina glicosilada es de 8,2 % y se añade sitagliptina.",
    "Mujer de 45 años con hipertensión tratada con enalapril.",
]


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "annotate", *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


def test_help_reads_like_docs() -> None:
    result = run_cli("serve", "--help")
    assert result.returncode == 0
    for option in ("--home", "--port", "--host", "--database-url", "--redis-url", "Example"):
        assert option in result.stdout


@pytest.mark.usefixtures("server_venv")
def test_busy_port_is_one_line_and_exit_1(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_cli("serve", "--home", str(tmp_path), "--port", str(port))
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [result.stderr.splitlines()[-1]], result.stderr
    assert f"port {port} on 127.0.0.1 is busy" in errors[0] and "pass --port N" in errors[0]
    assert "Traceback" not in result.stderr


@pytest.mark.usefixtures("server_venv")
def test_unreachable_redis_is_one_line(tmp_path: Path) -> None:
    url = f"redis://127.0.0.1:{processes.free_port()}/0"
    result = run_cli(
        "serve", "--home", str(tmp_path), "--port", str(processes.free_port()), "--redis-url", url
    )
    assert result.returncode == 1
    assert f"no Redis answers at {url}" in result.stderr and "Traceback" not in result.stderr


def one_error_line(result: subprocess.CompletedProcess) -> str:
    """The CLI failed with exit code 1 and exactly one `error:` line, the last, and no traceback."""
    assert result.returncode == 1, result.stderr
    lines = result.stderr.splitlines()
    assert [line for line in lines if line.startswith("error:")] == lines[-1:], result.stderr
    assert "Traceback" not in result.stderr
    return lines[-1]


@pytest.mark.slow
@pytest.mark.usefixtures("server_venv")
def test_bad_database_url_ends_with_reason_and_stops_everything(tmp_path: Path) -> None:
    bad = f"postgresql://nobody:s3cret@127.0.0.1:{processes.free_port()}/nowhere"
    result = run_cli(
        "serve", "--home", str(tmp_path), "--port", str(processes.free_port()), "--database-url", bad
    )
    error = one_error_line(result)
    redacted = bad.replace(":s3cret@", ":***@")
    log = tmp_path.resolve() / "logs" / "prepare.log"
    assert error == (
        f"error: could not prepare the database {redacted}: connection refused (full log: {log}); "
        "check --database-url"
    )
    assert "s3cret" not in result.stderr
    assert not list((tmp_path / "pids").glob("*.pid")), "the embedded Redis was left running"


@contextlib.contextmanager
def unwritable(folder: Path) -> Iterator[Path]:
    """A folder this user cannot write in: 0500, or immutable (chattr +i) for root, who ignores modes."""
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o500)
    elif subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
        pytest.skip("running as root and chattr +i is not available here")
    try:
        yield folder
    finally:
        subprocess.run(["chattr", "-i", str(folder)], capture_output=True)
        folder.chmod(0o700)


@pytest.mark.parametrize("case", ["file", "unwritable", "inside-unwritable"])
@pytest.mark.usefixtures("server_venv")
def test_bad_home_is_one_line(tmp_path: Path, case: str) -> None:
    port = str(processes.free_port())
    if case == "file":
        home = tmp_path / "notes.txt"
        home.write_text("not a folder")
        error = one_error_line(run_cli("serve", "--home", str(home), "--port", port))
        assert (
            error == f"error: --home {home} is a file, not a folder; pass a folder (it is created if missing)"
        )
        return
    with unwritable(tmp_path / "locked") as locked:
        home = locked if case == "unwritable" else locked / "argilla"
        error = one_error_line(run_cli("serve", "--home", str(home), "--port", port))
    assert error.startswith(f"error: cannot write in --home {home} (")
    assert error.endswith("); fix its permissions or pass another --home")


@pytest.mark.parametrize(
    "content, says",
    [
        ('{"username": "owner", "password": ', "is not readable JSON (Expecting value at line 1 column 35)"),
        ('["owner"]', "holds list, not a JSON object"),
        ('{"username": "owner", "password": "x"}', "has no text api_key"),
    ],
)
@pytest.mark.usefixtures("server_venv")
def test_corrupt_credentials_are_one_line(tmp_path: Path, content: str, says: str) -> None:
    credentials = tmp_path / "credentials.json"
    credentials.write_text(content)
    error = one_error_line(run_cli("serve", "--home", str(tmp_path), "--port", str(processes.free_port())))
    assert error == (
        f"error: {credentials} {says}; fix it or delete it "
        "(deleting it makes a new owner password and API key at the next start)"
    )
    assert credentials.read_text() == content, "a corrupt credentials file must be left for the user to fix"
    assert not list((tmp_path / "pids").glob("*.pid"))


def test_old_credentials_get_a_valkey_password_and_keep_the_owner_key(tmp_path: Path) -> None:
    path = tmp_path / "credentials.json"
    path.write_text(json.dumps({"username": "owner", "password": "pw", "api_key": "argilla.k"}))
    path.chmod(0o644)
    creds = Credentials.load_or_create(path)
    assert (creds.username, creds.password, creds.api_key) == ("owner", "pw", "argilla.k")
    assert len(creds.redis_password) >= 32
    assert json.loads(path.read_text())["redis_password"] == creds.redis_password
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert Credentials.load_or_create(path) == creds, "generated once, then reused"
    assert [p.name for p in tmp_path.iterdir()] == ["credentials.json"], "no temporary file left behind"


def test_the_home_lock_refuses_a_second_holder_until_released(tmp_path: Path) -> None:
    first = HomeLock.acquire(tmp_path)
    with pytest.raises(HomeInUseError) as refused:
        HomeLock.acquire(tmp_path)
    assert str(refused.value).startswith(f"{tmp_path} is served by pid {os.getpid()} (since 20")
    assert str(refused.value).endswith("); stop it first or pass another --home")
    first.release()
    HomeLock.acquire(tmp_path).release()


# -- a running server ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(argilla_server):
    import argilla as rg

    return rg.Argilla(api_url=argilla_server.url, api_key=argilla_server.api_key)


@pytest.fixture(scope="module")
def round_trip(argilla_server, client):
    """A workspace, an annotator, and a dataset with every kind of setting, suggestions and responses."""
    import argilla as rg

    suffix = argilla_server.database
    workspace = rg.Workspace(name=f"equipo-{suffix}", client=client).create()
    annotator = rg.User(
        username=f"ana-{suffix}", password="contrasena-ana", role="annotator", client=client
    ).create()
    workspace.add_user(annotator)
    settings = rg.Settings(
        guidelines="Marque los fármacos (FARMACO) y las proteínas (PROTEINA).",
        fields=[rg.TextField(name="text")],
        questions=[
            rg.SpanQuestion(name="entidades", field="text", labels=LABELS, allow_overlapping=True),
            rg.LabelQuestion(name="relevante", labels=["si", "no"]),
            rg.RatingQuestion(name="calidad", values=[1, 2, 3, 4, 5]),
        ],
        metadata=[
            rg.TermsMetadataProperty(name="split"),
            rg.IntegerMetadataProperty(name="longitud"),
            rg.FloatMetadataProperty(name="puntuacion"),
        ],
        vectors=[rg.VectorField(name="emb", dimensions=4)],
    )
    dataset = rg.Dataset(name=f"ida-y-vuelta-{suffix}", workspace=workspace, settings=settings, client=client)
    dataset.create()
    owner = client.me
    records = []
    for i, (text, drug) in enumerate(zip(TEXTS, ["Metformina", "sitagliptina", "enalapril"], strict=True)):
        start, end = text.index(drug), text.index(drug) + len(drug)
        records.append(
            rg.Record(
                id=f"doc-{i}",
                fields={"text": text},
                metadata={"split": "train" if i < 2 else "test", "longitud": len(text), "puntuacion": i / 2},
                vectors={"emb": [1.0, float(i), 0.5, -1.0]},
                suggestions=[
                    rg.Suggestion(
                        "entidades",
                        [{"start": start, "end": end, "label": "FARMACO"}],
                        agent="gold",
                        score=[1.0],
                    )
                ],
                responses=[
                    rg.Response(
                        "entidades",
                        [{"start": start, "end": end, "label": "FARMACO"}],
                        user_id=owner.id,
                        status="submitted",
                    ),
                    rg.Response("relevante", "si", user_id=owner.id, status="submitted"),
                    rg.Response("calidad", 4, user_id=owner.id, status="submitted"),
                ]
                if i == 0
                else [],
            )
        )
    dataset.records.log(records)
    return {"workspace": workspace.name, "dataset": dataset.name, "annotator": annotator.username}


def snapshot(client, dataset_name: str, workspace: str) -> list[dict]:
    dataset = client.datasets(name=dataset_name, workspace=workspace)
    rows = []
    for record in dataset.records(with_suggestions=True, with_responses=True, with_vectors=True):
        rows.append(
            {
                "id": record.id,
                "text": record.fields["text"],
                "metadata": dict(record.metadata),
                "vector": list(record.vectors["emb"]),
                "suggestion": record.suggestions["entidades"].value,
                "agent": record.suggestions["entidades"].agent,
                "responses": sorted((r.question_name, r.value, str(r.status)) for r in record.responses),
            }
        )
    return sorted(rows, key=lambda row: row["id"])


@pytest.mark.slow
def test_sdk_round_trip(client, round_trip) -> None:
    rows = snapshot(client, round_trip["dataset"], round_trip["workspace"])
    assert [row["text"] for row in rows] == TEXTS
    assert rows[0]["metadata"] == {"split": "train", "longitud": len(TEXTS[0]), "puntuacion": 0.0}
    assert rows[2]["vector"] == [1.0, 2.0, 0.5, -1.0]
    assert (
        rows[0]["suggestion"] == [{"start": 36, "end": 46, "label": "FARMACO"}] and rows[0]["agent"] == "gold"
    )
    assert [(q, v) for q, v, _ in rows[0]["responses"]] == [
        ("calidad", 4),
        ("entidades", [{"start": 36, "end": 46, "label": "FARMACO"}]),
        ("relevante", "si"),
    ]
    dataset = client.datasets(name=round_trip["dataset"], workspace=round_trip["workspace"])
    found = list(dataset.records(query="metformina"))  # the SQL engine: case-insensitive full text
    assert [record.id for record in found] == ["doc-0"]


@pytest.mark.slow
def test_default_account_never_exists(argilla_server, round_trip) -> None:
    assert (
        httpx.get(
            f"{argilla_server.url}/api/v1/me", headers={"X-Argilla-Api-Key": "argilla.apikey"}
        ).status_code
        == 401
    )
    login = httpx.post(f"{argilla_server.url}/api/v1/token", data={"username": "argilla", "password": "1234"})
    assert login.status_code == 401
    mode = stat.S_IMODE((argilla_server.home / "credentials.json").stat().st_mode)
    assert mode == 0o600


def raw_redis(port: int, *command: str) -> str:
    """One command on a plain connection, as any local user could send it: the first reply line."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        parts = [f"*{len(command)}\r\n", *(f"${len(a)}\r\n{a}\r\n" for a in command)]
        sock.sendall("".join(parts).encode())
        return sock.makefile("rb").readline().decode().rstrip()


@pytest.mark.slow
def test_valkey_refuses_anyone_without_the_password(argilla_server, round_trip) -> None:
    """Nobody can enqueue a job (RQ runs pickled calls) without the password from credentials.json;
    the server and worker use it (the round trip above created a dataset and logged records)."""
    url = argilla_server.argilla.redis_url
    password = json.loads((argilla_server.home / "credentials.json").read_text())["redis_password"]
    assert url.startswith(f"redis://:{password}@127.0.0.1:")
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    assert raw_redis(port, "RPUSH", "rq:queue:default", "not-a-job").startswith("-NOAUTH")
    assert raw_redis(port, "AUTH", "default", "wrong").startswith("-WRONGPASS")
    with pytest.raises(OSError, match="NOAUTH"):
        processes.redis_command(f"redis://127.0.0.1:{port}/0", "PING")
    assert processes.redis_command(url, "PING") == "PONG"
    assert int(processes.redis_command(url, "SCARD", "rq:workers")) >= 1
    for pid in child_pids(argilla_server.home).values():  # the password is on no command line
        assert password not in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")


@pytest.mark.slow
def test_home_and_database_files_are_private(argilla_server, round_trip) -> None:
    home = argilla_server.home
    assert mode(home) == 0o700
    assert mode(home / "redis") == 0o700
    files = [p for p in (home / "redis").rglob("*") if p.is_file()]
    if argilla_server.database == "sqlite":
        files += [home / "argilla.db", home / "argilla.db-wal", home / "argilla.db-shm"]
    assert len(files) >= 3
    assert {str(p): mode(p) for p in files} == {str(p): 0o600 for p in files}


@pytest.mark.slow
def test_annotator_cannot_read_another_workspace(argilla_server, client, round_trip) -> None:
    import argilla as rg

    other = rg.Workspace(name=f"otro-{argilla_server.database}", client=client).create()
    hidden = rg.Dataset(
        name="oculto",
        workspace=other,
        client=client,
        settings=rg.Settings(
            fields=[rg.TextField(name="text")], questions=[rg.LabelQuestion(name="ok", labels=["si", "no"])]
        ),
    )
    hidden.create()
    token = httpx.post(
        f"{argilla_server.url}/api/v1/token",
        data={"username": round_trip["annotator"], "password": "contrasena-ana"},
    )
    assert token.is_success, token.text
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    visible = httpx.get(f"{argilla_server.url}/api/v1/me/datasets", headers=headers).json()["items"]
    assert [d["name"] for d in visible] == [round_trip["dataset"]]
    assert httpx.get(f"{argilla_server.url}/api/v1/datasets/{hidden.id}", headers=headers).status_code == 403
    search = httpx.post(
        f"{argilla_server.url}/api/v1/me/datasets/{hidden.id}/records/search", headers=headers, json={}
    )
    assert search.status_code == 403


@pytest.mark.slow
def test_restart_and_kill_9_keep_everything(argilla_server, client, round_trip) -> None:
    import argilla as rg

    before = snapshot(client, round_trip["dataset"], round_trip["workspace"])
    key = argilla_server.api_key
    argilla_server.restart()
    assert argilla_server.api_key == key, "the owner's key must be reused on restart"
    client = rg.Argilla(api_url=argilla_server.url, api_key=argilla_server.api_key)
    assert snapshot(client, round_trip["dataset"], round_trip["workspace"]) == before

    os.kill(argilla_server.child("server").process.pid, signal.SIGKILL)
    argilla_server.child("server").process.wait(10)
    argilla_server.restart()
    client = rg.Argilla(api_url=argilla_server.url, api_key=argilla_server.api_key)
    assert snapshot(client, round_trip["dataset"], round_trip["workspace"]) == before
    assert [
        record.id
        for record in client.datasets(name=round_trip["dataset"], workspace=round_trip["workspace"]).records(
            query="metformina"
        )
    ] == ["doc-0"]


@pytest.mark.slow
@pytest.mark.usefixtures("server_venv")
def test_cli_prints_the_two_lines_and_sigterm_stops_every_process(tmp_path: Path) -> None:
    port = processes.free_port()
    cli = subprocess.Popen(
        [sys.executable, "-m", "annotate", "serve", "--home", str(tmp_path), "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = [cli.stdout.readline().rstrip("\n") for _ in range(2)]
        assert lines[0] == f"ARGILLA_API_URL=http://127.0.0.1:{port}", (
            lines,
            cli.stderr.read() if cli.poll() else "",
        )
        assert lines[1].startswith("ARGILLA_API_KEY=argilla.")
        pids = [int(f.read_text().split()[0]) for f in (tmp_path / "pids").glob("*.pid")]
        assert len(pids) == 3  # redis, server, worker
        cli.send_signal(signal.SIGTERM)
        assert cli.wait(60) == 0
    finally:
        if cli.poll() is None:
            cli.kill()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in pids):
        time.sleep(0.2)
    assert not [pid for pid in pids if Path(f"/proc/{pid}").exists()]


@pytest.mark.slow
@pytest.mark.usefixtures("server_venv")
def test_a_dead_child_ends_serve_with_its_name(tmp_path: Path) -> None:
    cli = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "annotate",
            "serve",
            "--home",
            str(tmp_path),
            "--port",
            str(processes.free_port()),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        cli.stdout.readline()
        worker_pid = int((tmp_path / "pids" / "worker.pid").read_text().split()[0])
        os.killpg(worker_pid, signal.SIGKILL)
        assert cli.wait(60) == 1
        assert "error: worker stopped unexpectedly" in cli.stderr.read()
    finally:
        if cli.poll() is None:
            cli.kill()


# -- one home, one launcher --------------------------------------------------------------------------------


@contextlib.contextmanager
def serve_cli(home: Path, port: int) -> Iterator[subprocess.Popen]:
    """`annotate serve` as a user starts it, up and serving; stopped (and anything it left) at the end."""
    cli = subprocess.Popen(
        [sys.executable, "-m", "annotate", "serve", "--home", str(home), "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = cli.stdout.readline()
        assert first.startswith("ARGILLA_API_URL="), cli.stderr.read() if cli.poll() is not None else first
        cli.stdout.readline()  # the key
        yield cli
    finally:
        if cli.poll() is None:
            cli.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                cli.wait(60)
        if cli.poll() is None:
            cli.kill()
            cli.wait()
        processes.stop_stale(home)


def status_ok(home: Path, port: int) -> bool:
    key = json.loads((home / "credentials.json").read_text())["api_key"]
    return processes.http_ok(f"http://127.0.0.1:{port}/api/v1/status", {"X-Argilla-Api-Key": key})


def child_pids(home: Path) -> dict[str, int]:
    return {f.stem: int(f.read_text().split()[0]) for f in (home / "pids").glob("*.pid")}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.slow
@pytest.mark.usefixtures("server_venv")
def test_a_second_serve_on_the_same_home_refuses_and_the_first_keeps_serving(tmp_path: Path) -> None:
    """Also: a home left readable by an older version is locked down on start, its key kept."""
    home = tmp_path / "argilla"
    home.mkdir(mode=0o755)
    old = {"username": "owner", "password": "antigua-123", "api_key": "argilla.antigua"}
    (home / "credentials.json").write_text(json.dumps(old))
    (home / "argilla.db").write_bytes(b"")  # an empty file is an empty SQLite database
    (home / "redis").mkdir(mode=0o755)
    (home / "redis" / "old.aof").write_text("")
    for path in (home, home / "credentials.json", home / "argilla.db", home / "redis" / "old.aof"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    port = processes.free_port()
    with serve_cli(home, port) as first:
        pids = child_pids(home)
        second = run_cli("serve", "--home", str(home), "--port", str(processes.free_port()))
        error = one_error_line(second)
        assert error.startswith(f"error: {home} is served by pid {first.pid} (since 20"), error
        assert error.endswith("); stop it first or pass another --home")
        assert first.poll() is None and status_ok(home, port)
        assert child_pids(home) == pids and all(Path(f"/proc/{pid}").exists() for pid in pids.values())

        creds = json.loads((home / "credentials.json").read_text())
        assert {k: creds[k] for k in old} == old and len(creds["redis_password"]) >= 32
        assert mode(home) == 0o700
        assert mode(home / "credentials.json") == 0o600
        database = [home / name for name in ("argilla.db", "argilla.db-wal", "argilla.db-shm")]
        assert {p.name: mode(p) for p in database} == {p.name: 0o600 for p in database}
        assert mode(home / "redis") == 0o700
        redis_files = [p for p in (home / "redis").rglob("*") if p.is_file()]
        assert len(redis_files) >= 3  # old.aof, valkey.conf, Valkey's own append-only files
        assert {p.name: mode(p) for p in redis_files} == {p.name: 0o600 for p in redis_files}


@pytest.mark.slow
@pytest.mark.usefixtures("server_venv")
def test_children_that_outlive_a_killed_launcher_are_stopped_by_the_next_serve(tmp_path: Path) -> None:
    """kill -9 the launcher while its children cannot die (frozen with SIGSTOP, as a hung child would be):
    the next serve on the same home and port finds them by their pid files and stops them, Valkey too
    (which rewrote its process title and was re-parented), then starts and serves the same data."""
    port = processes.free_port()
    with serve_cli(tmp_path, port) as first:
        stale = child_pids(tmp_path)
        assert sorted(stale) == ["redis", "server", "worker"]
        for pid in stale.values():
            os.killpg(pid, signal.SIGSTOP)
        first.kill()
        first.wait(10)
        time.sleep(1)
        assert all(Path(f"/proc/{pid}").exists() for pid in stale.values()), "the children must survive"
        with serve_cli(tmp_path, port) as second:
            assert second.poll() is None and status_ok(tmp_path, port)
            assert not [pid for pid in stale.values() if Path(f"/proc/{pid}").exists()]
            fresh = child_pids(tmp_path)
            assert sorted(fresh) == ["redis", "server", "worker"] and not set(fresh.values()) & set(
                stale.values()
            )
        stopped = second.stderr.read()
        for name, pid in stale.items():
            assert f"{name} (pid {pid})" in stopped, stopped


CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.mark.slow
@pytest.mark.browser
def test_ui_signs_in_and_shows_the_records(argilla_server, client, round_trip, artifacts) -> None:
    """Headless Chromium signs in with the printed login and sees a pending record of the dataset."""
    import shutil as sh

    if sh.which("chromium") is None:
        pytest.skip("Debian's chromium is not installed (make test installs it as root)")
    from playwright.sync_api import sync_playwright

    creds = argilla_server.argilla.credentials
    dataset = client.datasets(name=round_trip["dataset"], workspace=round_trip["workspace"])
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=sh.which("chromium"), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(f"{argilla_server.url}/sign-in")
            page.fill("input[name=Username]", creds.username)
            page.fill("input[name=Password]", creds.password)
            page.click("button[type=submit]")
            page.wait_for_url(lambda url: "/sign-in" not in url, timeout=30_000)
            page.goto(f"{argilla_server.url}/dataset/{dataset.id}/annotation-mode")
            # the owner answered doc-0: the pending queue holds the two other records
            try:
                page.wait_for_function(
                    "texts => texts.some(t => document.body.innerText.includes(t))",
                    arg=[TEXTS[1], TEXTS[2]],
                    timeout=60_000,
                )
            finally:
                page.screenshot(path=str(artifacts / f"argilla-ui-{argilla_server.database}.png"))
            body = page.inner_text("body")
        finally:
            browser.close()
    assert TEXTS[1] in body or TEXTS[2] in body
    assert TEXTS[0] not in body, "a submitted record must not be in the pending queue"
    assert "FARMACO" in body and "PROTEINA" in body  # the span question's labels


# -- annotate.server.speedups keep Argilla's behaviour ------------------------------------------------------


class _Hooks(http.server.BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["content-length"]))
        _Hooks.received.append(json.loads(body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture()
def webhook_receiver() -> Iterator[tuple[str, list[dict]]]:
    _Hooks.received = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hooks)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", _Hooks.received
    server.shutdown()


@pytest.mark.slow
def test_a_subscribed_webhook_still_gets_every_created_record(
    argilla_server, client, webhook_receiver
) -> None:
    """The speedup reads the enabled webhooks once per request: a bulk of records still notifies each."""
    import argilla as rg

    url, received = webhook_receiver
    hook = rg.Webhook(url=url, events=["record.created"], _client=client).create()
    try:
        workspace = rg.Workspace(name=f"ganchos-{argilla_server.database}", client=client).create()
        settings = rg.Settings(
            fields=[rg.TextField(name="text")], questions=[rg.LabelQuestion("ok", ["si", "no"])]
        )
        dataset = rg.Dataset(name="ganchos", workspace=workspace, settings=settings, client=client).create()
        dataset.records.log([rg.Record(id=f"r{i}", fields={"text": text}) for i, text in enumerate(TEXTS)])
        deadline = time.monotonic() + 60
        while len(received) < len(TEXTS) and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        hook.delete()
    assert sorted(e["data"]["external_id"] for e in received) == ["r0", "r1", "r2"]
    assert {e["type"] for e in received} == {"record.created"}


def test_parsed_settings_follow_a_change_of_settings(server_venv: str) -> None:
    """The cached `parsed_settings` of a question/metadata property are parsed again when settings change."""
    script = """
from annotate.server import speedups
speedups.apply()
from argilla_server.models.database import MetadataProperty, Question
q = Question(settings={"type": "label_selection", "options": [{"value": "si", "text": "si"}]})
first = q.parsed_settings
assert q.parsed_settings is first, "parsed once while settings stay the same"
q.settings = {"type": "label_selection", "options": [{"value": "no", "text": "no"}]}
assert [o.value for o in q.parsed_settings.options] == ["no"]
m = MetadataProperty(settings={"type": "terms", "values": ["a"]})
assert m.parsed_settings.values == ["a"]
m.settings["values"].append("b")  # changed in place
assert m.parsed_settings.values == ["a", "b"]
print("ok")
"""
    result = subprocess.run(
        [server_venv, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr[-2000:]
