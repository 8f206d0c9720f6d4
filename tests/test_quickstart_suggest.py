"""The quickstart's model-in-the-loop stages against a real local Argilla (the `sqlite_argilla` server),
with run_factory's tiny NER model instead of a training: the corpus is loaded again as the next round,
`annotate suggest` pre-annotates every pending record of it, and the summary says where the suggestions
went. The whole journey is in test_quickstart.py (much slower).
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from pathlib import Path

import pytest
from run_factory import cached_tiny_run

from annotate.quickstart import SAMPLE, Journey, suggest_stages, summary

pytestmark = pytest.mark.slow


def test_the_next_round_gets_the_models_suggestions(sqlite_argilla, tmp_path_factory, tmp_path: Path) -> None:
    tiny = cached_tiny_run(tmp_path_factory.getbasetemp() / "demo-tiny-run")
    run = tmp_path / "runs" / "qs"
    shutil.copytree(tiny.path, run)
    env = {**os.environ, "ARGILLA_API_URL": sqlite_argilla.url, "ARGILLA_API_KEY": sqlite_argilla.api_key}
    journey = Journey(SAMPLE / "brat", "brat", run, f"qs-{uuid.uuid4().hex[:6]}", env)

    suggest_stages(journey)

    said = re.fullmatch(r"suggested on (\d+) records of '([^']+)' .*", journey.suggested or "")
    assert said, journey.suggested
    assert said[2] == journey.next_round == f"{journey.dataset}-ronda-2"
    assert (tmp_path / "runs" / journey.next_round / "run.json").exists()  # its own run folder, beside RUN
    os.environ["ARGILLA_API_URL"], os.environ["ARGILLA_API_KEY"] = sqlite_argilla.url, sqlite_argilla.api_key
    from annotate.argilla.api import list_records
    from annotate.argilla.client import connect
    from annotate.argilla.client import dataset as find

    client = connect()
    items = list_records(client, find(client, journey.next_round, journey.dataset))
    assert int(said[1]) == len(items) > 0  # every record was pending: all got the model's suggestion
    assert all("incertidumbre" in r.metadata and "prioridad_cola" in r.metadata for r in items)
    agents = {getattr(r.suggestion("entidades"), "agent", None) for r in items}
    assert len(agents) == 1 and f"as {next(iter(agents))!r}" in journey.suggested  # the model's, everywhere

    lines = summary(journey, sqlite_argilla.url, "login", None).splitlines()
    assert f"Suggestions (next round, workspace {journey.dataset!r}): {journey.suggested}" in lines
    assert {"load next round", "suggest"} <= set(journey.timings)
