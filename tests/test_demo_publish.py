"""`python -m demo publish`: the dry run lists repos and files, no token stops it all, a faked Hub."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import huggingface_hub
import pytest
import yaml
from run_factory import cached_tiny_run

from demo.publish import publish
from runfolder import RunFolder

ROOT = Path(__file__).resolve().parents[1]
FAKE_TOKEN = "hf_NotARealTokenButSecret0123456789"
DATASET_CARD = "---\nlicense: cc-by-4.0\nlanguage:\n- es\n---\n# tiny\n"


@pytest.fixture
def run(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> RunFolder:
    """A copy of the tiny run, with the cards `python -m cards build` would write."""
    source = cached_tiny_run(tmp_path_factory.getbasetemp() / "demo-tiny-run")
    shutil.copytree(source.path, tmp_path / "tiny", ignore=shutil.ignore_patterns("space"))
    run = RunFolder(tmp_path / "tiny")
    (run.cards / "dataset").mkdir(parents=True)
    (run.cards / "dataset" / "README.md").write_text(DATASET_CARD)
    (run.cards / "dataset" / "README_ES.md").write_text("# tiny (es)\n")
    (run.cards / "model-ner").mkdir()
    (run.cards / "model-ner" / "README.md").write_text("---\nlicense: cc-by-4.0\n---\n# tiny-ner\n")
    return run


def cli(*args: str, home: Path, token: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    env |= {"HF_HOME": str(home), "HF_HUB_OFFLINE": "1", **({"HF_TOKEN": token} if token else {})}
    return subprocess.run(
        [sys.executable, "-m", "demo", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def listed(stdout: str) -> dict[str, list[str]]:
    """{"dataset somosnlp/tiny": [files], ...} from the dry run's output."""
    repos: dict[str, list[str]] = {}
    current = ""
    for line in stdout.splitlines()[1:]:
        if line.startswith("    "):
            repos[current].append(line.strip())
        else:
            current = " ".join(line.split()[:2])
            repos[current] = []
    return repos


def test_dry_run_lists_the_repos_and_files_without_a_token(run: RunFolder, tmp_path: Path) -> None:
    result = cli("publish", "--run", str(run.path), "--org", "somosnlp", "--dry-run", home=tmp_path / "hf")
    assert result.returncode == 0, result.stderr
    repos = listed(result.stdout)
    assert list(repos) == ["dataset somosnlp/tiny", "model somosnlp/tiny-ner", "space somosnlp/tiny-demo"]
    splits = ["test", "train", "validation"]
    assert repos["dataset somosnlp/tiny"] == ["README.md", "README_ES.md"] + [
        f"{view}/{split}-00000-of-00001.parquet" for view in ("bigbio_kb", "tokens") for split in splits
    ]
    assert {
        "README.md",
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "metrics.json",
        "emissions.csv",
    } <= set(repos["model somosnlp/tiny-ner"])
    space = repos["space somosnlp/tiny-demo"]
    assert {"README.md", "app.py", "demo.json", "requirements.txt", "ner_demo/predict.py"} <= set(space)
    assert not any(f.startswith("model/") for f in space)  # a public Space loads the model repo
    assert "https://huggingface.co/spaces/somosnlp/tiny-demo" in result.stdout
    assert not run.space.exists()  # a dry run writes nothing into the run folder


def test_a_private_space_holds_its_model(run: RunFolder, tmp_path: Path) -> None:
    result = cli("publish", "--run", str(run.path), "--org", "o", "--private", "--dry-run", home=tmp_path)
    assert "model/model.safetensors" in listed(result.stdout)["space o/tiny-demo"]
    assert "(private)" in result.stdout


def test_no_token_is_one_line_and_exit_1(run: RunFolder, tmp_path: Path) -> None:
    result = cli("publish", "--run", str(run.path), "--org", "somosnlp", home=tmp_path / "hf")
    assert result.returncode == 1
    assert result.stderr.startswith("error: no Hugging Face token") and len(result.stderr.splitlines()) == 1
    assert "nothing was uploaded" in result.stderr and result.stdout == ""
    assert not run.space.exists()


def test_missing_cards_name_the_command_that_makes_them(run: RunFolder, tmp_path: Path) -> None:
    shutil.rmtree(run.cards / "model-ner")
    result = cli("publish", "--run", str(run.path), "--org", "o", "--dry-run", home=tmp_path)
    assert result.returncode == 1 and len(result.stderr.splitlines()) == 1
    assert "cards/model-ner/README.md is missing" in result.stderr
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


def test_publish_creates_and_uploads_the_three_repos(
    run: RunFolder, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("HF_TOKEN", FAKE_TOKEN)
    monkeypatch.setattr(huggingface_hub, "HfApi", FakeHub)
    FakeHub.calls = []
    lines: list[str] = []
    publish(run, "somosnlp", dry_run=False, echo=lines.append)
    creates = [c for c in FakeHub.calls if c[0] == "create"]
    assert creates == [
        ("create", "somosnlp/tiny", "dataset", False, None),
        ("create", "somosnlp/tiny-ner", "model", False, None),
        ("create", "somosnlp/tiny-demo", "space", False, "gradio"),
    ]
    uploads = {c[1]: c[3] for c in FakeHub.calls if c[0] == "upload"}
    assert "tokens/train-00000-of-00001.parquet" in uploads["somosnlp/tiny"]
    assert "model.safetensors" in uploads["somosnlp/tiny-ner"] and "app.py" in uploads["somosnlp/tiny-demo"]
    assert lines == [
        "dataset  https://huggingface.co/datasets/somosnlp/tiny",
        "model    https://huggingface.co/somosnlp/tiny-ner",
        "space    https://huggingface.co/spaces/somosnlp/tiny-demo",
    ]
    # the card gets one config per view (tokens by default); ClassLabel names survive parquet
    configs = yaml.safe_load(FakeHub.dataset_card.split("---\n")[1])["configs"]
    assert [(c["config_name"], c.get("default", False)) for c in configs] == [
        ("bigbio_kb", False),
        ("tokens", True),
    ]
    assert (run.cards / "dataset" / "README.md").read_text() == DATASET_CARD  # the run's card is untouched
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
        "error: could not reach the Hub at https://huggingface.co (dataset somosnlp/tiny)"
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
    assert result.stderr.startswith(f"error: could not reach the Hub at {endpoint} (dataset somosnlp/tiny")
    assert "run the same command again" in result.stderr and FAKE_TOKEN not in result.stdout + result.stderr
