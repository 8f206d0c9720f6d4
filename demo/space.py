"""The Space folder: `runs/NAME/space/` from the templates in `spaces/gradio/` and the run folder.

    build_space(RunFolder("runs/demo"))                         # the model copied into space/model/
    build_space(run, model_repo="org/demo-ner", dataset_repo="org/demo", copy_model=False)  # Hub model

The folder runs on its own (`pip install -r requirements.txt && python app.py`): `app.py`, `ner_demo/`
(copies of demo/app.py, predict.py, config.py, which import only gradio/transformers/torch), `demo.json`,
`requirements.txt` and the README's `sdk_version` from the workspace's pins, never typed twice.
Written aside and renamed into place (`RunFolder.atomic_dir`).
"""

from __future__ import annotations

import importlib.metadata
import re
import shutil
import sys
from pathlib import Path

from annotate.runfolder import RunFolder, RunInfo
from demo.config import DemoConfig
from demo.errors import SpaceError
from demo.facts import demo_config

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "spaces"
REQUIREMENTS = ROOT / "requirements.txt"
APP_MODULES = ("app.py", "predict.py", "config.py")
PINNED = ("gradio", "torch", "transformers", "tokenizers")
NOT_MODEL_FILES = {"metrics.json", "training.json", "emissions.csv", "test_predictions.jsonl"}
EMOJI, COLOR_FROM, COLOR_TO = "💊", "blue", "green"
TAGS = ["ner", "token-classification", "biomedical", "spanish", "somosnlp"]
SHORT_DESCRIPTION = "Entidades biomédicas en textos clínicos en español"
PACKAGE_INIT = '"""Copied from the workspace\'s demo/ package by `python -m demo space`: edit it there."""\n'


def pins(names: tuple[str, ...] = PINNED, requirements: Path = REQUIREMENTS) -> dict[str, str]:
    """`name==version` from the workspace's requirements.txt, else the installed version (no `+cpu`)."""
    pinned = {}
    if requirements.exists():
        for line in requirements.read_text(encoding="utf-8").splitlines():
            if match := re.match(r"^\s*([A-Za-z0-9_.-]+)\s*==\s*([^\s;#]+)", line):
                pinned[match[1].lower().replace("_", "-")] = match[2]
    return {n: pinned.get(n) or importlib.metadata.version(n).split("+")[0] for n in names}


def python_version() -> str:
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def hub_license(licence: str | None) -> str:
    """A licence as the Hub spells it: "CC BY 4.0" -> "cc-by-4.0"; unknown -> "other"."""
    if not licence:
        return "other"
    return re.sub(r"[\s_]+", "-", licence.strip().lower())


def run_license(run: RunFolder) -> str:
    info = run.read_json(run.run_json, RunInfo) if run.run_json.exists() else None
    return hub_license(info.corpus.licence if info else None)


def render(template: Path, **values: object) -> str:
    import jinja2

    return jinja2.Template(template.read_text(encoding="utf-8"), keep_trailing_newline=True).render(**values)


def space_readme(config: DemoConfig, license: str, space_id: str | None, versions: dict[str, str]) -> str:
    from huggingface_hub import SpaceCard, SpaceCardData

    from demo.app import facts_markdown

    data = SpaceCardData(
        title=config.title,
        sdk="gradio",
        sdk_version=versions["gradio"],
        python_version=python_version(),
        app_file="app.py",
        license=license,
        models=[config.model_repo] if config.model_repo else None,
        datasets=[config.dataset_repo] if config.dataset_repo else None,
        tags=TAGS,
        emoji=EMOJI,
        colorFrom=COLOR_FROM,
        colorTo=COLOR_TO,
        short_description=SHORT_DESCRIPTION,
        pinned=False,
    )
    card = SpaceCard.from_template(
        data,
        template_path=str(TEMPLATES / "gradio" / "README.md.j2"),
        config=config,
        facts_table=facts_markdown(config.facts),
        space_id=space_id or "http://127.0.0.1:7860",
        pins=versions,
        python_version=python_version(),
    )
    return str(card).rstrip() + "\n"


def copy_model(source: Path, target: Path) -> None:
    """The files `save_pretrained` wrote (weights, config, tokenizer), not the training stage's reports."""
    target.mkdir()
    for path in sorted(source.iterdir()):
        if path.is_file() and path.name not in NOT_MODEL_FILES:
            shutil.copy2(path, target / path.name)


def write_space(folder: Path, run: RunFolder, config: DemoConfig, license: str, space_id: str | None) -> None:
    versions = pins()
    package = folder / "ner_demo"
    package.mkdir()
    (package / "__init__.py").write_text(PACKAGE_INIT, encoding="utf-8")
    for name in APP_MODULES:
        shutil.copy2(Path(__file__).with_name(name), package / name)
    shutil.copy2(TEMPLATES / "gradio" / "app.py", folder / "app.py")
    source = f"pinned in the workspace's {REQUIREMENTS.name}" if REQUIREMENTS.exists() else "installed"
    requirements = render(TEMPLATES / "gradio" / "requirements.txt.j2", pins=versions, source=source)
    (folder / "requirements.txt").write_text(requirements, encoding="utf-8")
    (folder / "demo.json").write_text(config.to_json(), encoding="utf-8")
    (folder / "README.md").write_text(space_readme(config, license, space_id, versions), encoding="utf-8")
    if config.model == "model":
        copy_model(run.model("ner"), folder / "model")


def build_space(
    run: RunFolder,
    out: Path | None = None,
    *,
    model_repo: str | None = None,
    dataset_repo: str | None = None,
    copy_model: bool = True,
    license: str | None = None,
    space_id: str | None = None,
) -> Path:
    """Write the Space folder (default `runs/NAME/space`) atomically and return its path."""
    if not copy_model and not model_repo:
        raise SpaceError("a Space without a copy of the model must name the model's repo: pass --model-repo")
    model = "model" if copy_model else str(model_repo)
    config = demo_config(run, model=model, model_repo=model_repo, dataset_repo=dataset_repo)
    target = out or run.space
    with run.atomic_dir(target) as tmp:
        write_space(tmp, run, config, license or run_license(run), space_id)
    return target
