"""The annotation stage against a real local Argilla: load -> simulate -> export, adjudication, bad input.

Uses the `sqlite_argilla` server of conftest.py (one per session).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from annotate.corpus import load_corpus
from annotate.local import processes
from runfolder import RunFolder

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "annotate" / "sample" / "brat"
PHARMACONER = ROOT.parent / "shared" / "data" / "pharmaconer"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(sqlite_argilla):
    os.environ["ARGILLA_API_URL"], os.environ["ARGILLA_API_KEY"] = sqlite_argilla.url, sqlite_argilla.api_key
    return sqlite_argilla


@pytest.fixture(scope="module")
def client(server):
    from annotate.argilla.client import connect

    return connect()


def cli(server, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environ = {**os.environ, "ARGILLA_API_URL": server.url, "ARGILLA_API_KEY": server.api_key, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "annotate", *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=600,
    )


def load(client, corpus: Path, dataset: str, tmp: Path, **options):
    from annotate.argilla.load import LoadOptions
    from annotate.argilla.load import load as run_load

    return run_load(LoadOptions(corpus=corpus, dataset=dataset, run=tmp / "run", **options), client)


def export_run(client, dataset: str, run: Path):
    from annotate.argilla.client import dataset as find
    from annotate.argilla.export import export

    return export(client, find(client, dataset, None), RunFolder(run))


def simulate(client, dataset: str, noise: float, seed: int = 7, annotators: int = 3):
    from annotate.argilla.client import dataset as find
    from annotate.argilla.simulate import simulate as run

    return run(client, find(client, dataset, None), annotators, noise, seed)


def entities_by_doc(run: Path) -> dict[str, list[tuple]]:
    from datasets import load_from_disk

    kb = load_from_disk(str(RunFolder(run).dataset_view("bigbio_kb")))
    return {
        row["document_id"]: sorted((e["type"], *map(tuple, e["offsets"])) for e in row["entities"])
        for split in kb.values()
        for row in split
    }


def corpus_entities(path: Path) -> dict[str, list[tuple]]:
    return {
        d.id: sorted((e.label, *[(s.start, s.end) for s in e.offsets]) for e in d.entities)
        for d in load_corpus(path, "brat", skip_invalid=True)
    }


@pytest.mark.skipif(not PHARMACONER.exists(), reason="../shared/data/pharmaconer is not beside the project")
def test_pharmaconer_round_trip_without_noise(client, tmp_path: Path) -> None:
    report = load(
        client,
        PHARMACONER,
        "pharmaconer",
        tmp_path,
        format="brat",
        suggestions="gold",
        segment="none",
        skip_invalid=True,
        licence="CC-BY-4.0",
        notes_db="SNOMED-CT",
    )
    assert (report.documents, report.records, report.problems) == (1000, 1000, 5)
    assert len((tmp_path / "run" / "import_problems.jsonl").read_text().splitlines()) == 5
    simulate(client, "pharmaconer", noise=0.0)
    run = tmp_path / "export"
    exported = export_run(client, "pharmaconer", run)
    assert (exported.documents, exported.documents_pending, exported.review_items) == (1000, 0, 0)
    assert exported.splits == {"train": 500, "validation": 250, "test": 250}
    assert entities_by_doc(run) == corpus_entities(PHARMACONER)
    overall = json.loads((run / "agreement.json").read_text())["questions"]["entidades"]["overall"]
    for metric in ("f1", "token_cohen_kappa", "token_fleiss_kappa", "alpha_u"):
        assert overall[metric]["value"] == pytest.approx(1.0), metric


def test_sentence_records_reassemble_documents_and_noise_is_seeded(client, tmp_path: Path) -> None:
    load(client, SAMPLE, "muestra-a", tmp_path, suggestions="gold", segment="sentence")
    load(client, SAMPLE, "muestra-b", tmp_path, suggestions="gold", segment="sentence")
    assert simulate(client, "muestra-a", noise=0.3, seed=5).changed_spans > 0
    simulate(client, "muestra-b", noise=0.3, seed=5)
    a = export_run(client, "muestra-a", tmp_path / "a")
    export_run(client, "muestra-b", tmp_path / "b")
    agreement_a = json.loads((tmp_path / "a" / "agreement.json").read_text())["questions"]["entidades"]
    agreement_b = json.loads((tmp_path / "b" / "agreement.json").read_text())["questions"]["entidades"]
    assert agreement_a == agreement_b, "the same seed must give the same answers"
    assert agreement_a["overall"]["f1"]["value"] < 1.0
    assert a.review_items > 0 and a.documents == 30
    from datasets import load_from_disk

    texts = {d.id: d.text for d in load_corpus(SAMPLE, "brat")}
    kb = load_from_disk(str(tmp_path / "a" / "dataset" / "bigbio_kb"))
    for row in (r for split in kb.values() for r in split):
        assert row["passages"][0]["text"][0] == texts[row["document_id"]]
        for entity in row["entities"]:
            assert [texts[row["document_id"]][s:e] for s, e in entity["offsets"]] == entity["text"]


def test_sentence_records_show_their_context_and_export_ignores_it(client, tmp_path: Path) -> None:
    load(client, SAMPLE, "contexto", tmp_path, suggestions="gold", segment="sentence")
    dataset = client.datasets("contexto")
    assert [f.name for f in dataset.settings.fields] == ["text", "contexto"]
    assert dataset.settings.questions["entidades"].field == "text"
    records = {str(r.id): r for r in dataset.records(with_suggestions=True)}
    texts = {d.id: d.text for d in load_corpus(SAMPLE, "brat")}
    several = [r for r in records.values() if f"{r.metadata['documento']}#1" in records]
    assert several, "the sample has documents of several sentences"
    for record in several:
        text, context = record.fields["text"], record.fields["contexto"]
        assert f"**{text.split()[0]}" in context.replace("\\", "")
        start = record.metadata["_offset"]
        assert texts[record.metadata["documento"]][start : start + len(text)] == text
        for suggestion in record.suggestions:  # suggestions stay on the sentence
            assert all(span["end"] <= len(text) for span in suggestion.value)
    simulate(client, "contexto", noise=0.0)
    export_run(client, "contexto", tmp_path / "export")
    assert entities_by_doc(tmp_path / "export") == corpus_entities(SAMPLE)


def test_a_curated_answer_wins_at_export(client, tmp_path: Path) -> None:
    import argilla as rg

    from annotate.argilla.curation import build_curation

    load(client, SAMPLE, "curada", tmp_path, suggestions="gold", segment="sentence")
    simulate(client, "curada", noise=0.5, seed=3)
    report = build_curation(client, client.datasets("curada"))
    assert report.records > 0 and report.dataset == "curada-curacion"
    assert report.workspace == client.datasets("curada").workspace.name + "-curacion"  # apart
    curation = client.datasets("curada-curacion", workspace=report.workspace)
    record = next(iter(curation.records(with_suggestions=True)))
    annotator_questions = [q.name for q in curation.settings.questions if q.name.startswith("anotador_")]
    assert annotator_questions == [
        "anotador_sim_anotador_1",
        "anotador_sim_anotador_2",
        "anotador_sim_anotador_3",
    ]
    decision = [{"start": 0, "end": len(record.fields["text"].split()[0]), "label": "PROTEINA"}]
    record.responses.add(rg.Response("entidades", decision, user_id=client.me.id, status="submitted"))
    curation.records.log([record])
    exported = export_run(client, "curada", tmp_path / "run-curada")
    assert exported.curated == 1
    decided = json.loads((tmp_path / "run-curada" / "agreement.json").read_text())["adjudication"]
    assert decided["curated"] == 1 and decided["decided_by"]["curator"] == 1
    doc_id, index = str(record.id).split("#")
    offset = client.datasets("curada").records  # the record's offset in its document
    source = next(r for r in offset(with_responses=False) if str(r.id) == str(record.id))
    start = source.metadata["_offset"]
    assert ("PROTEINA", (start, start + decision[0]["end"])) in entities_by_doc(tmp_path / "run-curada")[
        doc_id
    ]


# -- bad input: a clear one-line error, and nothing half-made ------------------------------------------


def broken_corpus(tmp: Path, kind: str) -> Path:
    corpus = tmp / kind
    shutil.copytree(SAMPLE, corpus)
    ann = corpus / "train" / "sintetico-train-01.ann"
    if kind == "missing-txt":
        (corpus / "train" / "sintetico-train-01.txt").unlink()
    elif kind == "past-end":
        ann.write_text(
            ann.read_text(encoding="utf-8") + "T9\tFARMACO 900 910\tmetformina\n", encoding="utf-8"
        )
    elif kind == "wrong-surface":
        ann.write_text("T1\tFARMACO 55 65\tinsulina\n", encoding="utf-8")
    elif kind == "not-utf8":
        (corpus / "train" / "sintetico-train-02.txt").write_bytes(
            "Varón tratado con insulina".encode("latin-1")
        )
    elif kind == "empty":
        (corpus / "train" / "sintetico-train-03.txt").write_text("", encoding="utf-8")
    return corpus


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("missing-txt", "sintetico-train-01"),
        ("past-end", "sintetico-train-01.ann:"),
        ("wrong-surface", 'says "insulina"'),
        ("not-utf8", "sintetico-train-02.txt"),
        ("empty", "sintetico-train-03.txt"),
    ],
)
def test_bad_corpus_stops_and_creates_nothing(
    server, client, tmp_path: Path, kind: str, message: str
) -> None:
    before = sorted(d.name for d in client.datasets)
    result = cli(
        server,
        "load",
        "--corpus",
        str(broken_corpus(tmp_path, kind)),
        "--format",
        "brat",
        "--dataset",
        f"roto-{kind}",
        "--run",
        str(tmp_path / "run"),
    )
    assert result.returncode == 1, result.stderr
    assert (
        result.stderr.startswith("error: ") and message in result.stderr and "Traceback" not in result.stderr
    )
    assert sorted(d.name for d in client.datasets) == before
    assert not (tmp_path / "run").exists()


def test_unreachable_server_is_one_line(server, tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{processes.free_port()}"
    result = cli(server, "load", "--corpus", str(SAMPLE), "--dataset", "x", env={"ARGILLA_API_URL": url})
    assert result.returncode == 1
    assert (
        result.stderr.strip() == f"error: cannot reach Argilla at {url} (ConnectError); start one with "
        "`python -m annotate serve` and export the two lines it prints"
    )


def test_a_request_argilla_refuses_is_one_line(server, client, tmp_path: Path) -> None:
    """An annotator's key may not create datasets: the server's 403 (raised by the SDK) ends as one line
    naming the server, what the command was doing and what to do; nothing is created."""
    import argilla as rg
    import httpx

    from annotate.argilla.client import workspace

    ws = workspace(client, "rechazo")
    user = (
        client.users("sin.permiso")
        or rg.User(
            username="sin.permiso", password="clave-de-prueba-1", role="annotator", client=client
        ).create()
    )
    if "sin.permiso" not in {u.username for u in ws.users}:
        ws.add_user(user)
    users = httpx.get(
        f"{server.url}/api/v1/users", headers={"X-Argilla-Api-Key": server.api_key}, timeout=30
    ).json()["items"]
    key = next(u["api_key"] for u in users if u["username"] == "sin.permiso")
    result = cli(
        server,
        *("load", "--corpus", str(SAMPLE), "--dataset", "sin-permiso", "--workspace", "rechazo"),
        *("--run", str(tmp_path / "run")),
        env={"ARGILLA_API_KEY": key},
    )
    assert result.returncode == 1 and len(result.stderr.splitlines()) == 1, result.stderr
    refused = f"error: Argilla at {server.url} refused a request while loading {SAMPLE} into dataset"
    assert result.stderr.startswith(f"{refused} 'sin-permiso' ("), result.stderr
    assert "ForbiddenError" in result.stderr
    assert result.stderr.strip().endswith("needs the ARGILLA_API_KEY of an owner or admin"), result.stderr
    assert client.datasets("sin-permiso") is None


def test_a_name_taken_by_another_task_is_refused(server, client, tmp_path: Path) -> None:
    import argilla as rg

    from annotate.argilla.client import workspace

    settings = rg.Settings(
        fields=[rg.TextField(name="text")], questions=[rg.LabelQuestion(name="etiqueta", labels=["si", "no"])]
    )
    rg.Dataset(name="ocupado", workspace=workspace(client, None), settings=settings, client=client).create()
    result = cli(server, "load", "--corpus", str(SAMPLE), "--dataset", "ocupado")
    assert result.returncode == 1
    assert "dataset 'ocupado'" in result.stderr and "is a classification project, not ner" in result.stderr
    assert len(list(client.datasets("ocupado").records)) == 0


def test_a_failed_load_leaves_no_dataset(client, tmp_path: Path, monkeypatch) -> None:
    import annotate.argilla.load as load_module

    def fail(target, batches, progress=None):
        target.dataset.records.log(next(iter(batches)))
        raise RuntimeError("the server refused the second batch")

    monkeypatch.setattr(load_module, "log_records", fail)
    with pytest.raises(RuntimeError, match="second batch"):  # the server still answers: rolled back
        load(client, SAMPLE, "a-medias", tmp_path)
    assert client.datasets("a-medias") is None


def test_export_without_answers_writes_nothing(server, client, tmp_path: Path) -> None:
    load(client, SAMPLE, "sin-respuestas", tmp_path)
    result = cli(server, "export", "--dataset", "sin-respuestas", "--run", str(tmp_path / "vacio"))
    assert result.returncode == 1 and "has no submitted answers yet" in result.stderr
    assert not (tmp_path / "vacio").exists()


def test_push_without_token_uploads_nothing(server, tmp_path: Path) -> None:
    result = cli(
        server,
        "export",
        "--dataset",
        "muestra-a",
        "--run",
        str(tmp_path / "r"),
        "--push-to-hub",
        "org/x",
        env={"HF_TOKEN": "", "HF_HOME": str(tmp_path / "hf")},
    )
    assert result.returncode == 1 and "no Hugging Face token" in result.stderr
    assert not (tmp_path / "r").exists()


def test_team_passwords_go_to_a_private_file(server, client, tmp_path: Path) -> None:
    team = tmp_path / "equipo.csv"
    team.write_text(
        "username,first_name,role\nana.garcia,Ana,annotator\nluis.perez,Luis,admin\n", encoding="utf-8"
    )
    secrets = tmp_path / "claves.csv"
    result = cli(server, "team", "--file", str(team), "--workspace", "equipo", "--secrets-file", str(secrets))
    assert result.returncode == 0, result.stderr
    rows = secrets.read_text().splitlines()
    assert rows[0] == "username,password" and len(rows) == 3
    assert oct(secrets.stat().st_mode & 0o777) == "0o600"
    for row in rows[1:]:
        assert row.split(",")[1] not in result.stdout + result.stderr
    assert {u.username for u in client.workspaces("equipo").users} >= {"ana.garcia", "luis.perez"}
    bad = tmp_path / "malo.csv"
    bad.write_text("username\nAna García\n", encoding="utf-8")
    result = cli(server, "team", "--file", str(bad), "--workspace", "equipo")
    assert result.returncode == 1 and f"{bad}:2: username 'Ana García'" in result.stderr


def test_prefetched_batches_keep_their_order_and_raise_where_they_fail() -> None:
    from annotate.argilla.load import prefetched

    def batches():
        yield [1, 2]
        yield [3]
        raise ValueError("record 4: cannot be built")

    seen = []
    with pytest.raises(ValueError, match="record 4"):
        for batch in prefetched(batches()):
            seen.append(batch)
    assert seen == [[1, 2], [3]]


def test_record_batches_are_built_lazily_and_count_the_records_with_suggestions() -> None:
    from types import SimpleNamespace

    from annotate.argilla.load import RecordBatches, prefetched

    built = []

    def build(part):
        built.append(list(part))
        return [SimpleNamespace(suggestions=["x"] if n % 2 else []) for n in part]

    batches = RecordBatches(list(range(5)), 2, build)
    assert built == [] and batches.with_suggestions == 0
    assert [len(b) for b in prefetched(iter(batches))] == [2, 2, 1]
    assert built == [[0, 1], [2, 3], [4]] and batches.with_suggestions == 2
