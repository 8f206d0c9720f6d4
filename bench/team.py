"""Benchmark: a whole team annotating at once on one local Argilla, run by hand:

    .venv/bin/python bench/team.py --annotators 16,32 --databases sqlite,postgres

For each database, one fresh local Argilla (`annotate serve`'s `LocalArgilla`: SQL search engine,
embedded Valkey, job worker). The accounts are made by `annotate team` (as a team lead would), and each
simulated annotator signs in with its password (`POST /api/v1/token`, as the UI does) and then loops as
the UI does: search its next pending record, submit an answer, read its progress. Per team size:

1. a burst of 2N simultaneous "my pending page" searches (everyone opening the dataset at once);
2. N annotators on a dataset of N x --records-per-annotator records that need --min-submitted
   answers each, until every record is complete (or --budget seconds).
Each twice: paced (an annotator takes --think seconds to read and answer a record, as people do) and
flat out (no time to read: the server's capacity, where latency grows with N by Little's law).

The baseline, measured in the same run on the same server and pace: one annotator alone on a dataset of
its own.
Columns: submits/s of the whole team, p50/p95 of search and submit (ms), failed requests (any non-2xx
or transport error, burst included), acknowledged submits vs responses stored in the database, and
wasted submissions (answers to a record that already had --min-submitted submitted answers).
Targets (issue 15): 0 failed, 0 lost, team submits/s >= the lone annotator's, wasted <= 5 %,
search p95 at 16 annotators <= 5x the lone annotator's.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from annotate.local import processes  # noqa: E402
from annotate.local.serve import LocalArgilla, ServeOptions  # noqa: E402

# The UI's "Pending" queue (argilla-frontend RecordRepository.getRecordsByAdvanceSearch): no answer of mine
# and the record itself still pending (fewer than min_submitted answers).
PENDING = [
    {"type": "terms", "scope": {"entity": "response", "property": "status"}, "values": ["pending"]},
    {"type": "terms", "scope": {"entity": "record", "property": "status"}, "values": ["pending"]},
]
SEARCH = "records/search?include=responses&include=suggestions&offset=0&limit=10&response_status=pending"
QUESTION = "relevante"
console = Console(width=170)


@dataclass
class Tally:
    """What the simulated annotators measured (appended from many threads: list.append is atomic)."""

    search_ms: list[float] = field(default_factory=list)
    submit_ms: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    acknowledged: int = 0
    seconds: float = 0.0

    def merge(self, other: Tally) -> None:
        self.search_ms += other.search_ms
        self.submit_ms += other.submit_ms
        self.failures += other.failures
        self.acknowledged += other.acknowledged


def make_dataset(client, workspace: str, name: str, records: int, min_submitted: int):
    import argilla as rg

    settings = rg.Settings(
        fields=[rg.TextField(name="text")],
        questions=[rg.LabelQuestion(name=QUESTION, labels=["si", "no"])],
        distribution=rg.TaskDistribution(min_submitted=min_submitted),
    )
    ws = client.workspaces(workspace) or rg.Workspace(name=workspace, client=client).create()
    dataset = rg.Dataset(name=name, workspace=ws, settings=settings, client=client).create()
    dataset.records.log(
        [
            {"id": f"{name}-{i}", "text": f"Paciente {i}: se inicia metformina {i % 9 + 1} mg."}
            for i in range(records)
        ]
    )
    return dataset


def make_team(argilla: LocalArgilla, home: Path, workspace: str, size: int) -> list[tuple[str, str]]:
    """Accounts made by `annotate team` (a real subprocess); returns (username, password) pairs."""
    team_file, secrets = home / f"{workspace}.csv", home / f"{workspace}-passwords.csv"
    team_file.write_text(
        "username\n" + "".join(f"{workspace}-{i:02d}\n" for i in range(size)), encoding="utf-8"
    )
    env = {**os.environ, "ARGILLA_API_URL": argilla.url, "ARGILLA_API_KEY": argilla.api_key}
    command = [sys.executable, "-m", "annotate", "team", "--file", str(team_file), "--workspace", workspace]
    result = subprocess.run(
        [*command, "--secrets-file", str(secrets)], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(f"annotate team failed: {result.stderr.strip()}")
    with secrets.open(encoding="utf-8", newline="") as handle:
        return [(row["username"], row["password"]) for row in csv.DictReader(handle)]


def sign_in(url: str, username: str, password: str) -> httpx.Client:
    """A client signed in as the UI signs in: the token endpoint, then a bearer token."""
    response = httpx.post(
        f"{url}/api/v1/token", data={"username": username, "password": password}, timeout=60
    )
    response.raise_for_status()
    token = response.json()["access_token"]
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=120)


def timed(tally: Tally, samples: list[float], what: str, call) -> httpx.Response | None:
    started = time.perf_counter()
    try:
        response = call()
    except httpx.HTTPError as exc:
        tally.failures.append(f"{what}: {type(exc).__name__}")
        return None
    samples.append((time.perf_counter() - started) * 1000)
    if response.status_code >= 300:
        tally.failures.append(f"{what}: HTTP {response.status_code}")
        return None
    return response


def next_pending(http: httpx.Client, dataset_id: str, tally: Tally) -> dict | None | bool:
    """The first record of the annotator's pending page; None when the queue is empty, False on error."""
    path = f"/api/v1/me/datasets/{dataset_id}/{SEARCH}"
    response = timed(
        tally, tally.search_ms, "search", lambda: http.post(path, json={"filters": {"and": PENDING}})
    )
    if response is None:
        return False
    items = response.json()["items"]
    return items[0]["record"] if items else None


def annotate_loop(
    http: httpx.Client, dataset_id: str, deadline: float, tally: Tally, turn: int, think: tuple[float, float]
) -> None:
    """Search, read and answer (`think` seconds, uniform between the two), submit, read progress,
    until the queue is empty or the deadline passes."""
    pace = random.Random(turn)
    while time.monotonic() < deadline:
        record = next_pending(http, dataset_id, tally)
        if record is None:
            return
        if record is False:
            time.sleep(0.5)
            continue
        time.sleep(pace.uniform(*think))
        body = {"values": {QUESTION: {"value": "si" if turn % 2 else "no"}}, "status": "submitted"}
        path = f"/api/v1/records/{record['id']}/responses"
        if timed(tally, tally.submit_ms, "submit", lambda p=path, b=body: http.post(p, json=b)) is not None:
            tally.acknowledged += 1
        timed(tally, [], "metrics", lambda: http.get(f"/api/v1/me/datasets/{dataset_id}/metrics"))
        turn += 1


def run_team(
    clients: list[httpx.Client], dataset_id: str, budget: float, think: tuple[float, float]
) -> Tally:
    tallies = [Tally() for _ in clients]
    deadline = time.monotonic() + budget
    threads = [
        threading.Thread(target=annotate_loop, args=(http, dataset_id, deadline, tally, i, think))
        for i, (http, tally) in enumerate(zip(clients, tallies, strict=True))
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = Tally(seconds=time.perf_counter() - started)
    for tally in tallies:
        total.merge(tally)
    return total


def burst(clients: list[httpx.Client], dataset_id: str) -> Tally:
    """Every client searches its pending page at the same moment, twice over (2N requests)."""
    tally = Tally()
    gate = threading.Barrier(2 * len(clients))
    callers = [*clients, *clients]

    def one(http: httpx.Client) -> None:
        gate.wait()
        next_pending(http, dataset_id, tally)

    threads = [threading.Thread(target=one, args=(http,)) for http in callers]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    tally.seconds = time.perf_counter() - started
    return tally


def stored_and_wasted(client, dataset, min_submitted: int) -> tuple[int, int, int]:
    """(submitted responses stored, wasted ones, records still pending), read back as the owner."""
    stored = wasted = pending = 0
    for record in dataset.records(with_responses=True):
        submitted = sum(1 for r in record.responses if getattr(r.status, "value", r.status) == "submitted")
        stored += submitted
        wasted += max(0, submitted - min_submitted)
        pending += submitted < min_submitted
    return stored, wasted, pending


def percentile(samples: list[float], q: int) -> float:
    if len(samples) < 2:
        return samples[0] if samples else float("nan")
    return statistics.quantiles(samples, n=100)[q - 1]


@dataclass
class Row:
    label: str
    annotators: int
    tally: Tally
    burst: Tally | None
    stored: int
    wasted: int
    pending: int


PACES = {"paced": None, "flat out": (0.0, 0.0)}  # paced: --think; flat out: no time to read


def measure(
    database: str, sizes: list[int], args: argparse.Namespace, stack: ExitStack
) -> dict[str, list[Row]]:
    home = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=f"bench-team-{database}-")))
    database_url = None
    if database == "postgres":
        sys.path.insert(0, str(ROOT / "tests"))
        from conftest import postgres_database  # a fresh database, dropped afterwards

        database_url = stack.enter_context(postgres_database())
    options = ServeOptions(home=home / "argilla", port=processes.free_port(), database_url=database_url)
    argilla = stack.enter_context(LocalArgilla(options))
    import argilla as rg

    client = rg.Argilla(api_url=argilla.url, api_key=argilla.api_key)
    teams = {size: make_team(argilla, home, f"team{size}", size) for size in [1, *sizes]}
    signed_in = {
        size: [stack.enter_context(sign_in(argilla.url, *user)) for user in teams[size]] for size in teams
    }
    results: dict[str, list[Row]] = {}
    for pace, think in PACES.items():
        think = think or (args.think[0], args.think[1])
        rows = results[pace] = []
        for size in [1, *sizes]:
            records = args.solo_records if size == 1 else size * args.records_per_annotator
            needed = 1 if size == 1 else args.min_submitted
            console.print(f"[bold]{database}[/], {pace}: {size} annotator(s), {records} records x {needed}")
            name = f"{pace.replace(' ', '-')}-{size}"
            dataset = make_dataset(client, f"team{size}", name, records, needed)
            opening = burst(signed_in[size], str(dataset.id)) if size > 1 else None
            tally = run_team(signed_in[size], str(dataset.id), args.budget, think)
            if opening is not None:
                tally.failures += opening.failures
            label = "alone" if size == 1 else "team"
            rows.append(Row(label, size, tally, opening, *stored_and_wasted(client, dataset, needed)))
    return results


def table(database: str, pace: str, rows: list[Row], think: list[float]) -> Table:
    reading = f"{think[0]:g}-{think[1]:g} s to read and answer" if pace == "paced" else "no time to read"
    out = Table(
        title=f"{database}, {pace} ({reading}): search, answer, submit, progress; burst of 2N searches first"
    )
    for column in (
        "annotators", "submits/s", "search p50", "search p95", "p95 vs alone", "submit p50", "submit p95",
        "burst max ms", "failed", "acked / stored", "wasted", "left pending",
    ):  # fmt: skip
        out.add_column(column)
    alone_p95 = percentile(rows[0].tally.search_ms, 95)
    for row in rows:
        t = row.tally
        search_p95 = percentile(t.search_ms, 95)
        failures = Counter(t.failures)
        out.add_row(
            f"{row.annotators} ({row.label})",
            f"{t.acknowledged / t.seconds:.1f}",
            f"{percentile(t.search_ms, 50):.0f}",
            f"{search_p95:.0f}",
            f"{search_p95 / alone_p95:.1f}x",
            f"{percentile(t.submit_ms, 50):.0f}",
            f"{percentile(t.submit_ms, 95):.0f}",
            f"{max(row.burst.search_ms, default=0):.0f}" if row.burst else "-",
            str(len(t.failures)) + (f" {dict(failures)}" if failures else ""),
            f"{t.acknowledged} / {row.stored}",
            f"{row.wasted} ({row.wasted / max(row.stored, 1):.1%})",
            str(row.pending),
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--annotators", default="16,32", help="team sizes, comma-separated")
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--min-submitted", type=int, default=2)
    parser.add_argument(
        "--records-per-annotator", type=int, default=20, help="dataset size: N annotators x this many records"
    )
    parser.add_argument("--solo-records", type=int, default=25, help="records the lone annotator answers")
    parser.add_argument("--budget", type=float, default=400, help="seconds at most per run")
    parser.add_argument(
        "--think", type=float, nargs=2, default=[2.0, 6.0], metavar=("MIN", "MAX"),
        help="seconds an annotator takes per record when paced (uniform); a fast annotator: 2-6 s",
    )  # fmt: skip
    args = parser.parse_args()
    sizes = [int(n) for n in args.annotators.split(",")]
    tables = []
    for database in args.databases.split(","):
        with ExitStack() as stack:
            for pace, rows in measure(database, sizes, args, stack).items():
                tables.append(table(database, pace, rows, args.think))
    console.print(f"load average: {os.getloadavg()}")
    for out in tables:
        console.print(out)


if __name__ == "__main__":
    main()
