"""Benchmark of the SQL search engine inside a real local Argilla, run by hand:

    .venv/bin/python bench/search.py --records 10000,100000 --databases sqlite,postgres

For each database: ingest the largest count through the `argilla` SDK once with the no-op engine (the
baseline: what Argilla costs without any index) and once with the SQL engine, stopping at each count of
--records to time the queries the UI makes (through the REST API as the UI sends them). Each query is
timed against the SQL engine's server and, alternately in the same loop, against a second server on the
same database with the floor engine (`annotate/server/floor_engine.py`: every search answered with
existing record ids, no filtering), so the ratio of the two p95 is the engine's own cost above what
argilla-server spends on that request. Last, the SQL engine's server is restarted and its first
similarity query timed. Records: ~300 characters of Spanish clinical text, 3 metadata properties, a
384-dimension vector, one suggestion each; every 10th record has the owner's submitted answer.
Targets at 100k: p95 within 1.5x of the floor (pending page, filters) or 2x (text, similarity), growth
10k -> 100k at most 3x, ingest within 1.25x of no-op, first similarity query after a restart < 2 s.
Before the queries of each stage, the bench waits until the background work the ingest left is done (the
dataset's write generation and the vector cache file stay put for 15 s; the wait is printed): timing
during the catch-up measured the catch-up. The queries are timed after two warm-up
calls; the first call of each (nothing remembered of the dataset yet: `annotate/server/search/memo.py`)
is shown on its own. Each p95 is of --repeat calls (100 by default: of 30, the p95 was the second
slowest call, and the ratio of two of them moved by up to 0.7 between runs of the same code).
Results: a table on the console, and JSON + text under bench/results/ (gitignored).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.progress import Progress  # noqa: E402
from rich.table import Table  # noqa: E402

from annotate.local import processes  # noqa: E402
from annotate.local.serve import LocalArgilla, ServeOptions  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
SERVICIOS = ["cardiologia", "endocrinologia", "neumologia", "pediatria", "oncologia", "urgencias"]
FARMACOS = [
    "metformina",
    "enalapril",
    "amoxicilina",
    "omeprazol",
    "furosemida",
    "atorvastatina",
    "insulina",
    "paracetamol",
    "ibuprofeno",
    "levotiroxina",
    "salbutamol",
    "warfarina",
    "sertralina",
    "tramadol",
]
FRASES = [
    "Paciente de {edad} años que acude a consulta por {motivo}.",
    "Se inicia tratamiento con {farmaco} {dosis} mg cada {horas} horas.",
    "En la analítica destaca una {proteina} elevada y función renal conservada.",
    "Refiere buena tolerancia al {farmaco}, sin efectos adversos relevantes.",
    "Se decide ajustar la dosis y revisar en {semanas} semanas en la consulta de {servicio}.",
    "Antecedentes de hipertensión arterial y dislipemia en tratamiento dietético.",
]
MOTIVOS = ["disnea de esfuerzo", "dolor torácico", "fiebre y tos", "astenia", "control de glucemias", "mareo"]
PROTEINAS = ["proteína C reactiva", "troponina", "ferritina", "creatina cinasa", "procalcitonina"]
ANSWERED_EVERY = 10  # every 10th record has the owner's submitted answer
PENDING = {"type": "terms", "scope": {"entity": "response", "property": "status"}, "values": ["pending"]}
SUBMITTED = {**PENDING, "values": ["submitted"]}
#: query -> how far above the floor's p95 its p95 may be at the largest count
WITHIN_FLOOR = {
    "my pending page": 1.5,
    "text query": 2.0,
    "metadata filter + sort": 1.5,
    "suggestion filter": 1.5,
    "response filter": 1.5,
    "similarity top 50": 2.0,
}
MAX_GROWTH = 3.0
FIRST_SIMILARITY_S = 2.0
INGEST_WITHIN = 1.25


def make_text(rng: random.Random) -> str:
    parts = []
    while sum(map(len, parts)) < 290:
        parts.append(
            rng.choice(FRASES).format(
                edad=rng.randint(1, 95),
                motivo=rng.choice(MOTIVOS),
                farmaco=rng.choice(FARMACOS),
                dosis=rng.choice([5, 10, 20, 50, 100, 500, 850]),
                horas=rng.choice([8, 12, 24]),
                proteina=rng.choice(PROTEINAS),
                semanas=rng.randint(2, 12),
                servicio=rng.choice(SERVICIOS),
            )
        )
    return " ".join(parts)


def make_records(start: int, count: int, seed: int) -> list:
    import argilla as rg

    rng = random.Random(seed + start)
    rows = []
    for i in range(start, start + count):
        relevante = rng.choice(["si", "no"])
        rows.append(
            rg.Record(
                id=f"r{i}",
                fields={"text": make_text(rng)},
                metadata={
                    "servicio": rng.choice(SERVICIOS),
                    "edad": rng.randint(0, 99),
                    "puntuacion": rng.random(),
                },
                vectors={"emb": [rng.gauss(0, 1) for _ in range(384)]},
                suggestions=[rg.Suggestion("relevante", relevante)],
                responses=[rg.Response("relevante", relevante, user_id=OWNER[0], status="submitted")]
                if i % ANSWERED_EVERY == 0
                else [],
            )
        )
    return rows


OWNER: list = []  # the owner's user id, set once the client exists


def create_dataset(client, name: str):
    import argilla as rg

    settings = rg.Settings(
        fields=[rg.TextField(name="text")],
        questions=[rg.LabelQuestion(name="relevante", labels=["si", "no"])],
        metadata=[
            rg.TermsMetadataProperty(name="servicio"),
            rg.IntegerMetadataProperty(name="edad"),
            rg.FloatMetadataProperty(name="puntuacion"),
        ],
        vectors=[rg.VectorField(name="emb", dimensions=384)],
    )
    OWNER[:] = [client.me.id]
    workspace = client.workspaces("bench") or rg.Workspace(name="bench", client=client).create()
    return rg.Dataset(name=name, workspace=workspace, settings=settings, client=client).create()


def ingest(dataset, start: int, stop: int, seed: int, progress: Progress, label: str) -> float:
    """Seconds to log records [start, stop) through the SDK (record generation excluded)."""
    task = progress.add_task(label, total=stop - start)
    elapsed, chunk = 0.0, 2000
    for first in range(start, stop, chunk):
        rows = make_records(first, min(chunk, stop - first), seed)
        t0 = time.perf_counter()
        dataset.records.log(rows, batch_size=500)
        elapsed += time.perf_counter() - t0
        progress.advance(task, len(rows))
    return elapsed


def metadata(name: str) -> dict:
    return {"entity": "metadata", "metadata_property": name}


def ui_queries(dataset_id: str, record_id: str) -> dict[str, tuple[str, dict]]:
    """The UI's searches: its queue (pending of the current user), with text, metadata, suggestion or
    response filters, and "find similar" from one record."""
    me = f"/api/v1/me/datasets/{dataset_id}/records/search?include=responses&include=suggestions"
    relevante_si = {"scope": {"entity": "suggestion", "question": "relevante", "property": "value"}}
    return {
        "my pending page": (f"{me}&offset=0&limit=10", {"filters": {"and": [PENDING]}}),
        "text query": (
            f"{me}&offset=0&limit=10",
            {"query": {"text": {"q": "furosemida disnea"}}, "filters": {"and": [PENDING]}},
        ),
        "metadata filter + sort": (
            f"{me}&offset=0&limit=10",
            {
                "filters": {
                    "and": [
                        {
                            "type": "terms",
                            "scope": metadata("servicio"),
                            "values": ["cardiologia", "pediatria"],
                        },
                        {"type": "range", "scope": metadata("edad"), "ge": 40, "le": 70},
                    ]
                },
                "sort": [{"scope": metadata("puntuacion"), "order": "desc"}],
            },
        ),
        "suggestion filter": (
            f"{me}&offset=0&limit=10",
            {"filters": {"and": [PENDING, {"type": "terms", **relevante_si, "values": ["si"]}]}},
        ),
        "response filter": (
            f"{me}&offset=0&limit=10",
            {
                "filters": {
                    "and": [
                        SUBMITTED,
                        {
                            "type": "terms",
                            "scope": {"entity": "response", "question": "relevante"},
                            "values": ["si"],
                        },
                    ]
                }
            },
        ),
        "similarity top 50": (
            f"{me}&offset=0&limit=50",
            {"query": {"vector": {"name": "emb", "record_id": record_id}}},
        ),
    }


def quantiles(samples: list[float]) -> dict[str, float]:
    return {"p50": statistics.median(samples), "p95": statistics.quantiles(samples, n=20)[18]}


def time_queries(
    url: str, floor_url: str, api_key: str, dataset_id: str, record_id: str, repeat: int
) -> dict:
    """p50/p95 (ms) of each UI query on the SQL engine and on the floor, calls alternating."""
    headers = {"X-Argilla-Api-Key": api_key}
    results = {}
    with (
        httpx.Client(base_url=url, headers=headers, timeout=180) as engine,
        httpx.Client(base_url=floor_url, headers=headers, timeout=180) as floor,
    ):
        for name, (path, body) in ui_queries(dataset_id, record_id).items():
            samples: dict[str, list[float]] = {"engine": [], "floor": []}
            total, first = None, 0.0
            for i in range(repeat + 2):
                for side, http in (("engine", engine), ("floor", floor)):
                    t0 = time.perf_counter()
                    response = http.post(path, json=body)
                    ms = (time.perf_counter() - t0) * 1000
                    response.raise_for_status()
                    if side == "engine":
                        total = response.json()["total"]
                        first = first or ms
                    if i >= 2:  # two warm-up calls
                        samples[side].append(ms)
            results[name] = {
                "engine": quantiles(samples["engine"]),
                "floor": quantiles(samples["floor"]),
                "total": total,
                # the first call after the dataset changed: nothing remembered (memo.py), all counted
                "engine_first_ms": first,
            }
    return results


def generation(database_url: str, dataset_id: str) -> int:
    """The dataset's write generation (annotate/server/search/memo.py), read straight from the database."""
    sql = f"SELECT generation FROM annotate_search_generations WHERE dataset_id = '{dataset_id}'"
    if database_url.startswith("sqlite"):
        import sqlite3

        path = database_url.split(":///", 1)[1].split("?", 1)[0]
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as conn:
            row = conn.execute(sql).fetchone()
    else:  # PostgreSQL: through psql (the project's environment has no PostgreSQL driver)
        import subprocess

        url = "postgresql://" + database_url.split("://", 1)[1]
        out = subprocess.run(["psql", url, "-tAc", sql], capture_output=True, text=True, check=True).stdout
        row = (int(out),) if out.strip() else None
    return int(row[0]) if row else 0


def background_state(argilla: LocalArgilla, dataset_id: str) -> tuple[int, float]:
    """(the dataset's write generation, the newest vector cache file's time): what moves while the server
    catches up on an ingest in the background."""
    files = list((argilla.home / "vector-cache").glob("*"))
    newest = max((f.stat().st_mtime for f in files), default=0.0)
    return generation(argilla.database_url, dataset_id), newest


def settle(argilla: LocalArgilla, dataset_id: str, quiet_s: float = 15.0, limit_s: float = 1200.0) -> float:
    """Wait until the background work an ingest leaves stays quiet for `quiet_s`: the writes of Argilla's
    worker (each moves the generation, and the engine counts again) and the server's vector cache (it
    reads the new vectors, then rewrites its file, at most every 10 s). Timing before that measures the
    catch-up, not the queries. Returns the seconds waited."""
    started = last_move = time.monotonic()
    seen = background_state(argilla, dataset_id)
    while time.monotonic() - last_move < quiet_s and time.monotonic() - started < limit_s:
        time.sleep(1.0)
        now = background_state(argilla, dataset_id)
        if now != seen:
            seen, last_move = now, time.monotonic()
    return time.monotonic() - started


def first_similarity_after_restart(argilla: LocalArgilla, dataset_id: str, record_id: str) -> dict:
    """Restart the server (the vector cache of the process is gone) and time its first similarity query."""
    argilla.stop()
    argilla.start()
    path, body = ui_queries(dataset_id, record_id)["similarity top 50"]
    with httpx.Client(
        base_url=argilla.url, headers={"X-Argilla-Api-Key": argilla.api_key}, timeout=180
    ) as http:
        t0 = time.perf_counter()
        http.post(path, json=body).raise_for_status()
        first = time.perf_counter() - t0
        t0 = time.perf_counter()
        http.post(path, json=body).raise_for_status()
        second = time.perf_counter() - t0
    return {"first_s": first, "second_s": second}


@contextmanager
def database_url(database: str) -> Iterator[str | None]:
    """None for SQLite (in the server's home), else a fresh PostgreSQL database, dropped afterwards."""
    if database == "sqlite":
        yield None
        return
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from conftest import postgres_database

    with postgres_database() as url:
        yield url


def served(stack: ExitStack, engine: str, database_url: str | None, credentials: Path | None = None):
    home = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=f"bench-{engine}-")))
    if credentials is not None:  # the same owner and key as the server whose database this one reads
        shutil.copy2(credentials, home / "credentials.json")
    options = ServeOptions(
        home=home, port=processes.free_port(), database_url=database_url, search_engine=engine
    )
    argilla = LocalArgilla(options)
    argilla.start()
    stack.callback(argilla.stop)
    return argilla


def bench_database(database: str, counts: list[int], args, progress: Progress) -> dict:
    import argilla as rg

    out: dict = {"stages": {}}
    with ExitStack() as stack:
        argilla = served(stack, "noop", stack.enter_context(database_url(database)))
        dataset = create_dataset(rg.Argilla(api_url=argilla.url, api_key=argilla.api_key), "bench-noop")
        out["noop_ingest_s"] = ingest(dataset, 0, counts[-1], args.seed, progress, f"{database}/noop: ingest")
    with ExitStack() as stack:
        argilla = served(stack, "sql", stack.enter_context(database_url(database)))
        floor = served(stack, "floor", argilla.database_url, argilla.home / "credentials.json")
        client = rg.Argilla(api_url=argilla.url, api_key=argilla.api_key)
        dataset = create_dataset(client, "bench-sql")
        done, seconds = 0, 0.0
        for count in counts:
            seconds += ingest(
                dataset, done, count, args.seed, progress, f"{database}/sql: ingest to {count:,}"
            )
            done = count
            probe = next(iter(dataset.records(limit=1)))  # similarity "by record" from this one
            record_id = str(probe._server_id)
            waited = settle(argilla, str(dataset.id))
            progress.console.print(f"{database} {count:,}: background writes settled after {waited:.0f} s")
            out.setdefault("settled_s", {})[count] = round(waited, 1)
            out["stages"][count] = time_queries(
                argilla.url, floor.url, argilla.api_key, str(dataset.id), record_id, args.repeat
            )
            for name, cell in out["stages"][count].items():  # as it comes: the table waits for the end
                progress.console.print(
                    f"{database} {count:,} {name}: p95 {cell['engine']['p95']:.1f} ms vs floor "
                    f"{cell['floor']['p95']:.1f} ms ({cell['engine']['p95'] / cell['floor']['p95']:.2f}x), "
                    f"first call {cell['engine_first_ms']:.1f} ms"
                )
        out["sql_ingest_s"] = seconds
        out["restart"] = first_similarity_after_restart(argilla, str(dataset.id), record_id)
    return out


def report(results: dict, counts: list[int], args, console: Console) -> None:
    largest, smallest = counts[-1], counts[0]
    ingest = Table(title=f"SDK ingest of {largest:,} records (384-d vector, 3 metadata, 1 suggestion)")
    for column in ("database", "no-op engine rec/s", "SQL engine rec/s", "SQL / no-op time", "target"):
        ingest.add_column(column)
    queries = Table(title=f"UI queries, {args.repeat} calls each, SQL engine vs floor in the same loop (ms)")
    for column in ("database", "records", "query", "engine p50", "engine p95", "floor p50", "floor p95"):
        queries.add_column(column)
    for column in ("p95 / floor", "target", f"growth {smallest // 1000}k->{largest // 1000}k", "total"):
        queries.add_column(column)
    queries.add_column("first call")
    restart = Table(title="First similarity query after a restart of the SQL engine's server")
    for column in ("database", "first (s)", "second (s)", "target"):
        restart.add_column(column)
    for database, result in results.items():
        cost = result["sql_ingest_s"] / result["noop_ingest_s"]
        ingest.add_row(
            database,
            f"{largest / result['noop_ingest_s']:.0f}",
            f"{largest / result['sql_ingest_s']:.0f}",
            f"{cost:.2f}x",
            f"<= {INGEST_WITHIN}x",
        )
        for count in counts:
            for name, cell in result["stages"][count].items():
                engine, floor = cell["engine"], cell["floor"]
                growth = ""
                if count == largest and len(counts) > 1:
                    growth = f"{engine['p95'] / result['stages'][smallest][name]['engine']['p95']:.2f}x"
                queries.add_row(
                    database,
                    f"{count:,}",
                    name,
                    f"{engine['p50']:.1f}",
                    f"{engine['p95']:.1f}",
                    f"{floor['p50']:.1f}",
                    f"{floor['p95']:.1f}",
                    f"{engine['p95'] / floor['p95']:.2f}x",
                    f"<= {WITHIN_FLOOR[name]}x",
                    growth,
                    str(cell["total"]),
                    f"{cell.get('engine_first_ms', 0):.1f}",
                )
        restart.add_row(
            database,
            f"{result['restart']['first_s']:.2f}",
            f"{result['restart']['second_s']:.2f}",
            f"< {FIRST_SIMILARITY_S}",
        )
    for table in (ingest, queries, restart):
        console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", default="10000,100000", help="counts to time the queries at, ascending")
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    counts = sorted(int(count) for count in args.records.split(","))
    console = Console(record=True, width=150)
    results: dict[str, dict] = {}
    RESULTS.mkdir(exist_ok=True)
    stem = RESULTS / f"search-{time.strftime('%Y%m%d-%H%M%S')}"
    with Progress(console=console, transient=True) as progress:
        for database in args.databases.split(","):
            results[database] = bench_database(database, counts, args, progress)
            # each database's results as soon as they exist: a long run stopped later keeps them
            stem.with_suffix(".json").write_text(
                json.dumps({"args": vars(args), "results": results}, indent=1)
            )
    report(results, counts, args, console)
    console.save_text(str(stem.with_suffix(".txt")))
    console.print(f"saved {stem}.json and {stem}.txt")


if __name__ == "__main__":
    main()
