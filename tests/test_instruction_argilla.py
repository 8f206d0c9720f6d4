"""Instruction review through a real local Argilla: load a BioInstruct-style file, answer as two reviewers
(correct, rate, discard), export: corrected answers win, discards are dropped and counted, ratings get an
agreement. A bad file creates nothing on the server. Uses the `sqlite_argilla` server of conftest.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from annotate.argilla import templates
from runfolder import RunFolder

ROOT = Path(__file__).resolve().parents[1]
RECORDS = [
    {"id": "a1", "instruction": "Resuma.", "input": "Varón con gota.", "output": "Gota.", "split": "train"},
    {"id": "a2", "instruction": "Traduzca.", "input": "Fever.", "output": "Fiebre.", "split": "train"},
    {
        "id": "a3",
        "instruction": "¿Qué es la metformina?",
        "input": "",
        "output": "Un antidiabético.",
        "split": "test",
    },
    {"id": "a4", "instruction": "Resuma.", "input": "Mujer con asma.", "output": "Asma.", "split": "test"},
    {"id": "a5", "instruction": "Resuma.", "input": "Niño con otitis.", "output": "Otitis.", "split": "dev"},
]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client(sqlite_argilla):
    os.environ["ARGILLA_API_URL"], os.environ["ARGILLA_API_KEY"] = sqlite_argilla.url, sqlite_argilla.api_key
    from annotate.argilla.client import connect

    return connect()


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "annotate", *args],
        cwd=ROOT,
        env=os.environ,
        capture_output=True,
        text=True,
        timeout=600,
    )


def review(client, dataset) -> None:
    """ana and beto answer: a1 corrected by ana, a2 submitted vs discarded (a tie: dropped), a3 kept as is,
    a4 discarded, a5 left for later."""
    import argilla as rg

    from annotate.argilla.simulate import annotators

    ana, beto = annotators(client, dataset.workspace, 2)
    plan = {
        "a1": [(ana, "submitted", "Gota (hiperuricemia).", 4), (beto, "submitted", None, 5)],
        "a2": [(ana, "submitted", None, 2), (beto, "discarded", None, 1)],
        "a3": [(ana, "submitted", None, 4), (beto, "submitted", None, 4)],
        "a4": [(ana, "discarded", None, 1)],
    }
    records = list(dataset.records(with_responses=True))
    for record in records:
        for user, status, corrected, rating in plan.get(str(record.id), []):
            record.responses.add(
                rg.Response(templates.RATING_QUESTION, rating, user_id=user.id, status=status)
            )
            if corrected:
                record.responses.add(
                    rg.Response(templates.CORRECTED_QUESTION, corrected, user_id=user.id, status=status)
                )
    dataset.records.log(records)


def test_load_review_export_round_trip(client, tmp_path: Path) -> None:
    from datasets import load_from_disk

    corpus = tmp_path / "bioinstruct.jsonl"
    corpus.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in RECORDS), encoding="utf-8")
    run = tmp_path / "run"
    done = cli(
        "load",
        "--task",
        "instruction",
        "--corpus",
        str(corpus),
        "--dataset",
        "revision",
        "--run",
        str(run),
        "--licence",
        "CC-BY-4.0",
        "--country",
        "ES",
    )
    assert done.returncode == 0, done.stderr
    dataset = client.datasets("revision")
    records = {str(r.id): r for r in dataset.records(with_suggestions=True)}
    assert set(records) == {"a1", "a2", "a3", "a4", "a5"}
    assert "input" not in records["a3"].fields or not records["a3"].fields["input"]
    assert records["a1"].suggestions[templates.CORRECTED_QUESTION].value == "Gota."
    assert (records["a1"].metadata["pais"], records["a1"].metadata["licencia"]) == ("ES", "CC-BY-4.0")
    review(client, dataset)

    done = cli("export", "--dataset", "revision", "--run", str(run))
    assert done.returncode == 0, done.stderr
    data = load_from_disk(str(RunFolder(run).dataset_view("instruction")))
    kept = {row["id"]: row | {"split": split} for split in data for row in data[split]}
    assert set(kept) == {"a1", "a3"}
    assert kept["a1"]["output"] == "Gota (hiperuricemia)." and kept["a1"]["calidad"] == pytest.approx(4.5)
    assert kept["a3"]["output"] == "Un antidiabético." and kept["a3"]["split"] == "test"
    assert (kept["a1"]["tarea"], kept["a1"]["idioma"], kept["a1"]["pais"]) == ("instruccion", "es", "ES")
    info = json.loads((run / "run.json").read_text())
    assert info["task"] == "instruction"
    assert info["export"]["review"] == {"kept": 2, "discarded": 2, "pending": 1, "corrected": 1}
    agreement = json.loads((run / "agreement.json").read_text())
    quality = agreement["questions"][templates.RATING_QUESTION]
    assert quality["kind"] == "rating" and quality["counts"]["records_with_2_or_more_annotators"] == 2
    assert quality["overall"]["percent_agreement"]["value"] == pytest.approx(0.5)  # a1 4 vs 5, a3 4 vs 4
    import pandas as pd

    frame = pd.read_parquet(run / "annotations.parquet")
    assert set(frame.columns) >= {
        "record_id",
        "document_id",
        "split",
        "question",
        "annotator",
        "value",
        "status",
    }
    assert set(frame[frame.record_id == "a4"].status) == {"discarded"}
    assert len(frame[(frame.record_id == "a1") & (frame.question == templates.CORRECTED_QUESTION)]) == 1


def test_a_bad_file_creates_nothing_on_the_server(client, tmp_path: Path) -> None:
    bad = tmp_path / "malo.jsonl"
    bad.write_text(json.dumps(RECORDS[0]) + "\n" + json.dumps({"instruction": "x", "output": "y"}) + "\n")
    done = cli(
        "load", "--task", "instruction", "--corpus", str(bad), "--dataset", "mala", "--run", str(tmp_path)
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f'{bad}:2: no "input" column' in done.stderr
    assert client.datasets("mala") is None
