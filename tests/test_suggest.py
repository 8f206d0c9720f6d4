"""`annotate suggest` against a real local Argilla (the `sqlite_argilla` server): the tiny NER model of
run_factory pre-annotates the sample corpus.

Checked: this model's suggestions replace only its own (a lexicon's stays), people's answers are
untouched, every record gets `incertidumbre` (sortable through the SDK's client, filterable with the
SDK's Query), `--order uncertainty` puts the most uncertain record first in an annotator's queue,
a stopped run goes on where it stopped, and the errors are one line.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from run_factory import cached_tiny_run

from runfolder import RunFolder, TrainingInfo, write_json

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "annotate" / "sample" / "brat"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client(sqlite_client):
    return sqlite_client


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> RunFolder:
    """The tiny run, its model with a training.json as the notebook writes it."""
    tiny = cached_tiny_run(tmp_path_factory.getbasetemp() / "demo-tiny-run")
    path = tmp_path_factory.mktemp("suggest") / "run"
    shutil.copytree(tiny.path, path)
    run = RunFolder(path)
    training = TrainingInfo(
        task="ner",
        base_model="tiny-bert",
        model_used="tiny-bert",
        hyperparameters={},
        hardware={},
        libraries={},
        wall_time_s=1.0,
        dataset_fingerprint="f00dcafe1234567890",
        train_samples=10,
        steps=5,
        started_at="2025-05-01T10:00:00+00:00",
        finished_at="2025-05-01T10:05:00+00:00",
    )
    write_json(run.model("ner") / "training.json", training)
    return run


def cli(server, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environ = {**os.environ, "ARGILLA_API_URL": server.url, "ARGILLA_API_KEY": server.api_key, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "annotate", *args], cwd=ROOT, env=environ, capture_output=True, text=True
    )


def new_dataset(client, tmp: Path) -> tuple[str, object]:
    from annotate.argilla.client import dataset as find
    from annotate.argilla.load import LoadOptions, load

    name = f"sugerir-{uuid.uuid4().hex[:6]}"
    load(LoadOptions(corpus=SAMPLE, dataset=name, format="brat", run=tmp / "load"), client)
    return name, find(client, name, None)


def records(client, dataset) -> dict:
    from annotate.argilla.api import list_records

    return {r.id: r for r in list_records(client, dataset)}


def test_suggest_replaces_only_its_own_and_keeps_answers(client, run: RunFolder, tmp_path: Path) -> None:
    from annotate.argilla import templates
    from annotate.argilla.api import upsert_records
    from annotate.argilla.inference import NerModel
    from annotate.argilla.preannotate import SuggestOptions, suggest

    name, dataset = new_dataset(client, tmp_path)
    before = records(client, dataset)
    ids = sorted(before)
    question = str(dataset.settings.questions[templates.SPAN_QUESTION].id)
    lexicon, answered = before[ids[0]], before[ids[1]]
    # a lexicon's suggestion on one record, a person's submitted answer on another
    lexicon_value = [{"start": 0, "end": 3, "label": "FARMACO"}]
    upsert_records(
        client,
        dataset,
        [
            {
                "id": lexicon.uuid,
                "suggestions": [
                    {"question_id": question, "value": lexicon_value, "agent": "lexicon:farmacos.tsv"}
                ],
            }
        ],
    )
    answer = {"status": "draft", "values": {templates.SPAN_QUESTION: {"value": lexicon_value}}}
    reply = client.http_client.post(f"/api/v1/records/{answered.uuid}/responses", json=answer)
    assert reply.status_code < 300, reply.text

    model = NerModel.load(run.model("ner"))
    report = suggest(client, dataset, model, SuggestOptions(run=run.path, batch_size=4))
    assert report.agent == (
        f"model:{run.model('ner')} trained 2025-05-01T10:05:00 data f00dcafe1234"
    ).replace("+", "-")
    assert report.selected == len(ids) and report.kept_other == 1 and report.suggested == len(ids) - 1
    after = records(client, dataset)
    for rid, record in after.items():
        assert record.metadata["_sugerido_por"] == report.agent
        assert 0.0 <= record.metadata["incertidumbre"] <= 1.0
        assert record.fields == before[rid].fields
        suggestion = record.suggestion(templates.SPAN_QUESTION)
        assert suggestion is not None
        if rid == lexicon.id:
            assert suggestion.agent == "lexicon:farmacos.tsv" and suggestion.value == lexicon_value
            continue
        assert suggestion.agent == report.agent
        scores = suggestion.score or []
        assert len(scores) == len(suggestion.value)
        text = record.fields["text"]
        assert all(0 <= s["start"] < s["end"] <= len(text) for s in suggestion.value)
    assert report.with_entities > 0 and report.spans == sum(
        len(r.suggestion(templates.SPAN_QUESTION).value) for rid, r in after.items() if rid != lexicon.id
    )
    # the person's answer is untouched
    assert [(r.status, r.values) for r in after[answered.id].responses] == [
        ("draft", {templates.SPAN_QUESTION: lexicon_value})
    ]
    # the same model again: nothing to do; a new version replaces its own suggestions, keeps the
    # replaced one of the answered record, and still leaves the lexicon's
    again = suggest(client, dataset, model, SuggestOptions(run=run.path))
    assert again.selected == 0 and again.already == len(ids)
    training = run.read_json(run.model("ner") / "training.json", TrainingInfo)
    newer = training.model_copy(update={"finished_at": "2025-06-01T00:00:00+00:00"})
    write_json(run.model("ner") / "training.json", newer)
    try:
        third = suggest(client, dataset, model, SuggestOptions(run=run.path))
    finally:
        write_json(run.model("ner") / "training.json", training)
    assert third.agent != report.agent and third.suggested == len(ids) - 1 and third.kept_other == 1
    assert third.replaced_answered == 1
    final = records(client, dataset)
    assert final[lexicon.id].suggestion(templates.SPAN_QUESTION).agent == "lexicon:farmacos.tsv"
    assert {r.suggestion(templates.SPAN_QUESTION).agent for rid, r in final.items() if rid != lexicon.id} == {
        third.agent
    }
    (replaced,) = json.loads(final[answered.id].metadata["_sugerencias_previas"])
    assert replaced[0] == report.agent and replaced[2] == after[answered.id].suggestion("entidades").value


def test_uncertainty_sorts_filters_and_orders_the_queue(client, run: RunFolder, tmp_path: Path) -> None:
    import argilla as rg

    from annotate.argilla.inference import NerModel
    from annotate.argilla.preannotate import SuggestOptions, suggest

    name, dataset = new_dataset(client, tmp_path)
    report = suggest(
        client, dataset, NerModel.load(run.model("ner")), SuggestOptions(run=run.path, order="uncertainty")
    )
    assert report.order == "uncertainty"
    values = {r.id: r.metadata["incertidumbre"] for r in records(client, dataset).values()}
    assert len(set(values.values())) > 3  # the tiny model is not equally sure everywhere
    # sorted by the server (the UI's search, through the SDK's client), most uncertain first
    by_uncertainty = {"entity": "metadata", "metadata_property": "incertidumbre"}
    body = {"sort": [{"scope": by_uncertainty, "order": "desc"}]}
    reply = client.http_client.post(
        f"/api/v1/datasets/{dataset.id}/records/search", json=body, params={"limit": 100}
    )
    assert reply.status_code == 200, reply.text
    ranked = [item["record"]["metadata"]["incertidumbre"] for item in reply.json()["items"]]
    assert ranked == sorted(values.values(), reverse=True)
    # the SDK's own filter on the property
    threshold = sorted(values.values())[len(values) // 2]
    found = dataset.records(query=rg.Query(filter=rg.Filter(("metadata.incertidumbre", ">=", threshold))))
    assert {r.id for r in found} == {rid for rid, v in values.items() if v >= threshold}
    # the owner's queue (a /me search as the UI makes it) starts with the most uncertain record
    pending = [
        {"type": "terms", "scope": {"entity": entity, "property": "status"}, "values": ["pending"]}
        for entity in ("response", "record")
    ]
    queue = {"filters": {"and": pending}}
    reply = client.http_client.post(
        f"/api/v1/me/datasets/{dataset.id}/records/search", json=queue, params={"limit": 200}
    )
    mine = [item["record"]["metadata"]["incertidumbre"] for item in reply.json()["items"]]
    assert mine == sorted(values.values(), reverse=True)
    # --order walk gives the walk back: the property is gone, the queue no longer sorted
    walk = suggest(
        client, dataset, NerModel.load(run.model("ner")), SuggestOptions(run=run.path, order="walk")
    )
    assert walk.order == "walk"
    reply = client.http_client.post(
        f"/api/v1/me/datasets/{dataset.id}/records/search", json=queue, params={"limit": 200}
    )
    assert [item["record"]["metadata"]["incertidumbre"] for item in reply.json()["items"]] != mine


def test_a_stopped_run_goes_on_where_it_stopped(client, run: RunFolder, tmp_path: Path) -> None:
    from annotate.argilla.inference import NerModel
    from annotate.argilla.preannotate import SuggestOptions, suggest

    class Stops(NerModel):
        calls = 0

        def predict(self, texts, batch_size=32):
            Stops.calls += 1
            if Stops.calls == 3:
                raise KeyboardInterrupt
            return super().predict(texts, batch_size)

    name, dataset = new_dataset(client, tmp_path)
    total = len(records(client, dataset))
    loaded = NerModel.load(run.model("ner"))
    stopping = Stops(loaded.model, loaded.tokenizer, loaded.name)
    with pytest.raises(KeyboardInterrupt):
        suggest(client, dataset, stopping, SuggestOptions(run=run.path, upload_size=5))
    done = [r for r in records(client, dataset).values() if "_sugerido_por" in r.metadata]
    assert len(done) == 10
    report = suggest(client, dataset, loaded, SuggestOptions(run=run.path, upload_size=5))
    assert report.already == 10 and report.selected == total - 10 and report.suggested == total - 10
    assert all("incertidumbre" in r.metadata for r in records(client, dataset).values())


def test_errors_are_one_line(sqlite_argilla, client, run: RunFolder, tmp_path: Path) -> None:
    from annotate.argilla.inference import NerModel
    from annotate.argilla.preannotate import SuggestOptions, suggest
    from annotate.errors import LabelMismatchError

    name, dataset = new_dataset(client, tmp_path)
    missing = cli(sqlite_argilla, "suggest", "--run", str(tmp_path / "nada"), "--dataset", name)
    assert missing.returncode == 1 and missing.stderr.count("\n") == 1
    assert "no model there" in missing.stderr and "make train" in missing.stderr
    away = cli(
        sqlite_argilla,
        "suggest",
        "--run",
        str(run.path),
        "--dataset",
        name,
        env={"ARGILLA_API_URL": "http://127.0.0.1:9"},
    )
    assert away.returncode == 1 and away.stderr.count("\n") == 1 and "cannot reach Argilla" in away.stderr
    # a model of other labels: renamed tags
    other = tmp_path / "otro"
    shutil.copytree(run.model("ner"), other)
    config = json.loads((other / "config.json").read_text())
    config["id2label"] = {k: v.replace("FARMACO", "ENFERMEDAD") for k, v in config["id2label"].items()}
    config["label2id"] = {v: int(k) for k, v in config["id2label"].items()}
    (other / "config.json").write_text(json.dumps(config))
    with pytest.raises(LabelMismatchError, match="ENFERMEDAD"):
        suggest(client, dataset, NerModel.load(other), SuggestOptions(run=run.path, model=other))
    odd = cli(sqlite_argilla, "suggest", "--run", str(run.path), "--dataset", name, "--precision", "int4")
    assert odd.returncode == 1 and odd.stderr.count("\n") == 1 and "use int8 or float32" in odd.stderr
    done = cli(sqlite_argilla, "suggest", "--run", str(run.path), "--dataset", name)
    assert done.returncode == 0, done.stderr
    assert "suggested on" in done.stdout and "records/s" in done.stdout
    import torch

    if torch.backends.quantized.engine != "none":  # the default precision, and the agent says so
        assert re.search(r"as 'model:\S+ trained \S+ data \w+ int8'", done.stdout), done.stdout


def test_export_counts_what_answers_did_with_suggestions(client, run: RunFolder, tmp_path: Path) -> None:
    """Simulated annotators answer after `suggest`: every answer saw the model's suggestion, and the
    export's rows and run.json count what they did with it."""
    import pandas as pd

    from annotate.argilla.export import export
    from annotate.argilla.inference import NerModel
    from annotate.argilla.preannotate import SuggestOptions, suggest
    from annotate.argilla.simulate import simulate

    name, dataset = new_dataset(client, tmp_path)
    report = suggest(client, dataset, NerModel.load(run.model("ner")), SuggestOptions(run=run.path))
    simulate(client, dataset, 2, 0.1, 5)
    out = RunFolder(tmp_path / "export")
    export(client, dataset, out)
    rows = pd.read_parquet(out.annotations)
    spans = rows[(rows["question"] == "entidades") & (rows["status"] == "submitted")]
    assert len(spans) and spans["suggestion_shown"].all() and set(spans["suggestion_agent"]) == {report.agent}
    summary = json.loads(out.run_json.read_text())["export"]["suggestions"]
    assert summary["answers_with_suggestion"] == len(spans) and summary["answers_without_suggestion"] == 0
    assert sum(summary["relations"].values()) == len(spans)
    assert dict(spans["suggestion_relation"].value_counts()) == {
        k: v for k, v in summary["relations"].items() if v
    }
    assert summary["agreement"]["with_suggestion"]["records"] == len(set(spans["record_id"]))
