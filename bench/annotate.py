"""Benchmark of the annotation project's bulk paths against a real local Argilla, run by hand:

    .venv/bin/python bench/annotate.py --corpus ../shared/data/pharmaconer [--export-records 10000]

1. load: `annotate load` of the corpus (sentence records, gold suggestions) vs the same bulk upload done
   with the plain Argilla SDK (the same `rg.Record`s logged into a dataset with the same settings, same
   batch size) in the same run, interleaved (plain, annotate, plain, annotate ... for --repeat rounds);
   records/s and seconds, best of the rounds;
2. export: a dataset of --export-records sentence records (the first documents of the corpus until that
   many records), answered by 3 simulated annotators (`annotate simulate`), then `annotate export` into a
   fresh run folder (agreement, adjudication, views, annotations.parquet): seconds.
Targets: load >= 500 records/s and within 10 % of the plain SDK; export <= 30 s.
The load average is printed: on a shared machine, timings are only comparable within one run.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from annotate.argilla.load import LoadOptions, load  # noqa: E402
from annotate.local import processes  # noqa: E402
from annotate.local.serve import LocalArgilla, ServeOptions  # noqa: E402

console = Console()


def plain_records(options: LoadOptions) -> tuple[list, object]:
    """The `rg.Record`s and settings `annotate load` builds, made with the same functions (not timed)."""
    from annotate.argilla import templates
    from annotate.argilla.load import to_records
    from annotate.argilla.records import drafts
    from annotate.corpus import corpus_labels, has_overlaps, load_corpus

    documents = list(load_corpus(options.corpus, options.format, skip_invalid=True))
    labels = corpus_labels(documents)
    settings = templates.build_settings(
        "ner", labels, overlapping=has_overlaps(documents), min_submitted=options.min_submitted
    )
    prepared = list(drafts(documents, options.segment, options.corpus.name, options.licence))
    return to_records(prepared, options, labels, False), settings


def plain_upload(client, records: list, settings, name: str, batch_size: int) -> float:
    """The baseline: create the dataset and log every record with the Argilla SDK alone."""
    import argilla as rg

    started = time.perf_counter()
    dataset = rg.Dataset(name=name, workspace="bench", settings=settings, client=client).create()
    dataset.records.log(records, batch_size=batch_size)
    return time.perf_counter() - started


def annotate_upload(client, options: LoadOptions) -> tuple[float, int]:
    started = time.perf_counter()
    report = load(options, client)
    return time.perf_counter() - started, report.records


def subset(corpus: Path, records: int, folder: Path) -> Path:
    """The first documents of each split (train, dev, test in turn) until about `records` sentences."""
    from annotate.corpus import load_corpus, segment

    documents = list(load_corpus(corpus, "brat", skip_invalid=True))
    total = 0
    for document in documents:
        if total >= records:
            break
        total += len(segment(document, "sentence"))
        source = corpus / (document.split or "") / f"{document.id}"
        split = folder / (source.parent.name if document.split else "")
        split.mkdir(parents=True, exist_ok=True)
        for suffix in (".txt", ".ann"):
            shutil.copy(source.with_suffix(suffix), split / f"{document.id}{suffix}")
    return folder


def load_rows(client, corpus: Path, work: Path, repeat: int, batch_size: int) -> list[tuple]:
    base = LoadOptions(
        corpus=corpus,
        dataset="x",
        workspace="bench",
        suggestions="gold",
        batch_size=batch_size,
        skip_invalid=True,
    )
    records, settings = plain_records(base)
    plain, ours = [], []
    for round_ in range(repeat):
        plain.append(plain_upload(client, records, settings, f"sdk-{round_}", batch_size))
        options = dataclasses.replace(base, dataset=f"annotate-{round_}", run=work / f"r{round_}")
        seconds, count = annotate_upload(client, options)
        assert count == len(records), (count, len(records))
        ours.append(seconds)
    best_plain, best_ours = min(plain), min(ours)
    ratio = f"{best_plain / best_ours:.2f}x"
    return [
        ("plain SDK (baseline)", len(records), best_plain, len(records) / best_plain, "1.00x"),
        ("annotate load", len(records), best_ours, len(records) / best_ours, ratio),
    ]


def export_row(client, corpus: Path, work: Path, records: int) -> tuple:
    from annotate.argilla.export import export
    from annotate.argilla.simulate import simulate
    from runfolder import RunFolder

    small = subset(corpus, records, work / "subset")
    options = LoadOptions(
        corpus=small,
        dataset="export",
        workspace="bench",
        suggestions="gold",
        run=work / "ex",
        skip_invalid=True,
    )
    report = load(options, client)
    dataset = client.datasets(name="export", workspace="bench")
    started = time.perf_counter()
    simulate(client, dataset, 3, 0.1, 13)
    simulated = time.perf_counter() - started
    started = time.perf_counter()
    exported = export(client, dataset, RunFolder(work / "ex"))
    seconds = time.perf_counter() - started
    console.print(f"simulate 3 annotators x {report.records} records: {simulated:.1f} s")
    return (
        f"annotate export ({exported.responses} answers)",
        report.records,
        seconds,
        report.records / seconds,
        "",
    )


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--corpus", type=Path, default=Path("../shared/data/pharmaconer"))
    parser.add_argument("--export-records", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=500)
    args = parser.parse_args()
    console.print(f"load average {os.getloadavg()}, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="bench-annotate-") as tmp:
        work = Path(tmp)
        with LocalArgilla(ServeOptions(home=work / "argilla", port=processes.free_port())) as argilla:
            import argilla as rg

            client = rg.Argilla(api_url=argilla.url, api_key=argilla.api_key)
            rg.Workspace(name="bench", client=client).create()
            rows = load_rows(client, args.corpus.resolve(), work, args.repeat, args.batch_size)
            rows.append(export_row(client, args.corpus.resolve(), work, args.export_records))
    table = Table(title=f"bulk paths on a local Argilla (SQLite, SQL search engine), {args.corpus.name}")
    for column in ("path", "records", "seconds", "records/s", "vs plain SDK"):
        table.add_column(column)
    for name, records, seconds, rate, ratio in rows:
        table.add_row(name, f"{records:,}", f"{seconds:.1f}", f"{rate:,.0f}", ratio)
    console.print(table)
    console.print(f"load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
