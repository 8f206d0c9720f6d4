"""Benchmark of the SQL search engine inside a real local Argilla, run by hand:

    .venv/bin/python bench/search.py --records 100000 --databases sqlite,postgres

For each database: ingest N records through the `argilla` SDK once with the no-op engine (the baseline:
what Argilla costs without any index) and once with the SQL engine, then time the queries the UI makes
(p50/p95 over --repeat calls, through the REST API as the UI sends them). Records: ~300 characters of
Spanish clinical text, 3 metadata properties, a 384-dimension vector, one suggestion each.
Targets at 100k on 2 cores: ingest cost <= 25 % over no-op; pending page and filters <= 100 ms p95;
text and similarity <= 250 ms p95.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.progress import Progress  # noqa: E402
from rich.table import Table  # noqa: E402

from annotate.local import processes  # noqa: E402
from annotate.local.serve import LocalArgilla, ServeOptions  # noqa: E402

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
PENDING = {"type": "terms", "scope": {"entity": "response", "property": "status"}, "values": ["pending"]}


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


def make_records(start: int, count: int, seed: int) -> list[dict]:
    rng = random.Random(seed + start)
    rows = []
    for i in range(start, start + count):
        rows.append(
            {
                "id": f"r{i}",
                "text": make_text(rng),
                "servicio": rng.choice(SERVICIOS),
                "edad": rng.randint(0, 99),
                "puntuacion": rng.random(),
                "emb": [rng.gauss(0, 1) for _ in range(384)],
                "relevante": rng.choice(["si", "no"]),
            }
        )
    return rows


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
    workspace = client.workspaces("bench") or rg.Workspace(name="bench", client=client).create()
    return rg.Dataset(name=name, workspace=workspace, settings=settings, client=client).create()


def ingest(dataset, total: int, seed: int, progress: Progress, label: str) -> float:
    """Seconds to log `total` records through the SDK (record generation excluded)."""
    task = progress.add_task(label, total=total)
    elapsed, chunk = 0.0, 2000
    for start in range(0, total, chunk):
        rows = make_records(start, min(chunk, total - start), seed)
        t0 = time.perf_counter()
        dataset.records.log(rows, batch_size=500)
        elapsed += time.perf_counter() - t0
        progress.advance(task, len(rows))
    return elapsed


def ui_queries(dataset_id: str) -> dict[str, tuple[str, dict]]:
    me = f"/api/v1/me/datasets/{dataset_id}/records/search?include=responses&include=suggestions"
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
                            "scope": {"entity": "metadata", "metadata_property": "servicio"},
                            "values": ["cardiologia", "pediatria"],
                        },
                        {
                            "type": "range",
                            "scope": {"entity": "metadata", "metadata_property": "edad"},
                            "ge": 40,
                            "le": 70,
                        },
                    ]
                },
                "sort": [
                    {"scope": {"entity": "metadata", "metadata_property": "puntuacion"}, "order": "desc"}
                ],
            },
        ),
        "similarity top 50": (
            f"{me}&offset=0&limit=50",
            {"query": {"vector": {"name": "emb", "record_id": None}}},
        ),
    }


def time_queries(url: str, api_key: str, dataset_id: str, record_id: str, repeat: int) -> dict[str, tuple]:
    results = {}
    with httpx.Client(base_url=url, headers={"X-Argilla-Api-Key": api_key}, timeout=180) as http:
        for name, (path, body) in ui_queries(dataset_id).items():
            if "vector" in body.get("query", {}):
                body["query"]["vector"]["record_id"] = record_id
            samples, total = [], None
            for i in range(repeat + 2):
                t0 = time.perf_counter()
                response = http.post(path, json=body)
                ms = (time.perf_counter() - t0) * 1000
                response.raise_for_status()
                total = response.json()["total"]
                if i >= 2:  # two warm-up calls
                    samples.append(ms)
            q = statistics.quantiles(samples, n=20)
            results[name] = (statistics.median(samples), q[18], total)
    return results


def run(database: str, engine: str, args, stack: ExitStack, progress: Progress) -> dict:
    home = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=f"bench-{database}-{engine}-")))
    database_url = None
    if database == "postgres":
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
        from conftest import postgres_database  # a fresh database, dropped afterwards

        database_url = stack.enter_context(postgres_database())
    options = ServeOptions(
        home=home, port=processes.free_port(), database_url=database_url, search_engine=engine
    )
    with LocalArgilla(options) as argilla:
        import argilla as rg

        client = rg.Argilla(api_url=argilla.url, api_key=argilla.api_key)
        dataset = create_dataset(client, f"bench-{engine}")
        seconds = ingest(dataset, args.records, args.seed, progress, f"{database}/{engine}: ingest")
        out = {"ingest_s": seconds, "rate": args.records / seconds}
        if engine == "sql":
            probe = next(iter(dataset.records(limit=1)))  # similarity "by record" from this one
            out["queries"] = time_queries(
                argilla.url, argilla.api_key, str(dataset.id), str(probe._server_id), args.repeat
            )
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    console = Console()
    results: dict[str, dict] = {}
    with Progress(console=console) as progress:
        for database in args.databases.split(","):
            for engine in ("noop", "sql"):
                with ExitStack() as stack:
                    results[f"{database}/{engine}"] = run(database, engine, args, stack, progress)
    ingest_table = Table(
        title=f"SDK ingest of {args.records:,} records (384-d vector, 3 metadata, 1 suggestion)"
    )
    for column in ("database", "no-op engine rec/s", "SQL engine rec/s", "SQL engine cost", "target"):
        ingest_table.add_column(column)
    query_table = Table(title=f"UI queries at {args.records:,} records, {args.repeat} calls each (ms)")
    for column in ("database", "query", "p50", "p95", "total", "target p95"):
        query_table.add_column(column)
    for database in args.databases.split(","):
        noop, sql = results[f"{database}/noop"], results[f"{database}/sql"]
        cost = noop["rate"] / sql["rate"] - 1
        ingest_table.add_row(database, f"{noop['rate']:.0f}", f"{sql['rate']:.0f}", f"{cost:+.1%}", "<= +25%")
        for name, (p50, p95, total) in sql["queries"].items():
            target = 250 if name in ("text query", "similarity top 50") else 100
            query_table.add_row(database, name, f"{p50:.1f}", f"{p95:.1f}", str(total), f"<= {target}")
    console.print(ingest_table)
    console.print(query_table)


if __name__ == "__main__":
    main()
