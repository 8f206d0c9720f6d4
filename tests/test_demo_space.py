"""The Space folder (`python -m demo space`), the demo's facts from the run folder, the Argilla Space."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from run_factory import TINY_EMISSIONS_KG, build_tiny_run, cached_tiny_run

from demo.argilla_space import build_argilla_space
from demo.errors import SpaceError
from demo.run_config import example_texts, read_emissions, rebuild_text
from demo.space import APP_MODULES, build_space, hub_license, pins
from runfolder import Metrics, RunFolder, RunFolderError

ROOT = Path(__file__).resolve().parents[1]
ALLOWED_IMPORTS = {"gradio", "transformers", "torch", "peft", "__future__"} | set(sys.stdlib_module_names)
PORTABLE_MODULES = sorted(p.name for p in (ROOT / "portable").glob("*.py"))


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> RunFolder:
    return cached_tiny_run(tmp_path_factory.getbasetemp() / "demo-tiny-run")


@pytest.fixture(scope="module")
def space(tiny_run: RunFolder, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("space") / "space"
    return build_space(tiny_run, out, model_repo="somosnlp/tiny-ner", dataset_repo="somosnlp/tiny")


def front_matter(readme: Path) -> dict:
    _, header, _ = readme.read_text(encoding="utf-8").split("---\n", 2)
    return yaml.safe_load(header)


def project_pin(name: str) -> str:
    line = next(x for x in (ROOT / "requirements.txt").read_text().splitlines() if x.startswith(f"{name}=="))
    return line.split("==")[1].strip()


def test_space_folder_holds_the_app_the_config_and_the_model(space: Path) -> None:
    files = {p.relative_to(space).as_posix() for p in space.rglob("*") if p.is_file()}
    expected = {"README.md", "app.py", "requirements.txt", "demo.json", "ner_demo/__init__.py"}
    assert expected | {f"ner_demo/{m}" for m in APP_MODULES} <= files
    assert {f"portable/{m}" for m in PORTABLE_MODULES} <= files  # copied whole, never spliced
    for module in PORTABLE_MODULES:
        assert (space / "portable" / module).read_bytes() == (ROOT / "portable" / module).read_bytes()
    assert not any("__pycache__" in f for f in files)
    assert {"model/config.json", "model/model.safetensors", "model/tokenizer.json"} <= files
    assert not {"model/metrics.json", "model/emissions.csv"} & files  # reports stay in the model repo


def test_readme_yaml_names_the_pinned_gradio_the_model_and_the_dataset(space: Path) -> None:
    meta = front_matter(space / "README.md")
    assert meta["sdk"] == "gradio"
    assert meta["sdk_version"] == project_pin("gradio") == pins()["gradio"]
    assert meta["app_file"] == "app.py" and (space / meta["app_file"]).exists()
    assert meta["models"] == ["somosnlp/tiny-ner"] and meta["datasets"] == ["somosnlp/tiny"]
    assert meta["license"] == "cc-by-4.0"  # from run.json's corpus licence "CC BY 4.0"
    assert {"title", "emoji", "colorFrom", "colorTo", "tags", "python_version"} <= set(meta)
    assert meta["python_version"] == f"{sys.version_info.major}.{sys.version_info.minor}"


def test_requirements_are_the_project_pins(space: Path) -> None:
    lines = (space / "requirements.txt").read_text().splitlines()
    pinned = dict(x.split("==") for x in lines if "==" in x and not x.startswith("#"))
    assert pinned == {name: project_pin(name) for name in ("gradio", "torch", "transformers", "tokenizers")}


@pytest.mark.parametrize(
    "module", [*(f"ner_demo/{m}" for m in APP_MODULES), *(f"portable/{m}" for m in PORTABLE_MODULES)]
)
def test_the_space_code_imports_only_gradio_transformers_torch(space: Path, module: str) -> None:
    """The Space's code imports gradio/transformers/torch/peft, the standard library and its own
    `portable` package."""
    tree = ast.parse((space / module).read_text())
    imported = {
        n.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for n in node.names
    }
    imported |= {
        n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level == 0
    }
    allowed = ALLOWED_IMPORTS | {"portable"}
    assert imported <= allowed, imported - allowed


def test_demo_json_has_the_model_card_facts(space: Path, tiny_run: RunFolder) -> None:
    config = json.loads((space / "demo.json").read_text())
    metrics = Metrics.model_validate_json((tiny_run.model("ner") / "metrics.json").read_text())
    assert config["facts"]["test_f1"] == metrics.test.overall.f1
    assert config["facts"]["emissions_g"] == pytest.approx(TINY_EMISSIONS_KG * 1000)  # kg in codecarbon's csv
    assert config["model"] == "model" and config["model_repo"] == "somosnlp/tiny-ner"
    assert config["examples"][0].startswith("Varón de 58 años")  # sintetico-test-01.txt
    assert "0.123 g CO₂eq" in (space / "README.md").read_text()


def example_texts_fall_back_to_the_tokens_view(tiny_run: RunFolder, tmp_path: Path) -> None:
    import shutil

    copy = RunFolder(tmp_path / "run")
    shutil.copytree(tiny_run.dataset_view("tokens"), copy.dataset_view("tokens"))
    assert example_texts(copy)[0].startswith("Varón de 58 años con diabetes tipo 2 y obesidad.")
    assert example_texts(RunFolder(tmp_path / "empty")) == []


def test_rebuild_text_puts_tokens_back_at_their_offsets() -> None:
    assert rebuild_text(["Se", "añade", "metformina", "."], [[0, 2], [3, 8], [10, 20], [20, 21]]) == (
        "Se añade  metformina."
    )


def test_emissions_are_read_from_the_last_row_in_grams(tmp_path: Path) -> None:
    csv = tmp_path / "emissions.csv"
    csv.write_text("timestamp,emissions,energy_consumed\nt1,0.5,1.0\nt2,0.0021,0.004\n")
    assert read_emissions(csv) == (pytest.approx(2.1), 0.004)
    assert read_emissions(tmp_path / "missing.csv") == (None, None)
    csv.write_text("timestamp,duration\nt1,3\n")
    with pytest.raises(RunFolderError, match="emissions"):
        read_emissions(csv)


def test_missing_model_names_the_command_that_makes_it(tmp_path: Path) -> None:
    with pytest.raises(RunFolderError, match=r"models/ner is missing; it is made by `make train"):
        build_space(RunFolder(tmp_path))


def test_a_space_without_model_copy_needs_the_model_repo(tiny_run: RunFolder, tmp_path: Path) -> None:
    with pytest.raises(SpaceError, match="--model-repo"):
        build_space(tiny_run, tmp_path / "space", copy_model=False)
    out = build_space(tiny_run, tmp_path / "space", copy_model=False, model_repo="org/m")
    assert not (out / "model").exists() and json.loads((out / "demo.json").read_text())["model"] == "org/m"


@pytest.mark.parametrize(
    ("licence", "hub"),
    [("CC BY 4.0", "cc-by-4.0"), ("apache-2.0", "apache-2.0"), ("MIT", "mit"), (None, "other")],
)
def test_licences_are_spelled_as_the_hub_does(licence: str | None, hub: str) -> None:
    assert hub_license(licence) == hub


def test_space_cli_writes_run_space(tiny_run: RunFolder, tmp_path: Path) -> None:
    out = tmp_path / "cli-space"
    result = subprocess.run(
        [sys.executable, "-m", "demo", "space", "--run", str(tiny_run.path), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert (out / "app.py").exists() and str(out) in result.stdout


def test_argilla_space_pins_the_image_and_explains_storage(tmp_path: Path) -> None:
    out = build_argilla_space(tmp_path / "argilla", workspaces=["farmacos"], org="somosnlp")
    meta = front_matter(out / "README.md")
    assert meta["sdk"] == "docker" and meta["app_port"] == 6900 and meta["hf_oauth"] is True
    assert meta["hf_oauth_authorized_org"] == "somosnlp"
    assert f"FROM argilla/argilla-hf-spaces:v{project_pin('argilla')}\n" in (out / "Dockerfile").read_text()
    oauth = yaml.safe_load((out / ".oauth.yaml").read_text())
    assert oauth == {
        "enabled": True,
        "providers": [{"name": "huggingface"}],
        "allowed_workspaces": [{"name": "farmacos"}],
    }
    readme = (out / "README.md").read_text()
    assert "persistent storage" in readme and "is lost" in readme and "/data" in readme


def test_cli_errors_are_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "demo", "space", "--run", str(tmp_path / "nope")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"error: {tmp_path / 'nope' / 'models' / 'ner'} is missing; it is made by "
        f"`make train RUN={tmp_path / 'nope'} (notebooks/finetune_ner.ipynb)`"
    ]


def test_the_space_loads_its_model_folder_else_the_hub_repo(tmp_path: Path) -> None:
    from demo.runtime.config import DemoConfig

    config = DemoConfig(title="t", model="model", model_repo="org/m")
    assert config.model_source(tmp_path) == "org/m"
    (tmp_path / "model").mkdir()
    assert config.model_source(tmp_path) == str(tmp_path / "model")
    assert DemoConfig.from_dict(json.loads(config.to_json())) == config


def test_a_toy_run_never_replaces_a_real_one(tmp_path: Path) -> None:
    (tmp_path / "run.json").write_text("{}")
    with pytest.raises(FileExistsError, match="not empty"):
        build_tiny_run(tmp_path)
