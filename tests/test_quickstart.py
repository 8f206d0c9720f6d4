"""The whole journey: `QUICKSTART_EXIT=1 make quickstart`'s command on the sample corpus, end to end.

Every artifact of the run-folder layout in DESIGN.md is produced, `cards check` passes on the generated
cards, the demo answers a request, and the summary says where the first NER model's suggestions went
(the next round's dataset, how many records, the uncertainty property).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from annotate.local import processes

ROOT = Path(__file__).resolve().parents[1]
LAYOUT = [
    "run.json",
    "import_problems.jsonl",
    "annotations.parquet",
    "agreement.json",
    "review.jsonl",
    "dataset/bigbio_kb/dataset_dict.json",
    "dataset/tokens/dataset_dict.json",
    "models/ner/config.json",
    "models/ner/metrics.json",
    "models/ner/training.json",
    "models/ner/emissions.csv",
    "models/ner/test_predictions.jsonl",
    "dataset/instruction/dataset_dict.json",
    "models/instruction/adapter_config.json",
    "models/instruction/adapter_model.safetensors",
    "models/instruction/metrics.json",
    "models/instruction/training.json",
    "models/instruction/emissions.csv",
    "models/instruction/test_generations.jsonl",
    "privacy.json",
    "bias.json",
    "cards/dataset/README.md",
    "cards/dataset/README_ES.md",
    "cards/model-ner/README.md",
    "cards/model-ner/README_ES.md",
    "cards/model-instruction/README.md",
    "cards/model-instruction/README_ES.md",
    "space/README.md",
    "space/app.py",
    "space/requirements.txt",
]


@pytest.fixture(scope="module")
def journey(tmp_path_factory, llm_cache: Path) -> Path:
    base = tmp_path_factory.mktemp("quickstart")
    run = base / "runs" / "quickstart"
    env = {key: value for key, value in os.environ.items() if not key.startswith("ARGILLA_")}
    env.update(
        QUICKSTART_EXIT="1",
        RUN=str(run),
        ARGILLA_HOME=str(base / "argilla"),
        ARGILLA_PORT=str(processes.free_port()),
        HF_HUB_OFFLINE="1",
        SOMOSNLP_CACHE=str(llm_cache),  # the offline LLM, converted once per test session
    )
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "annotate", "quickstart"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1500,
    )
    (base / "quickstart.log").write_text(result.stdout + result.stderr)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    print(f"quickstart: {time.monotonic() - started:.0f} s; {result.stdout.splitlines()[-1]}")
    for line in ("Stage times:", "NER test F1", "LLM (LoRA) test F1", "LLM (LoRA) before tuning"):
        assert line in result.stdout
    suggested = re.search(
        r"^Suggestions \(next round.*suggested on (\d+) records of '([^']+)'.*$", result.stdout, re.M
    )
    assert suggested, "the summary does not say where the NER model's suggestions went"
    assert int(suggested[1]) > 0 and suggested[2] == "quickstart-ronda-2"
    assert "'incertidumbre'" in suggested[0] and "queue order: uncertainty" in suggested[0]
    assert (run.parent / "quickstart-ronda-2" / "run.json").exists()  # the next round's own run folder
    return run


@pytest.mark.slow
def test_every_artifact_of_the_layout_is_written(journey: Path) -> None:
    missing = [item for item in LAYOUT if not (journey / item).exists()]
    assert not missing, f"missing in {journey}: {missing}"
    assert list((journey / "models" / "ner" / "plots").glob("*.png"))


@pytest.mark.slow
def test_cards_check_passes_on_the_generated_cards(journey: Path) -> None:
    for card in ("dataset", "model-ner", "model-instruction"):
        result = subprocess.run(
            [sys.executable, "-m", "cards", "check", str(journey / "cards" / card), "--run", str(journey)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_the_demo_answers_a_request(journey: Path) -> None:
    from gradio_client import Client

    port = processes.free_port()
    demo = subprocess.Popen(
        [sys.executable, "-m", "demo", "--run", str(journey), "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 180
        while not processes.http_ok(f"http://127.0.0.1:{port}/") and time.monotonic() < deadline:
            assert demo.poll() is None, "the demo exited"
            time.sleep(1)
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        highlighted, table, status = client.predict(
            "Se pautó metformina 850 mg cada 12 horas.", api_name="/analyze"
        )
        assert highlighted is not None and status
        answer, _, _, status = client.predict(
            "Extraiga las entidades FARMACO del texto.",
            "Se pautó metformina 850 mg cada 12 horas.",
            "automática",
            api_name="/instruct",
        )
        assert isinstance(answer, str) and status
    finally:
        demo.terminate()
        demo.wait(30)
