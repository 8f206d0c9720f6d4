"""Benchmark of the demo, run by hand:

    .venv/bin/python bench/demo.py --size base --repeat 30 --clients 8

One model, four ways, in the same run: a bare transformers `pipeline("token-classification",
aggregation_strategy="first", stride=...)`; the demo's own windowed `Tagger` (what the app calls); the
built Space (`python app.py` in a subprocess) through Gradio's queue over plain HTTP
(`/gradio_api/call/analyze`: join, then read the event stream), which is what the app costs; and the same
through `gradio_client`, which adds its own client-side overhead. Latency p50/p95 of one prediction for
a 100-word and a 500-word text (sequential calls after a warm-up, the ways interleaved so that a busy
machine slows them all alike), then throughput for the 100-word text: N concurrent clients through the
queue, next to the pipeline and the Tagger called in a loop.
Models: `tiny` (the tests' 2-layer model, 64-token window) or `base` (the same tokenizer under a randomly
initialised BERT-base: 12 layers, 768 hidden, 512-token window, for realistic CPU latency).
Target: the app adds <= 20 % to the pipeline's latency.

With `--instruction-run RUN` (a run folder with models/instruction, e.g. from `make quickstart`), also the
latency of one answer of the instruction tab's `Instructor` (prompt, greedy decoding, `max_new_tokens` of
training.json) on the run's example instructions, next to a bare `model.generate` on the same prompt ids
(the floor), interleaved: p50/p95 and the tokens generated.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the tests' run-folder factory

import httpx  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402
from run_factory import SAMPLE, cached_tiny_run  # noqa: E402

from annotate.local import processes  # noqa: E402
from demo.space import build_space  # noqa: E402
from runfolder import RunFolder  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def base_model(run: RunFolder) -> None:
    """Replace the tiny run's model by a BERT-base-sized one (random weights, same tokenizer and labels)."""
    from transformers import AutoConfig, AutoTokenizer, BertConfig, BertForTokenClassification

    folder = run.model("ner")
    tiny = AutoConfig.from_pretrained(folder)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    tokenizer.model_max_length = 512
    config = BertConfig(vocab_size=tiny.vocab_size, id2label=tiny.id2label, label2id=tiny.label2id)
    model = BertForTokenClassification(config)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)


def make_run(size: str, root: Path) -> RunFolder:
    tiny = cached_tiny_run(root / "tiny")
    if size == "tiny":
        return tiny
    shutil.copytree(tiny.path, root / size, dirs_exist_ok=True)
    run = RunFolder(root / size)
    base_model(run)
    return run


def make_text(words: int) -> str:
    """`words` words of the sample corpus's Spanish text, cycled."""
    corpus = " ".join(p.read_text(encoding="utf-8").strip() for p in sorted(SAMPLE.rglob("*.txt"))).split()
    return " ".join(itertools.islice(itertools.cycle(corpus), words))


def latencies(ways: dict[str, Callable[[str], object]], text: str, repeat: int) -> dict[str, list[float]]:
    """Seconds per call of each way, interleaved (way A, B, C, A, B, C, ...) so that all see the same load."""
    for call in ways.values():
        call(text)  # warm-up
    out: dict[str, list[float]] = {way: [] for way in ways}
    for _ in range(repeat):
        for way, call in ways.items():
            start = time.perf_counter()
            call(text)
            out[way].append(time.perf_counter() - start)
    return out


def p50_p95(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def start_space(run: RunFolder, root: Path, concurrency: int, threads: int) -> tuple[subprocess.Popen, str]:
    """The built Space in a subprocess (cwd = the Space, no project on the path), and its URL."""
    space = build_space(run, root / f"space-{run.path.name}")
    config = json.loads((space / "demo.json").read_text(encoding="utf-8"))
    (space / "demo.json").write_text(json.dumps({**config, "concurrency": concurrency}), encoding="utf-8")
    port = processes.free_port()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(root),
        "HF_HUB_OFFLINE": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "GRADIO_SERVER_PORT": str(port),
        "OMP_NUM_THREADS": str(threads),
    }
    log = (root / "space.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "app.py"], cwd=space, env=env, stdout=log, stderr=log, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        if process.poll() is not None:
            raise RuntimeError(f"the Space died: see {root / 'space.log'}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.5)
    raise RuntimeError(f"the Space did not start: see {root / 'space.log'}")


def http_caller(url: str) -> Callable[[str], object]:
    """One prediction through the queue over plain HTTP (POST /call/analyze, then its event stream)."""
    http = httpx.Client(base_url=url, timeout=120)

    def call(text: str) -> str:
        event = http.post("/gradio_api/call/analyze", json={"data": [text]}).json()["event_id"]
        with http.stream("GET", f"/gradio_api/call/analyze/{event}") as stream:
            body = "".join(stream.iter_text())
        if "event: complete" not in body:
            raise RuntimeError(f"the app failed: {body[:300]}")
        return body

    return call


def client_caller(url: str) -> Callable[[str], object]:
    """One prediction through gradio_client (one client, i.e. one session, per simulated user)."""
    from gradio_client import Client

    client = Client(url, verbose=False)
    return lambda text: client.predict(text, api_name="/analyze")


def throughput(
    call_factory: Callable[[], Callable[[str], object]], text: str, clients: int, each: int
) -> float:
    """Requests per second with `clients` threads, each making `each` calls through its own caller."""
    callers = [call_factory() for _ in range(clients)]
    for caller in callers:
        caller(text)  # connect and warm up

    def work(caller: Callable[[str], object]) -> None:
        for _ in range(each):
            caller(text)

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(work, callers))
    return clients * each / (time.perf_counter() - start)


def measure(run: RunFolder, root: Path, args: argparse.Namespace) -> dict[str, dict[str, float]]:
    import torch
    from transformers import pipeline

    from demo.runtime.predict import Tagger

    torch.set_num_threads(args.threads)  # the Space gets OMP_NUM_THREADS: the same compute on both sides

    tagger = Tagger.from_pretrained(str(run.model("ner")))
    pipe = pipeline(
        "token-classification",
        model=str(run.model("ner")),
        aggregation_strategy="first",
        stride=tagger.stride,
        device="cpu",
    )
    texts = {f"{n} words": make_text(n) for n in (100, 500)}
    process, url = start_space(run, root, args.concurrency, args.threads)
    try:
        ways = {
            "pipeline": pipe,
            "Tagger": tagger,
            "app (HTTP, queue)": http_caller(url),
            "app (gradio_client)": client_caller(url),
        }
        rows: dict[str, dict[str, float]] = {way: {} for way in ways}
        for label, text in texts.items():
            for way, samples in latencies(ways, text, args.repeat).items():
                rows[way][f"{label} p50"], rows[way][f"{label} p95"] = p50_p95(samples)
        text, total = texts["100 words"], args.requests * args.clients
        rows["pipeline"]["req/s"] = throughput(lambda: pipe, text, 1, total)
        rows["Tagger"]["req/s"] = throughput(lambda: tagger, text, 1, total)
        rows["app (HTTP, queue)"]["req/s"] = throughput(
            lambda: http_caller(url), text, args.clients, args.requests
        )
        rows["app (gradio_client)"]["req/s"] = throughput(
            lambda: client_caller(url), text, args.clients, args.requests
        )
        return rows
    finally:
        os.killpg(process.pid, 15)
        process.wait(30)


def instruction_latency(run: RunFolder, repeat: int, threads: int) -> Table:
    """One answer of the instruction tab (`Instructor`) vs a bare greedy `generate`, same prompts."""
    import torch

    from demo.run_config import instruction_config
    from demo.runtime.instruct import Instructor

    torch.set_num_threads(threads)
    config = instruction_config(run)
    instructor = Instructor.from_config(config, run.path)
    tokenizer, model = instructor.loaded()
    examples = [(e[0], e[1]) for e in config.examples[:3]] or [("Resuma el texto.", SAMPLE)]

    def bare(instruction: str, text: str) -> int:
        ids = torch.tensor([instructor.prompt(instruction, text)])
        with torch.inference_mode():
            out = model.generate(
                input_ids=ids,
                attention_mask=torch.ones_like(ids),
                max_new_tokens=config.max_new_tokens,
                do_sample=False,
                pad_token_id=tokenizer.pad_token_id,
            )
        return out.shape[1] - ids.shape[1]

    table = Table(
        title=f"instruction tab: one answer ({config.max_new_tokens} new tokens at most, {threads} thread(s))"
    )
    for column in ("example", "way", "p50 (ms)", "p95 (ms)", "tokens", "vs generate"):
        table.add_column(column)
    for n, (instruction, text) in enumerate(examples, 1):
        instructor(instruction, text), bare(instruction, text)  # warm-up
        times: dict[str, list[float]] = {"generate": [], "Instructor": []}
        for _ in range(repeat):
            for way, call in (("generate", bare), ("Instructor", instructor)):
                started = time.perf_counter()
                call(instruction, text)
                times[way].append(time.perf_counter() - started)
        tokens = bare(instruction, text)
        floor = p50_p95(times["generate"])[0]
        for way, samples in times.items():
            p50, p95 = p50_p95(samples)
            table.add_row(
                str(n), way, f"{p50 * 1000:.0f}", f"{p95 * 1000:.0f}", str(tokens), f"{p50 / floor:.2f}x"
            )
    return table


def report(rows: dict[str, dict[str, float]], args: argparse.Namespace) -> Table:
    table = Table(
        title=f"demo benchmark: {args.size} model, {os.cpu_count()} CPUs, {args.repeat} calls/text, "
        f"{args.clients} clients x {args.requests} requests, concurrency {args.concurrency}, "
        f"{args.threads} torch thread(s)"
    )
    columns = ["100 words p50", "100 words p95", "500 words p50", "500 words p95"]
    table.add_column("")
    for column in columns:
        table.add_column(f"{column} (ms)", justify="right")
    table.add_column("req/s (100 words)", justify="right")
    table.add_column("p50 vs pipeline", justify="right")
    base = rows["pipeline"]
    for way, values in rows.items():
        ratios = [values[c] / base[c] for c in ("100 words p50", "500 words p50")]
        rate = values.get("req/s")
        table.add_row(
            way,
            *[f"{values[c] * 1000:.1f}" for c in columns],
            f"{rate:.1f}" if rate else "",
            " / ".join(f"{r:.2f}x" for r in ratios),
        )
    return table


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", choices=["tiny", "base"], default="base")
    parser.add_argument("--repeat", type=int, default=30, help="calls per text and way (after one warm-up)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients for the throughput")
    parser.add_argument("--requests", type=int, default=5, help="requests per client")
    parser.add_argument("--concurrency", type=int, default=1, help="the app's concurrency (demo.json)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads, here and in the Space")
    parser.add_argument("--instruction-run", type=Path, help="also time the instruction tab of this run")
    parser.add_argument("--instruction-repeat", type=int, default=5, help="answers per example and way")
    parser.add_argument("--skip-ner", action="store_true", help="only the instruction tab")
    args = parser.parse_args()
    console = Console()
    if args.instruction_run:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        console.print(
            instruction_latency(RunFolder(args.instruction_run), args.instruction_repeat, args.threads)
        )
        if args.skip_ner:
            return
    status = console.status(f"building the {args.size} model and its Space, then measuring ...")
    with tempfile.TemporaryDirectory(prefix="bench-demo-") as tmp, status:
        rows = measure(make_run(args.size, Path(tmp)), Path(tmp), args)
    console.print(report(rows, args))
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"demo-{args.size}.json"
    out.write_text(json.dumps({"args": vars(args), "results": rows}, indent=2) + "\n", encoding="utf-8")
    console.print(f"written to {out}")


if __name__ == "__main__":
    main()
