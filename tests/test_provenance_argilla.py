"""Who gave the answers, on a real Argilla (`sqlite_argilla`): two people sign in and answer every record
through the REST API as the UI does, `annotate simulate` adds one simulated annotator; the export marks
people's answers "person" and the simulator's "simulated" (with its settings), run.json sums them up,
and the dataset card says so in English and Spanish (and passes `cards check` against the run)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "annotate" / "sample" / "brat"
PASSWORD = "clave-de-prueba-1"
PEOPLE = ("paula", "ramon")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client(sqlite_argilla):
    from annotate.argilla.client import connect

    os.environ["ARGILLA_API_URL"], os.environ["ARGILLA_API_KEY"] = sqlite_argilla.url, sqlite_argilla.api_key
    return connect()


def signed_in(url: str, username: str) -> httpx.Client:
    """An HTTP client signed in as the UI signs in: a token from the username and password."""
    token = httpx.post(f"{url}/api/v1/token", data={"username": username, "password": PASSWORD})
    token.raise_for_status()
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    return httpx.Client(base_url=url, headers=headers, timeout=60)


def answer_as_a_person(session: httpx.Client, record_id: str, spans: list[dict]) -> None:
    body = {"values": {"entidades": {"value": spans}}, "status": "submitted"}
    response = session.post(f"/api/v1/records/{record_id}/responses", json=body)
    assert response.status_code == 201, response.text


@pytest.fixture(scope="module")
def run(client, sqlite_argilla, tmp_path_factory: pytest.TempPathFactory):
    import argilla as rg

    from annotate.argilla.client import dataset as find
    from annotate.argilla.client import workspace as get_workspace
    from annotate.argilla.export import export
    from annotate.argilla.load import LoadOptions, load
    from annotate.argilla.records import gold_spans
    from annotate.argilla.simulate import simulate
    from cards.write.build import build_cards
    from runfolder import RunFolder

    folder = tmp_path_factory.mktemp("provenance") / "mixto"
    team = get_workspace(client, "equipo-mixto")
    options = LoadOptions(
        corpus=SAMPLE,
        dataset="mixto",
        workspace="equipo-mixto",
        segment="none",
        suggestions="gold",
        annotators_kind="expert",
        licence="CC BY 4.0",
        run=folder,
    )
    load(options, client)
    dataset = find(client, "mixto", "equipo-mixto")
    for name in PEOPLE:
        user = client.users(name) or rg.User(username=name, password=PASSWORD, role="annotator").create()
        team.add_user(user)
    records = list(dataset.records(with_responses=False))
    for name in PEOPLE:
        with signed_in(sqlite_argilla.url, name) as session:
            for record in records:
                spans = [
                    {"start": s, "end": e, "label": label} for s, e, label in gold_spans(record.metadata)
                ]
                answer_as_a_person(session, str(record._server_id), spans)
    simulate(client, dataset, count=1, noise=0.1, seed=13)
    export(client, dataset, RunFolder(folder))
    build_cards(folder)
    return RunFolder(folder), len(records)


def test_export_marks_people_and_the_simulator(run) -> None:
    import pandas as pd

    folder, records = run
    rows = pd.read_parquet(folder.annotations)
    origins = rows.groupby("annotator")["origin"].unique().map(list).to_dict()
    assert origins == {"paula": ["person"], "ramon": ["person"], "sim-anotador-1": ["simulated"]}
    settings = {json.loads(s)["seed"] for s in rows.loc[rows["origin"] == "simulated", "simulator"]}
    assert settings == {13} and rows.loc[rows["origin"] == "person", "simulator"].isna().all()
    annotation = json.loads(folder.run_json.read_text())["annotation"]
    assert annotation["responses_by_origin"] == {"person": 2 * records, "simulated": records}
    assert annotation["annotators_by_origin"] == {"person": 2, "simulated": 1}
    assert annotation["annotators_kind"] == "expert"
    assert annotation["simulator"] == [
        {"tool": "annotate simulate", "annotators": 1, "noise": 0.1, "seed": 13}
    ]


@pytest.mark.parametrize(
    ("name", "people", "simulated"),
    [
        (
            "README.md",
            "It was annotated in Argilla by 2 domain experts ({n} answers)",
            "1 simulated annotators",
        ),
        (
            "README_ES.md",
            "Lo anotaron en Argilla 2 expertos del dominio ({n} respuestas)",
            "1 anotadores simulados",
        ),
    ],
)
def test_the_dataset_card_says_who_answered(run, name: str, people: str, simulated: str) -> None:
    import yaml

    from cards.check.card import check_card

    folder, records = run
    card = folder.cards / "dataset" / name
    text = card.read_text(encoding="utf-8")
    assert yaml.safe_load(text.split("---")[1])["annotations_creators"] == [
        "machine-generated",
        "expert-generated",
    ]
    assert people.format(n=2 * records) in text and simulated in text and "`annotate simulate`" in text
    assert check_card(card, run=folder.path) == []
