"""The SQL engine's vector cache survives a restart, and a lost or damaged cache rebuilds itself.

A real local Argilla on SQLite (its own, since the test restarts it): a dataset with 3-d vectors; the
server writes the cache file in the background (HOME/vector-cache), a restart reads it back and
catches up with records added meanwhile, and a truncated file is ignored and rewritten. Every answer is
checked against the expected neighbours, computed by hand from the vectors below.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from conftest import running_argilla

pytestmark = pytest.mark.slow

VECTORS = {  # external id: vector; cosine to [1, 0, 0]: a0 1, a1 0.994, a2 0.707, a3 0.196, a4 0 (no ties)
    "a0": [1.0, 0.0, 0.0],
    "a1": [0.9, 0.1, 0.0],
    "a2": [0.5, 0.5, 0.0],
    "a3": [0.2, 1.0, 0.0],
    "a4": [0.0, 0.0, 1.0],
}
LATER = {"b0": [0.99, 0.01, 0.0]}  # added while the server is down: second nearest to [1, 0, 0]


def _json(response: httpx.Response) -> dict:
    assert response.status_code < 300, response.text
    return response.json()


def _dataset(http: httpx.Client) -> str:
    workspace = _json(http.post("/api/v1/workspaces", json={"name": "vectores"}))["id"]
    dataset = _json(http.post("/api/v1/datasets", json={"name": "vectores", "workspace_id": workspace}))["id"]
    field = {"name": "texto", "title": "texto", "required": True, "settings": {"type": "text"}}
    _json(http.post(f"/api/v1/datasets/{dataset}/fields", json=field))
    question = {
        "name": "ok",
        "title": "ok",
        "required": True,
        "settings": {"type": "label_selection", "options": [{"value": v, "text": v} for v in ("si", "no")]},
    }
    _json(http.post(f"/api/v1/datasets/{dataset}/questions", json=question))
    vectors = {"name": "emb", "title": "emb", "dimensions": 3}
    _json(http.post(f"/api/v1/datasets/{dataset}/vectors-settings", json=vectors))
    _json(http.put(f"/api/v1/datasets/{dataset}/publish"))
    return dataset


def _add(http: httpx.Client, dataset: str, vectors: dict[str, list[float]]) -> None:
    items = [
        {"external_id": name, "fields": {"texto": f"Nota {name}."}, "vectors": {"emb": vector}}
        for name, vector in vectors.items()
    ]
    _json(http.post(f"/api/v1/datasets/{dataset}/records/bulk", json={"items": items}))


def _nearest(http: httpx.Client, dataset: str, limit: int = 3) -> list[str]:
    body = {"query": {"vector": {"name": "emb", "value": [1.0, 0.0, 0.0]}}}
    found = _json(http.post(f"/api/v1/datasets/{dataset}/records/search", json=body, params={"limit": limit}))
    return [item["record"]["external_id"] for item in found["items"]]


def _cache_files(home: Path) -> list[Path]:
    return sorted((home / "vector-cache").glob("*.npz"))


def _wait_for(check, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.3)


def test_cache_file_survives_restart_catches_up_and_rebuilds_when_damaged(tmp_path: Path) -> None:
    with running_argilla(tmp_path / "home", "sqlite") as argilla:

        def client() -> httpx.Client:
            headers = {"X-Argilla-Api-Key": argilla.api_key}
            return httpx.Client(base_url=argilla.url, headers=headers, timeout=60)

        with client() as http:
            dataset = _dataset(http)
            _add(http, dataset, VECTORS)
            # written in the background after the records arrive, before any similarity query
            _wait_for(lambda: len(_cache_files(argilla.home)) == 1, "the vector cache file")
            assert _nearest(http, dataset) == ["a0", "a1", "a2"]
        written = _cache_files(argilla.home)[0]
        assert written.stat().st_mode & 0o077 == 0, "the cache file is the owner's only"

        argilla.argilla.stop()
        stamp = written.stat().st_mtime_ns
        argilla.argilla.start()
        with client() as http:
            assert _nearest(http, dataset) == ["a0", "a1", "a2"]  # read back from the file
            _add(http, dataset, LATER)
            assert _nearest(http, dataset) == ["a0", "b0", "a1"]  # caught up with the new record
            _wait_for(lambda: written.stat().st_mtime_ns != stamp, "the cache file rewritten")

        argilla.argilla.stop()
        written.write_bytes(written.read_bytes()[:100])  # a damaged file: ignored, rebuilt
        argilla.argilla.start()
        with client() as http:
            assert _nearest(http, dataset, limit=6) == ["a0", "b0", "a1", "a2", "a3", "a4"]
        _wait_for(lambda: written.stat().st_size > 100, "the cache file rebuilt")
