"""`python -m demo publish` on a quickstart's run (simulated answers, both models tuned from the offline
fallbacks): four repos, each card written again with the repo ids and passing `cards check --published`,
no folder of the machine in any staged file; the dry run lists the files and each README's front matter;
no token stops it all; a faked Hub."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import huggingface_hub
import pytest
import yaml
from run_factory import (
    INSTRUCTION_FALLBACK_HUB_ID,
    NER_FALLBACK_HUB_ID,
    build_quickstart_run,
    cached_tiny_run,
)

from demo.publish import publish
from runfolder import RunFolder

ROOT = Path(__file__).resolve().parents[1]
FAKE_TOKEN = "hf_NotARealTokenButSecret0123456789"
REPOS = ["somosnlp/quickstart", "somosnlp/quickstart-ner", "somosnlp/quickstart-instruction"]


@pytest.fixture(scope="module")
def quickstart(tmp_path_factory: pytest.TempPathFactory) -> RunFolder:
    base = tmp_path_factory.getbasetemp()
    tiny = cached_tiny_run(base / "demo-tiny-run")
    folder = tmp_path_factory.mktemp("publish")
    return build_quickstart_run(folder / "quickstart", tiny, cache=folder / "cache")


@pytest.fixture
def run(quickstart: RunFolder, tmp_path: Path) -> RunFolder:
    """A copy of the quickstart's run, with the cards `python -m cards build` wrote."""
    shutil.copytree(quickstart.path, tmp_path / "quickstart", ignore=shutil.ignore_patterns("space"))
    return RunFolder(tmp_path / "quickstart")


def cli(*args: str, home: Path, token: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    env |= {"HF_HOME": str(home), "HF_HUB_OFFLINE": "1", **({"HF_TOKEN": token} if token else {})}
    return subprocess.run(
        [sys.executable, "-m", "demo", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


FRONT_MATTER = "front matter of each README.md:"


def listed(stdout: str) -> dict[str, list[str]]:
    """{"dataset somosnlp/quickstart": [files], ...} from the dry run's output."""
    repos: dict[str, list[str]] = {}
    current = ""
    for line in stdout.split(FRONT_MATTER)[0].splitlines()[1:]:
        if line.startswith("    "):
            repos[current].append(line.strip())
        else:
            current = " ".join(line.split()[:2])
            repos[current] = []
    return repos


def front_matters(stdout: str) -> dict[str, dict]:
    """{"model somosnlp/quickstart-ner": the README's YAML header, ...} from the dry run's output: each repo
    named on a line, then its header between --- lines."""
    found: dict[str, dict] = {}
    lines = iter(stdout.split(FRONT_MATTER)[1].strip().splitlines())
    for name in lines:
        assert next(lines) == "---"
        header = list(iter(lines.__next__, "---"))
        found[" ".join(name.split())] = yaml.safe_load("\n".join(header))
    return found


def test_dry_run_lists_the_four_repos_their_files_and_front_matter(run: RunFolder, tmp_path: Path) -> None:
    result = cli("publish", "--run", str(run.path), "--org", "somosnlp", "--dry-run", home=tmp_path / "hf")
    assert result.returncode == 0, result.stderr
    repos = listed(result.stdout)
    assert list(repos) == [
        "dataset somosnlp/quickstart",
        "model somosnlp/quickstart-ner",
        "model somosnlp/quickstart-instruction",
        "space somosnlp/quickstart-demo",
    ]
    splits = ["test", "train", "validation"]
    assert {"README.md", "README_ES.md"} | {
        f"{view}/{split}-00000-of-00001.parquet"
        for view in ("bigbio_kb", "instruction", "tokens")
        for split in splits
    } <= set(repos["dataset somosnlp/quickstart"])
    assert {
        "README.md",
        "README_ES.md",
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "metrics.json",
    } <= set(repos["model somosnlp/quickstart-ner"])
    assert {
        "README.md",
        "README_ES.md",
        "adapter_config.json",
        "adapter_model.safetensors",
        "training.json",
    } <= set(repos["model somosnlp/quickstart-instruction"])
    space = repos["space somosnlp/quickstart-demo"]
    assert {"README.md", "app.py", "demo.json", "requirements.txt", "ner_demo/predict.py"} <= set(space)
    assert not any(f.startswith("model/") for f in space)  # a public Space loads the model repo
    assert "https://huggingface.co/spaces/somosnlp/quickstart-demo" in result.stdout
    assert not run.space.exists()  # a dry run writes nothing into the run folder

    headers = front_matters(result.stdout)
    assert headers["dataset somosnlp/quickstart"]["annotations_creators"] == ["machine-generated"]
    ner, instruction = (
        headers["model somosnlp/quickstart-ner"],
        headers["model somosnlp/quickstart-instruction"],
    )
    assert ner["datasets"] == instruction["datasets"] == ["somosnlp/quickstart"]
    assert (ner["base_model"], instruction["base_model"]) == (
        NER_FALLBACK_HUB_ID,
        INSTRUCTION_FALLBACK_HUB_ID,
    )
    space_header = headers["space somosnlp/quickstart-demo"]
    assert space_header["models"] == REPOS[1:] and space_header["datasets"] == REPOS[:1]


def test_the_staged_repos_pass_cards_check_and_name_no_folder_of_the_machine(
    run: RunFolder, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from cards.cli import app

    stage = tmp_path / "stage"
    adapter = (run.model("instruction") / "adapter_config.json").read_text()
    publish(run, "somosnlp", dry_run=True, echo=lambda _: None, stage=stage)
    assert sorted(p.name for p in stage.iterdir()) == ["dataset", "model-instruction", "model-ner", "space"]
    for folder in sorted(stage.iterdir()):
        checked = CliRunner().invoke(
            app, ["check", str(folder), "--run", str(run.path), "--published", "somosnlp/quickstart"]
        )
        assert checked.exit_code == 0, checked.output
        assert checked.output.count(": ok") == (1 if folder.name == "space" else 2), checked.output
    ner = (stage / "model-ner" / "README.md").read_text()
    assert (
        'model="somosnlp/quickstart-ner"' in ner
        and "](https://huggingface.co/datasets/somosnlp/quickstart)" in ner
    )
    card = (stage / "model-instruction" / "README_ES.md").read_text()
    assert f'AutoModelForCausalLM.from_pretrained("{INSTRUCTION_FALLBACK_HUB_ID}")' in card
    assert 'PeftModel.from_pretrained(base, "somosnlp/quickstart-instruction")' in card
    assert "https://huggingface.co/spaces/somosnlp/quickstart-demo" in card
    staged = json.loads((stage / "model-instruction" / "adapter_config.json").read_text())
    assert staged["base_model_name_or_path"] == INSTRUCTION_FALLBACK_HUB_ID
    assert (
        run.model("instruction") / "adapter_config.json"
    ).read_text() == adapter  # the run's file is untouched
    machine = [str(tmp_path), str(run.path.resolve()), "/tmp/x/site-packages"]
    for path in stage.rglob("*"):
        if path.is_file() and path.suffix in (".json", ".md", ".txt", ".py", ".csv", ".jsonl"):
            text = path.read_text(errors="ignore")
            assert not [m for m in machine if m in text], path


def test_a_private_space_holds_its_model(run: RunFolder, tmp_path: Path) -> None:
    result = cli("publish", "--run", str(run.path), "--org", "o", "--private", "--dry-run", home=tmp_path)
    assert "model/model.safetensors" in listed(result.stdout)["space o/quickstart-demo"]
    assert "(private)" in result.stdout


def test_no_token_is_one_line_and_exit_1(run: RunFolder, tmp_path: Path) -> None:
    result = cli("publish", "--run", str(run.path), "--org", "somosnlp", home=tmp_path / "hf")
    assert result.returncode == 1
    assert result.stderr.startswith("error: no Hugging Face token") and len(result.stderr.splitlines()) == 1
    assert "nothing was uploaded" in result.stderr and result.stdout == ""
    assert not run.space.exists()


def test_missing_cards_name_the_command_that_makes_them(run: RunFolder, tmp_path: Path) -> None:
    shutil.rmtree(run.cards / "model-instruction")
    result = cli("publish", "--run", str(run.path), "--org", "o", "--dry-run", home=tmp_path)
    assert result.returncode == 1 and len(result.stderr.splitlines()) == 1
    assert "cards/model-instruction/README.md is missing" in result.stderr
    assert f"python -m cards build --run {run.path}" in result.stderr


class FakeHub:
    """Records what `HfApi` is asked to do (and the files present at upload time)."""

    calls: list[tuple] = []

    def __init__(self, token: str | None = None) -> None:
        assert token == FAKE_TOKEN
        self.token = token

    def create_repo(self, repo_id: str, **kwargs) -> None:
        self.calls.append(("create", repo_id, kwargs["repo_type"], kwargs["private"], kwargs["space_sdk"]))

    def upload_folder(self, *, repo_id: str, repo_type: str, folder_path: Path, **kwargs) -> None:
        files = sorted(
            p.relative_to(folder_path).as_posix() for p in Path(folder_path).rglob("*") if p.is_file()
        )
        self.calls.append(("upload", repo_id, repo_type, files))
        if repo_type == "dataset":
            from datasets import Dataset

            FakeHub.dataset_card = (Path(folder_path) / "README.md").read_text()
            FakeHub.parquet = Path(folder_path) / "tokens" / "test-00000-of-00001.parquet"
            FakeHub.features = Dataset.from_parquet(str(FakeHub.parquet)).features


def test_publish_creates_and_uploads_the_four_repos(
    run: RunFolder, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("HF_TOKEN", FAKE_TOKEN)
    monkeypatch.setattr(huggingface_hub, "HfApi", FakeHub)
    FakeHub.calls = []
    lines: list[str] = []
    card = (run.cards / "dataset" / "README.md").read_text()
    publish(run, "somosnlp", dry_run=False, echo=lines.append)
    creates = [c for c in FakeHub.calls if c[0] == "create"]
    assert creates == [
        ("create", "somosnlp/quickstart", "dataset", False, None),
        ("create", "somosnlp/quickstart-ner", "model", False, None),
        ("create", "somosnlp/quickstart-instruction", "model", False, None),
        ("create", "somosnlp/quickstart-demo", "space", False, "gradio"),
    ]
    uploads = {c[1]: c[3] for c in FakeHub.calls if c[0] == "upload"}
    assert "tokens/train-00000-of-00001.parquet" in uploads["somosnlp/quickstart"]
    assert "model.safetensors" in uploads["somosnlp/quickstart-ner"]
    assert "adapter_model.safetensors" in uploads["somosnlp/quickstart-instruction"]
    assert "app.py" in uploads["somosnlp/quickstart-demo"]
    assert lines == [
        "dataset  https://huggingface.co/datasets/somosnlp/quickstart",
        "model    https://huggingface.co/somosnlp/quickstart-ner",
        "model    https://huggingface.co/somosnlp/quickstart-instruction",
        "space    https://huggingface.co/spaces/somosnlp/quickstart-demo",
    ]
    # the card gets one config per view (tokens by default); ClassLabel names survive parquet
    configs = yaml.safe_load(FakeHub.dataset_card.split("---\n")[1])["configs"]
    assert [(c["config_name"], c.get("default", False)) for c in configs] == [
        ("bigbio_kb", False),
        ("instruction", False),
        ("tokens", True),
    ]
    assert (run.cards / "dataset" / "README.md").read_text() == card  # the run's card is untouched
    assert FakeHub.features["ner_tags"].feature.names == [
        "O",
        "B-FARMACO",
        "I-FARMACO",
        "B-PROTEINA",
        "I-PROTEINA",
    ]
    # the published Space is the run's space/ folder, and the token is nowhere
    assert (run.space / "demo.json").exists()
    written = "".join(
        p.read_text(errors="ignore") for p in run.path.rglob("*") if p.is_file() and p.stat().st_size < 10**6
    )
    assert FAKE_TOKEN not in written + "\n".join(lines) + "".join(capsys.readouterr())


def test_an_unreachable_hub_is_one_line_and_the_token_is_never_shown(run: RunFolder, tmp_path: Path) -> None:
    result = cli(
        "publish", "--run", str(run.path), "--org", "somosnlp", home=tmp_path / "hf", token=FAKE_TOKEN
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1].startswith(
        "error: could not reach the Hub at https://huggingface.co (dataset somosnlp/quickstart)"
    )
    written = [p.read_bytes() for p in run.path.rglob("*") if p.is_file()]
    assert FAKE_TOKEN not in result.stdout + result.stderr
    assert not any(FAKE_TOKEN.encode() in data for data in written)


def test_a_hub_endpoint_that_does_not_answer_is_one_line(run: RunFolder, tmp_path: Path) -> None:
    from annotate.local.processes import free_port

    endpoint = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    env |= {"HF_HOME": str(tmp_path / "hf"), "HF_TOKEN": FAKE_TOKEN, "HF_ENDPOINT": endpoint}
    result = subprocess.run(
        [sys.executable, "-m", "demo", "publish", "--run", str(run.path), "--org", "somosnlp"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1 and len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith(
        f"error: could not reach the Hub at {endpoint} (dataset somosnlp/quickstart"
    )
    assert "run the same command again" in result.stderr and FAKE_TOKEN not in result.stdout + result.stderr
