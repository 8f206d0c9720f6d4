"""The Space folder: `runs/NAME/space/` from the templates in `spaces/gradio/` and the run folder.

    build_space(RunFolder("runs/demo"))                         # the model copied into space/model/
    build_space(run, model_repo="org/demo-ner", dataset_repo="org/demo", copy_model=False)  # Hub model

The folder runs on its own (`pip install -r requirements.txt && python app.py`): `app.py`, `ner_demo/`
(the package `demo/runtime/` copied whole: it imports only gradio/transformers/torch/peft, the standard
library and `portable`), `portable/` (the workspace's package copied whole: the notebook's sentence rules,
prompts and decoding, the remix's answer parsing), `demo.json`, `requirements.txt` and the README's
`sdk_version` from the workspace's pins, never typed twice. Written aside and renamed into place
(`RunFolder.atomic_dir`).

With a `models/instruction/` in the run (and `instruction=True`), the instruction tab's model goes into
`instruction/`: the merged weights when the notebook wrote them; else the LoRA adapter and tokenizer, with
the tuned model in `instruction-base/` when it is a local folder (else it loads from the Hub), and peft
pinned in requirements.txt. The README's `models:` lists the NER model's repo and, published, the
instruction model's repo (`instruction_repo`; else the Hub id of the model it was tuned from), and links both.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import json
import re
import shutil
import sys
from pathlib import Path

from demo.errors import SpaceError
from demo.run_config import demo_config
from demo.runtime.app import facts_markdown
from demo.runtime.config import DemoConfig, InstructionConfig
from runfolder import RunFolder, RunInfo

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "spaces"
REQUIREMENTS = ROOT / "requirements.txt"
RUNTIME = Path(__file__).resolve().with_name("runtime")  # copied whole as the Space's SPACE_PACKAGE
PORTABLE = ROOT / "portable"  # standard library only; copied whole as the Space's portable/
SPACE_PACKAGE = "ner_demo"
APP_MODULES = tuple(sorted(p.name for p in RUNTIME.glob("*.py") if p.name != "__init__.py"))
NOT_SOURCE = shutil.ignore_patterns("__pycache__", "*.pyc")
PINNED = ("gradio", "torch", "transformers", "tokenizers")
ADAPTER_PINNED = ("peft",)
NOT_MODEL_FILES = {
    "metrics.json",
    "training.json",
    "emissions.csv",
    "test_predictions.jsonl",
    "test_generations.jsonl",
    "training_args.bin",
    "README.md",
}
INSTRUCTION_DIR, INSTRUCTION_BASE_DIR = "instruction", "instruction-base"
EMOJI, COLOR_FROM, COLOR_TO = "💊", "blue", "green"
TAGS = ["ner", "token-classification", "biomedical", "spanish", "somosnlp"]
SHORT_DESCRIPTION = "Entidades biomédicas en textos clínicos en español"


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


def space_models(config: DemoConfig, instruction_repo: str | None = None) -> list[str] | None:
    """The README's `models:`: the NER model's repo and the instruction model's repo (published), else the
    hub id of the model it was tuned from, when known."""
    instruction = config.instruction and (instruction_repo or config.instruction.base_model)
    names = [config.model_repo, instruction or None]
    return [n for n in dict.fromkeys(names) if n] or None


def space_readme(
    config: DemoConfig,
    license: str,
    space_id: str | None,
    versions: dict[str, str],
    instruction_repo: str | None = None,
) -> str:
    from huggingface_hub import SpaceCard, SpaceCardData

    data = SpaceCardData(
        title=config.title,
        sdk="gradio",
        sdk_version=versions["gradio"],
        python_version=python_version(),
        app_file="app.py",
        license=license,
        models=space_models(config, instruction_repo),
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
        instruction_facts=facts_markdown(config.instruction.facts) if config.instruction else "",
        space_id=space_id or "http://127.0.0.1:7860",
        instruction_repo=instruction_repo if config.instruction else None,
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


def copy_instruction_model(config: InstructionConfig, folder: Path) -> InstructionConfig:
    """The instruction model into the Space (see the module's docstring); the config naming the copies."""
    model, adapter = Path(config.model), Path(config.adapter) if config.adapter else None
    if adapter is None:
        copy_model(model, folder / INSTRUCTION_DIR)
        return dataclasses.replace(config, model=INSTRUCTION_DIR)
    copy_model(adapter, folder / INSTRUCTION_DIR)
    base = config.model
    if model.is_dir():
        copy_model(model, folder / INSTRUCTION_BASE_DIR)
        base = INSTRUCTION_BASE_DIR
    name_base(folder / INSTRUCTION_DIR / "adapter_config.json", base)
    return dataclasses.replace(config, model=base, adapter=INSTRUCTION_DIR)


def name_base(adapter_config: Path, base: str) -> None:
    """The adapter's `base_model_name_or_path` as the Space loads it (its folder in the Space, or a Hub id),
    never the folder of the machine it was tuned on."""
    data = json.loads(adapter_config.read_text(encoding="utf-8"))
    if data.get("base_model_name_or_path") != base:
        adapter_config.write_text(json.dumps({**data, "base_model_name_or_path": base}, indent=2), "utf-8")


def write_space(
    folder: Path,
    run: RunFolder,
    config: DemoConfig,
    license: str,
    space_id: str | None,
    instruction_repo: str | None = None,
) -> None:
    if config.instruction is not None:
        config = dataclasses.replace(config, instruction=copy_instruction_model(config.instruction, folder))
    adapter = config.instruction is not None and config.instruction.adapter is not None
    versions = pins(PINNED + ADAPTER_PINNED if adapter else PINNED)
    shutil.copytree(RUNTIME, folder / SPACE_PACKAGE, ignore=NOT_SOURCE)
    shutil.copytree(PORTABLE, folder / PORTABLE.name, ignore=NOT_SOURCE)
    shutil.copy2(TEMPLATES / "gradio" / "app.py", folder / "app.py")
    source = f"pinned in the workspace's {REQUIREMENTS.name}" if REQUIREMENTS.exists() else "installed"
    requirements = render(TEMPLATES / "gradio" / "requirements.txt.j2", pins=versions, source=source)
    (folder / "requirements.txt").write_text(requirements, encoding="utf-8")
    (folder / "demo.json").write_text(config.to_json(), encoding="utf-8")
    readme = space_readme(config, license, space_id, versions, instruction_repo)
    (folder / "README.md").write_text(readme, encoding="utf-8")
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
    instruction: bool = True,
    max_new_tokens: int | None = None,
    instruction_repo: str | None = None,
) -> Path:
    """Write the Space folder (default `runs/NAME/space`) atomically and return its path; with
    `instruction` and a `models/instruction/` in the run, with the instruction tab and its model
    (`instruction_repo`: its published repo, listed and linked by the README)."""
    if not copy_model and not model_repo:
        raise SpaceError("a Space without a copy of the model must name the model's repo: pass --model-repo")
    model = "model" if copy_model else str(model_repo)
    config = demo_config(
        run,
        model=model,
        model_repo=model_repo,
        dataset_repo=dataset_repo,
        instruction=instruction,
        max_new_tokens=max_new_tokens,
    )
    target = out or run.space
    with run.atomic_dir(target) as tmp:
        write_space(tmp, run, config, license or run_license(run), space_id, instruction_repo)
    return target
