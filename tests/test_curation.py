"""Curation apart: the curation dataset in a workspace only curators join, and only curators' answers count.

Against the session's real SQLite Argilla (`sqlite_argilla`): two annotators answer one document (a tie,
an empty answer), `adjudicate --curator cora` builds the curation, then an owner, a curator and a user
who is no longer a curator answer it, and `export` keeps the first two and names the third in one line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "annotate" / "sample" / "brat"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client(sqlite_client):
    return sqlite_client


def annotator(client, name: str, workspace=None):
    import argilla as rg

    user = (
        client.users(name) or rg.User(username=name, password="clave-de-prueba-1", role="annotator").create()
    )
    if workspace is not None:
        workspace.add_user(user)
    return user


def answer(dataset, record, user, spans: list[dict]) -> None:
    import argilla as rg

    record.responses.add(rg.Response("entidades", spans, user_id=user.id, status="submitted"))
    dataset.records.log([record])


def first_word(record, label: str) -> list[dict]:
    return [{"start": 0, "end": len(record.fields["text"].split()[0]), "label": label}]


def test_curation_lives_apart_and_only_curators_count(client, sqlite_argilla, tmp_path: Path) -> None:
    from annotate.argilla.client import dataset as find
    from annotate.argilla.client import workspace as get_workspace
    from annotate.argilla.curation import build_curation
    from annotate.argilla.load import LoadOptions, load

    team = get_workspace(client, "equipo-aparte")
    load(LoadOptions(corpus=SAMPLE, dataset="aparte", workspace="equipo-aparte", run=tmp_path / "l"), client)
    dataset = find(client, "aparte", "equipo-aparte")
    ana, ben, cora = annotator(client, "ana", team), annotator(client, "ben", team), annotator(client, "cora")
    records = list(dataset.records(with_responses=False))
    doc = records[0].metadata["documento"]
    tie, empty, *rest = [r for r in records if r.metadata["documento"] == doc]
    labels = list(dataset.settings.questions["entidades"].labels)
    answer(dataset, tie, ana, first_word(tie, labels[0]))
    answer(dataset, tie, ben, first_word(tie, labels[1]))
    answer(dataset, empty, ana, first_word(empty, labels[0]))
    answer(dataset, empty, ben, [])  # ben marked nothing: a vote against, shown as such
    for record in rest:
        answer(dataset, record, ana, [])
        answer(dataset, record, ben, [])

    report = build_curation(client, dataset, ["cora"])
    assert (report.workspace, report.curators, report.records) == ("equipo-aparte-curacion", ["cora"], 2)
    apart = client.workspaces("equipo-aparte-curacion")
    assert {u.username for u in apart.users} == {"cora"}, "annotators must not join the curation workspace"
    assert client.datasets(name="aparte-curacion", workspace=team) is None
    curation = client.datasets(name="aparte-curacion", workspace=apart)
    assert seen_by(sqlite_argilla.url, "ana") == ["aparte"], "an annotator must not see the curation"
    assert seen_by(sqlite_argilla.url, "cora") == ["aparte-curacion"]
    shown = {r.id: r for r in curation.records(with_suggestions=True)}
    assert set(shown) == {tie.id, empty.id}
    text = empty.fields["text"]
    assert shown[empty.id].fields["texto_ben"].startswith("SIN ENTIDADES (ben envió")
    assert shown[empty.id].fields["texto_ben"].endswith(text)
    assert shown[empty.id].fields["texto_ana"] == text
    assert shown[empty.id].fields["respuestas"] == "ana: 1 entidades · ben: sin entidades"
    assert {s.agent for s in shown[tie.id].suggestions} == {"ana", "ben"}

    # The owner decides `tie`; ana, a curator for a while, answers it later (she would win if counted);
    # cora decides `empty`.
    answer(curation, shown[tie.id], client.me, first_word(tie, labels[1]))
    apart.add_user(ana)
    answer(curation, shown[tie.id], ana, first_word(tie, labels[0]))
    apart.remove_user(ana)
    answer(curation, shown[empty.id], cora, [])

    run = tmp_path / "run"
    env = {**os.environ, "ARGILLA_API_URL": sqlite_argilla.url, "ARGILLA_API_KEY": sqlite_argilla.api_key}
    result = subprocess.run(
        [sys.executable, "-m", "annotate", "export", "--dataset", "aparte", "--workspace", "equipo-aparte"]
        + ["--run", str(run)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    ignored = [line for line in result.stdout.splitlines() if "ignored" in line]
    assert ignored == [
        "ignored 1 curation answers from users who may not curate: ana (1) "
        "(name curators with `python -m annotate adjudicate --curator USER`)"
    ]
    exported = json.loads((run / "run.json").read_text())["export"]
    assert exported["curation"] == {"curators": sorted([client.me.username, "cora"]), "ignored": {"ana": 1}}
    assert exported["adjudication"]["curated"] == 2
    assert entity_types(run, doc, tie) == {labels[1]}, "the owner's decision, not ana's later one"


def seen_by(url: str, username: str) -> list[str]:
    """The datasets a user sees once signed in as the UI signs in (token from the password)."""
    import httpx

    signed = httpx.post(f"{url}/api/v1/token", data={"username": username, "password": "clave-de-prueba-1"})
    signed.raise_for_status()
    headers = {"Authorization": f"Bearer {signed.json()['access_token']}"}
    listed = httpx.get(f"{url}/api/v1/me/datasets", headers=headers)
    listed.raise_for_status()
    return sorted(item["name"] for item in listed.json()["items"])


def entity_types(run: Path, doc: str, record) -> set[str]:
    from datasets import load_from_disk

    kb = load_from_disk(str(run / "dataset" / "bigbio_kb"))
    start = record.metadata["_offset"]
    row = next(r for split in kb.values() for r in split if r["document_id"] == doc)
    return {e["type"] for e in row["entities"] if e["offsets"][0][0] == start}
