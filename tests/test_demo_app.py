"""The built Space runs on its own: `python app.py` in a clean environment, driven by gradio_client and by
a headless Chromium; and `python -m demo --run` serves the run's model."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from run_factory import cached_tiny_run

from annotate.local import processes
from demo.runtime.predict import Tagger
from demo.space import build_space
from runfolder import RunFolder

ROOT = Path(__file__).resolve().parents[1]
SENTENCE = "Tratamiento con amoxicilina y paracetamol. Se pide troponina I y procalcitonina."
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> RunFolder:
    return cached_tiny_run(tmp_path_factory.getbasetemp() / "demo-tiny-run")


@pytest.fixture(scope="module")
def expected(tiny_run: RunFolder) -> list[tuple[str, str]]:
    """What the model itself finds in SENTENCE, as (text, label)."""
    entities = Tagger.from_pretrained(str(tiny_run.model("ner")))(SENTENCE)
    assert entities, "the tiny model should find an entity in SENTENCE"
    return [(e.text, e.label) for e in entities]


def clean_env(home: Path, port: int) -> dict[str, str]:
    """No PYTHONPATH, no project on the path, no token; offline."""
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "HF_HOME": str(home / "hf"),
        "HF_HUB_OFFLINE": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "GRADIO_SERVER_PORT": str(port),
        "LANG": "C.UTF-8",
    }


@contextlib.contextmanager
def serving(argv: list[str], cwd: Path, env: dict[str, str], port: int, log: Path) -> Iterator[str]:
    """Start `argv`, wait until http://127.0.0.1:PORT answers, yield the URL, stop it (and its group)."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            assert process.poll() is None, log.read_text(errors="replace")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url, timeout=2).status_code == 200:
                    break
            time.sleep(0.5)
        else:
            pytest.fail(f"{argv} did not answer at {url}:\n{log.read_text(errors='replace')[-3000:]}")
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, 15)
        process.wait(30)


@pytest.fixture(scope="module")
def space_url(tiny_run: RunFolder, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The Space folder copied away from the project and started with `python app.py` from inside it."""
    base = tmp_path_factory.mktemp("space-alone")
    space = build_space(tiny_run, base / "space", dataset_repo="somosnlp/tiny")
    port = processes.free_port()
    env = clean_env(base, port)
    with serving([sys.executable, "app.py"], space, env, port, base / "app.log") as url:
        yield url


def test_the_space_serves_entities_to_gradio_client(space_url: str, expected: list[tuple[str, str]]) -> None:
    from gradio_client import Client

    client = Client(space_url, verbose=False)
    highlighted, table, status = client.predict(SENTENCE, api_name="/analyze")
    spans = [(h["token"], h["class_or_confidence"]) for h in highlighted if h["class_or_confidence"]]
    assert spans == expected
    assert "".join(h["token"] for h in highlighted) == SENTENCE
    assert [row[:2] for row in table["data"]] == [list(e) for e in expected]
    assert status.startswith(f"{len(expected)} entidad")


@pytest.mark.parametrize(("text", "message"), [("", "vacío"), ("palabra " * 3000, "24.000 caracteres")])
def test_empty_or_oversized_input_gets_a_message(space_url: str, text: str, message: str) -> None:
    from gradio_client import Client

    highlighted, table, status = Client(space_url, verbose=False).predict(text, api_name="/analyze")
    assert highlighted is None and table["data"] == [] and message in status


def test_python_m_demo_serves_the_run(
    tiny_run: RunFolder, tmp_path: Path, expected: list[tuple[str, str]]
) -> None:
    from gradio_client import Client

    port = processes.free_port()
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1"}
    argv = [sys.executable, "-m", "demo", "--run", str(tiny_run.path), "--port", str(port)]
    with serving(argv, ROOT, env, port, tmp_path / "demo.log") as url:
        config = httpx.get(f"{url}/config", timeout=10).text
        assert (
            "F1 (test)" in config and "g CO₂eq" in config and "Varón de 58 años" in config
        )  # facts, examples
        highlighted, _, _ = Client(url, verbose=False).predict(SENTENCE, api_name="/analyze")
    assert [
        (h["token"], h["class_or_confidence"]) for h in highlighted if h["class_or_confidence"]
    ] == expected


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (make browser)")
def test_a_browser_sees_the_highlighted_entities(
    space_url: str, expected: list[tuple[str, str]], artifacts: Path
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.goto(space_url)
            page.locator("#analyze").click()  # empty input first: a message, no result
            sync_api.expect(page.locator("#status")).to_contain_text("vacío", timeout=30_000)
            page.locator("#text textarea").fill(SENTENCE)
            page.locator("#analyze").click()
            highlighted = page.locator("#entities .token.highlighted")
            sync_api.expect(highlighted).to_have_count(len(expected), timeout=60_000)
            seen = [
                (token.locator(".text").inner_text().strip(), token.inner_text())
                for token in highlighted.all()
            ]
            page.screenshot(path=str(artifacts / "demo_space.png"), full_page=True)
        finally:
            browser.close()
    assert [text for text, _ in seen] == [text for text, _ in expected]
    assert all(label in shown for (_, shown), (_, label) in zip(seen, expected, strict=True))
    assert (artifacts / "demo_space.png").stat().st_size > 10_000
