"""Publish a run on the Hugging Face Hub: the dataset, the NER model, the instruction model and the Space.

    publish(RunFolder("runs/demo"), org="somosnlp", dry_run=True)   # prints what would be uploaded

Repos (`cards.measure.context.HubRepos.named`): `ORG/NAME` (dataset: the dataset card and each view of
`dataset/` as parquet, one config per view), `ORG/NAME-ner` (the model folder), `ORG/NAME-instruction`
(when the run has a scored `models/instruction/`: the LoRA adapter and its tokenizer, `merged/` when the
notebook wrote it) and `ORG/NAME-demo` (the Space built by `space.py`, whose README lists both models and
the dataset). A public Space loads the NER model from its repo; a private one gets a copy, so that it
never needs a token.

Each card is written again for its repo (`cards.write.build.publication_cards`): `datasets: [ORG/NAME]`,
"How to Get Started" loading `ORG/NAME-ner` or the adapter on its base model's Hub id, the cards and the
Space linked by URL; then every staged README (the Space's too) must pass `cards check` with those ids.
A model's JSON files name no folder of this machine: the adapter's `base_model_name_or_path` and
training.json's `model_used` become the Hub id of the weights tuned, any other path inside the run its
run-relative path. Each repo's files are staged in a folder first (`stage`, default a temporary one), so
the dry run lists exactly what is uploaded, with the final front matter of each README. The token
(`hub.hub_token`) goes to `HfApi` only: never printed or written.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cards.check.card import check_card
from cards.check.known import known_from_run
from cards.check.truth import machine_paths
from cards.errors import CardGapsError
from cards.measure.context import HubRepos
from cards.write.build import publication_cards
from demo.errors import MissingCardsError, PublishError
from demo.hub import hub_token, network_errors, unreachable
from demo.space import build_space
from runfolder import RunFolder, TrainingInfo

HUB = "https://huggingface.co"
REPO_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,94}$")
CARD_COMMAND = "python -m cards build --run {run}"
#: keys of a model's JSON files that name the model a folder was loaded from
MODEL_KEYS = ("base_model_name_or_path", "_name_or_path", "name_or_path", "model_used")
TEXT_FILES = (".json", ".jsonl", ".md", ".txt", ".csv", ".py", ".yaml", ".yml", ".cfg")


@dataclass(frozen=True)
class Upload:
    repo_id: str
    repo_type: str  # dataset | model | space
    folder: Path  # the staged files, uploaded as they are
    files: tuple[str, ...]  # their paths in the repo
    space_sdk: str | None = None
    delete_patterns: tuple[str, ...] = ()  # remote files replaced on every upload

    @property
    def url(self) -> str:
        prefix = {"dataset": "datasets/", "space": "spaces/"}.get(self.repo_type, "")
        return f"{HUB}/{prefix}{self.repo_id}"


def listing(folder: Path) -> tuple[str, ...]:
    return tuple(sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()))


def hub_repos(run: RunFolder, org: str, name: str | None = None) -> HubRepos:
    """The repos of the run: ORG/NAME, ORG/NAME-<task> for each scored model, ORG/NAME-demo."""
    name = name or run.path.resolve().name
    hub = HubRepos.named(f"{org}/{name}", [t for t in ("ner", "instruction") if t in run.model_tasks()])
    for part in [org, *[i.split("/")[1] for i in (hub.dataset, *hub.models.values(), hub.space or "")]]:
        if not REPO_NAME.match(part) or "--" in part or ".." in part:
            raise PublishError(f"{part!r} is not a valid Hub name (letters, digits, '-', '_', '.')")
    return hub


def require_cards(run: RunFolder, tasks: list[str]) -> None:
    """cards/dataset/ and cards/model-<task>/ (with bias.json and privacy.json) must have been built:
    else an error naming the command."""
    folders = [run.cards / "dataset", *(run.cards / f"model-{task}" for task in tasks)]
    missing = [str(f / "README.md") for f in folders if not (f / "README.md").exists()]
    missing += [str(p) for p in (run.bias, run.privacy) if not p.exists()]
    if missing:
        raise MissingCardsError(
            f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing; "
            f"the cards are made by `{CARD_COMMAND.format(run=run.path)}`"
        )


def copy_tree(source: Path, target: Path, skip: Callable[[Path], bool] = lambda _: False) -> None:
    """Copy `source`'s files into `target` (hard links when possible: the model can be large)."""
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if path.is_file() and not skip(relative):
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(path, target / relative)
            except OSError:
                shutil.copy2(path, target / relative)


def stage_dataset(run: RunFolder, folder: Path) -> None:
    """Beside the dataset card in `folder`: every view of dataset/ as parquet
    (`VIEW/SPLIT-00000-of-00001.parquet`), one config per view in the card's `configs:`."""
    import datasets
    from huggingface_hub import DatasetCard

    datasets.disable_progress_bars()
    views = sorted(p.parent for p in run.require(run.path / "dataset").glob("*/dataset_dict.json"))
    if not views:
        run.require(run.dataset_view("tokens"))
    configs: list[dict[str, object]] = []  # the card's `configs:` YAML
    for view in views:
        splits = datasets.load_from_disk(str(view))
        for split, rows in splits.items():
            rows.to_parquet(str(folder / view.name / f"{split}-00000-of-00001.parquet"))
        data_files = [{"split": s, "path": f"{view.name}/{s}-*.parquet"} for s in splits]
        configs.append({"config_name": view.name, "data_files": data_files})
    for readme in sorted(folder.glob("README*.md")):
        card = DatasetCard.load(readme)
        if not getattr(card.data, "configs", None):  # the card's own configs win
            default = next((c for c in configs if c["config_name"] == "tokens"), configs[0])
            default["default"] = True
            card.data.configs = configs
            card.save(readme)


def stage_model(run: RunFolder, task: str, folder: Path, base_hub_id: str | None) -> None:
    """Beside the card in `folder`: the model folder (weights, tokenizer, adapter, merged/, metrics,
    emissions, plots; no checkpoint, no README of its own), its JSON files without folders of this machine."""
    source = run.require(run.model(task))
    copy_tree(
        source, folder, skip=lambda p: p.parts[0].startswith("checkpoint-") or p.name.startswith("README")
    )
    for path in sorted(folder.rglob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        clean = without_machine_paths(data, run, base_hub_id)
        if clean != data:
            path.unlink()  # a hard link to the run's file: leave that one alone
            path.write_text(json.dumps(clean, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def without_machine_paths(data: Any, run: RunFolder, base_hub_id: str | None, key: str = "") -> Any:
    """`data` with each absolute path replaced: a model's (`MODEL_KEYS`) by the Hub id of the weights
    tuned, one inside the run by its run-relative path, any other by its last part."""
    if isinstance(data, dict):
        return {k: without_machine_paths(v, run, base_hub_id, k) for k, v in data.items()}
    if isinstance(data, list):
        return [without_machine_paths(v, run, base_hub_id, key) for v in data]
    if not isinstance(data, str) or not os.path.isabs(data):
        return data
    if key in MODEL_KEYS and base_hub_id:
        return base_hub_id
    path, root = Path(data).resolve(), run.path.resolve()
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name


def base_hub_id(run: RunFolder, task: str) -> str | None:
    from cards.facts.model_folder import base_hub_id as hub_id

    return hub_id(run.read_json(run.require(run.model(task) / "training.json"), TrainingInfo))


def plan(run: RunFolder, org: str, name: str | None, private: bool, root: Path, space: Path) -> list[Upload]:
    """Stage the repos under `root` (the Space in `space`), check their READMEs, say what goes where."""
    hub = hub_repos(run, org, name)
    require_cards(run, list(hub.models))
    try:
        publication_cards(run.path, root, hub)
    except CardGapsError as exc:
        raise PublishError(str(exc)) from None
    stage_dataset(run, root / "dataset")
    for task in hub.models:
        stage_model(run, task, root / f"model-{task}", base_hub_id(run, task))
    build_space(
        run,
        space,
        model_repo=hub.models["ner"],
        dataset_repo=hub.dataset,
        copy_model=private,
        space_id=hub.space,
        instruction_repo=hub.models.get("instruction"),
    )
    uploads = [
        Upload(hub.dataset, "dataset", root / "dataset", listing(root / "dataset"), None, ("*.parquet",))
    ]
    uploads += [
        Upload(hub.models[t], "model", root / f"model-{t}", listing(root / f"model-{t}")) for t in hub.models
    ]
    uploads.append(Upload(hub.space or "", "space", space, listing(space), space_sdk="gradio"))
    check_staged(run, hub, uploads)
    return uploads


def check_staged(run: RunFolder, hub: HubRepos, uploads: list[Upload]) -> None:
    """Every staged README passes `cards check` with the repo ids, and no staged text file names a folder
    of this machine; else nothing is uploaded."""
    problems = []
    known = known_from_run(run)
    pattern = machine_paths()
    for item in uploads:
        for readme in [item.folder / f for f in item.files if Path(f).name.startswith("README")]:
            gaps = check_card(readme, known=known if item.repo_type != "space" else None, hub=hub)
            problems += [str(g) for g in gaps if g.kind != "field"]
        for name in item.files:
            path = item.folder / name
            if path.suffix in TEXT_FILES and (match := pattern.search(path.read_text(errors="ignore"))):
                problems.append(f"{item.repo_type} {item.repo_id}: {name} names {match.group()!r}")
    if problems:
        raise PublishError(
            f"the staged repos fail their check ({len(problems)}: {'; '.join(problems[:3])}); nothing was "
            "uploaded. This is a bug in demo publish or cards: report it"
        )


def front_matter(readme: Path) -> list[str]:
    text = readme.read_text(encoding="utf-8")
    return text.split("---\n", 2)[1].rstrip("\n").splitlines() if text.startswith("---\n") else []


def describe(uploads: list[Upload], private: bool) -> list[str]:
    """Each repo with its files, then the front matter of each repo's README.md as the Hub will read it."""
    lines = []
    for upload in uploads:
        visibility = "private" if private else "public"
        lines.append(f"{upload.repo_type:<8} {upload.repo_id} ({visibility}) {upload.url}")
        lines += [f"    {path}" for path in upload.files]
    lines.append("front matter of each README.md:")
    for upload in uploads:
        lines += [
            f"{upload.repo_type:<8} {upload.repo_id}",
            "---",
            *front_matter(upload.folder / "README.md"),
            "---",
        ]
    return lines


def upload(uploads: list[Upload], token: str, private: bool, echo: Callable[[str], None]) -> None:
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError

    api = HfApi(token=token)
    for item in uploads:
        try:
            api.create_repo(
                item.repo_id,
                repo_type=item.repo_type,
                private=private,
                exist_ok=True,
                space_sdk=item.space_sdk,
            )
            api.upload_folder(
                repo_id=item.repo_id,
                repo_type=item.repo_type,
                folder_path=item.folder,
                commit_message="python -m demo publish",
                delete_patterns=list(item.delete_patterns) or None,
            )
        except HfHubHTTPError as exc:
            status = exc.response.status_code if exc.response is not None else "?"
            raise PublishError(
                f"the Hub refused {item.repo_type} {item.repo_id} (HTTP {status}): {str(exc).splitlines()[0]}"
            ) from None
        except network_errors() as exc:
            raise unreachable(f"{item.repo_type} {item.repo_id}", exc) from None
        echo(f"{item.repo_type:<8} {item.url}")


def publish(
    run: RunFolder,
    org: str,
    name: str | None = None,
    private: bool = False,
    dry_run: bool = False,
    echo: Callable[[str], None] = print,
    stage: Path | None = None,
) -> list[Upload]:
    """Create/update the dataset, model(s) and Space repos (or, with `dry_run`, only say what would be);
    `stage`: an empty or new folder to stage the repos in and keep (default: a temporary one)."""
    token = None if dry_run else hub_token()  # before any work: no token, nothing happens
    if stage is not None and stage.exists() and any(stage.iterdir()):
        raise PublishError(f"{stage} is not empty: give a new or empty folder to --stage")
    with tempfile.TemporaryDirectory(prefix="publish-") as tmp:
        root = stage or Path(tmp)
        space = root / "space" if dry_run else run.space
        uploads = plan(run, org, name, private, root, space)
        if dry_run:
            echo("dry run: nothing is created or uploaded; these repos and files would be:")
            for line in describe(uploads, private):
                echo(line)
        else:
            assert token is not None
            upload(uploads, token, private, echo)
    return uploads
