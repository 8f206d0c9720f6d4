"""A team at once on one local Argilla (SQLite and PostgreSQL): bursts of searches, concurrent submits.

Every client is a thread with its own HTTP connection; a barrier releases them together, so the
requests truly overlap. Before the engine had a pool of its own, 15 simultaneous searches on SQLite
took every connection of Argilla's pool and then waited for a second one: HTTP 500 after 30 s. Each
test prints what it measured (run with -s to see it).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
import pytest

pytestmark = pytest.mark.slow

ANNOTATORS = 16
RECORDS = 64
BURST = 48  # simultaneous searches (> 3 x the 15 connections that used to be the limit)
SUBMITTERS = 12
SUBMITS_EACH = 6
TIMEOUT = 60.0
UI_QUEUE = {  # what the Argilla UI sends for an annotator's pending queue (no sort)
    "filters": {
        "and": [
            {"type": "terms", "scope": {"entity": "response", "property": "status"}, "values": ["pending"]},
            {"type": "terms", "scope": {"entity": "record", "property": "status"}, "values": ["pending"]},
        ]
    }
}
UI_PARAMS = [("include", "responses"), ("include", "suggestions")]


@dataclass
class Team:
    url: str
    owner: str  # API key
    dataset: str
    keys: dict[str, str]  # annotator user id -> API key


def _ok(response: httpx.Response) -> dict:
    assert response.status_code < 300, f"{response.request.url}: {response.status_code} {response.text}"
    return response.json()


@pytest.fixture(scope="module")
def team(argilla_server) -> Iterator[Team]:
    owner = httpx.Client(
        base_url=argilla_server.url, headers={"X-Argilla-Api-Key": argilla_server.api_key}, timeout=TIMEOUT
    )
    suffix = uuid.uuid4().hex[:6]
    workspace = _ok(owner.post("/api/v1/workspaces", json={"name": f"equipo-{suffix}"}))["id"]
    keys = {}
    for i in range(ANNOTATORS):
        user = _ok(
            owner.post(
                "/api/v1/users",
                json={
                    "first_name": f"anotador{i}",
                    "username": f"anotador{i}-{suffix}",
                    "password": "contraseña-larga",
                    "role": "annotator",
                },
            )
        )
        _ok(owner.post(f"/api/v1/workspaces/{workspace}/users", json={"user_id": user["id"]}))
        keys[user["id"]] = user["api_key"]
    dataset = _ok(
        owner.post(
            "/api/v1/datasets",
            json={
                "name": "equipo",
                "workspace_id": workspace,
                "distribution": {"strategy": "overlap", "min_submitted": 2},
            },
        )
    )["id"]
    _ok(
        owner.post(
            f"/api/v1/datasets/{dataset}/fields",
            json={"name": "texto", "title": "texto", "required": True, "settings": {"type": "text"}},
        )
    )
    labels = [{"value": value, "text": value} for value in ("si", "no")]
    _ok(
        owner.post(
            f"/api/v1/datasets/{dataset}/questions",
            json={
                "name": "relevante",
                "title": "relevante",
                "required": True,
                "settings": {"type": "label_selection", "options": labels},
            },
        )
    )
    _ok(owner.put(f"/api/v1/datasets/{dataset}/publish"))
    items = [{"fields": {"texto": f"Paciente {i} en tratamiento con metformina."}} for i in range(RECORDS)]
    _ok(owner.post(f"/api/v1/datasets/{dataset}/records/bulk", json={"items": items}))
    yield Team(argilla_server.url, argilla_server.api_key, dataset, keys)
    owner.close()


def _clients(url: str, keys: list[str]) -> list[httpx.Client]:
    return [httpx.Client(base_url=url, headers={"X-Argilla-Api-Key": key}, timeout=TIMEOUT) for key in keys]


def _together(clients: list[httpx.Client], work: Callable[[httpx.Client], object]) -> tuple[list, float]:
    """Run `work` once per client, all released at the same instant; (results, wall seconds)."""
    barrier = threading.Barrier(len(clients) + 1)

    def run(client: httpx.Client) -> object:
        barrier.wait()
        return work(client)

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        futures = [pool.submit(run, client) for client in clients]
        barrier.wait()
        start = time.perf_counter()
        results = [future.result() for future in futures]
        return results, time.perf_counter() - start


def _queue_path(team: Team) -> str:
    return f"/api/v1/me/datasets/{team.dataset}/records/search"


def test_burst_of_simultaneous_searches_all_succeed(team: Team, argilla_server) -> None:
    keys = [team.owner, *team.keys.values()]
    clients = _clients(team.url, [keys[i % len(keys)] for i in range(BURST)])
    for client in clients:  # connect first: the burst measures the server, not TCP set-up
        _ok(client.get("/api/v1/me"))

    def search(client: httpx.Client) -> tuple[int, float]:
        start = time.perf_counter()
        response = client.post(_queue_path(team), json=UI_QUEUE, params=[*UI_PARAMS, ("limit", 1)])
        return response.status_code, time.perf_counter() - start

    results, wall = _together(clients, search)
    codes = sorted(code for code, _ in results)
    latencies = sorted(seconds for _, seconds in results)
    print(
        f"\n[{argilla_server.database}] {BURST} simultaneous searches: statuses {set(codes)}, "
        f"wall {wall:.2f} s, p50 {latencies[len(latencies) // 2]:.3f} s, max {latencies[-1]:.3f} s"
    )
    assert codes == [200] * BURST
    assert wall < 20  # the pool deadlock answered 500 after 30 s
    # the server keeps answering after the burst
    _ok(clients[0].post(_queue_path(team), json=UI_QUEUE, params={"limit": 1}))
    for client in clients:
        client.close()


def test_team_starts_on_spread_records(team: Team) -> None:
    """16 annotators' first records, before anyone answers: each user's walk starts elsewhere, so
    they are spread over the 64 records (13-15 distinct typically; fewer than 8 never happened in
    100,000 simulated teams of random user and record ids)."""
    clients = _clients(team.url, list(team.keys.values()))

    def first(client: httpx.Client) -> str:
        page = _ok(client.post(_queue_path(team), json=UI_QUEUE, params={"limit": 1}))
        return page["items"][0]["record"]["id"]

    firsts, _ = _together(clients, first)
    for client in clients:
        client.close()
    assert len(set(firsts)) >= 8, firsts


def _annotate(team: Team, client: httpx.Client) -> dict:
    """As an annotator in the UI: next pending record, submit it, read my metrics; SUBMITS_EACH times."""
    acknowledged, failures, opened = [], [], []
    for _ in range(SUBMITS_EACH):
        found = client.post(_queue_path(team), json=UI_QUEUE, params=[*UI_PARAMS, ("limit", 1)])
        if found.status_code != 200:
            failures.append(f"search {found.status_code}: {found.text[:200]}")
            continue
        items = found.json()["items"]
        if not items:
            break
        record = items[0]["record"]["id"]
        opened.append(record)
        answer = {"status": "submitted", "values": {"relevante": {"value": "si"}}}
        submitted = client.post(f"/api/v1/records/{record}/responses", json=answer)
        if submitted.status_code == 201:
            acknowledged.append(submitted.json()["id"])
        else:
            failures.append(f"submit {submitted.status_code}: {submitted.text[:200]}")
        metrics = client.get(f"/api/v1/me/datasets/{team.dataset}/metrics")
        if metrics.status_code != 200:
            failures.append(f"metrics {metrics.status_code}: {metrics.text[:200]}")
    return {"acknowledged": acknowledged, "failures": failures, "opened": opened}


def _stored_responses(team: Team) -> dict[str, str]:
    """Response id -> user id of every response stored in the dataset, read back by the owner."""
    with httpx.Client(base_url=team.url, headers={"X-Argilla-Api-Key": team.owner}, timeout=TIMEOUT) as owner:
        page = _ok(
            owner.get(
                f"/api/v1/datasets/{team.dataset}/records",
                params={"include": "responses", "limit": 1000},
            )
        )
    return {response["id"]: response["user_id"] for item in page["items"] for response in item["responses"]}


def test_concurrent_submits_are_all_stored(team: Team, argilla_server) -> None:
    before = _stored_responses(team)
    submitters = list(team.keys)[:SUBMITTERS]
    clients = _clients(team.url, [team.keys[user] for user in submitters])
    results, wall = _together(clients, lambda client: _annotate(team, client))
    for client in clients:
        client.close()

    failures = [failure for result in results for failure in result["failures"]]
    acknowledged = {response for result in results for response in result["acknowledged"]}
    stored = set(_stored_responses(team)) - set(before)
    opened = [record for result in results for record in result["opened"]]
    print(
        f"\n[{argilla_server.database}] {SUBMITTERS} annotators x {SUBMITS_EACH}: {len(acknowledged)} "
        f"acknowledged, {len(stored)} stored, {len(failures)} failed, wall {wall:.2f} s "
        f"({len(acknowledged) / wall:.1f} submits/s), {len(opened) - len(set(opened))} records opened twice"
    )
    assert failures == []
    assert len(acknowledged) == SUBMITTERS * SUBMITS_EACH
    assert stored == acknowledged
