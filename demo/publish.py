"""Publish a run on the Hugging Face Hub: the dataset repo, the model repo and the Space.

    publish(RunFolder("runs/demo"), org="somosnlp", dry_run=True)   # prints what would be uploaded

Repos: `ORG/NAME` (dataset: the dataset card from `cards/dataset/` and each view of `dataset/` as
parquet, one config per view), `ORG/NAME-ner` (the model folder, with the card of `cards/model-ner/`
as README) and `ORG/NAME-demo` (the Space built by `space.py`, which links both repos). A public Space
loads the model from its repo; a private one gets a copy of the model, so that it never needs a token.
Each repo's files are staged in a temporary folder first, so the dry run lists exactly what is uploaded.
The token (`hub.hub_token`) goes to `HfApi` only: never printed or written.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from demo.errors import MissingCardsError, PublishError
from demo.hub import hub_token, network_errors, unreachable
from demo.space import build_space
from runfolder import RunFolder

HUB = "https://huggingface.co"
REPO_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,94}$")
CARD_COMMAND = "python -m cards build --run {run}"


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


def repo_ids(run: RunFolder, org: str, name: str | None = None) -> dict[str, str]:
    name = name or run.path.resolve().name
    ids = {"dataset": f"{org}/{name}", "model": f"{org}/{name}-ner", "space": f"{org}/{name}-demo"}
    for repo_id in [org, *[i.split("/")[1] for i in ids.values()]]:
        if not REPO_NAME.match(repo_id) or "--" in repo_id or ".." in repo_id:
            raise PublishError(f"{repo_id!r} is not a valid Hub name (letters, digits, '-', '_', '.')")
    return ids


def card_folders(run: RunFolder) -> tuple[Path, Path]:
    """cards/dataset/ and cards/model-ner/, each with a README.md, or an error naming the command."""
    folders = (run.cards / "dataset", run.cards / "model-ner")
    missing = [str(f / "README.md") for f in folders if not (f / "README.md").exists()]
    if missing:
        raise MissingCardsError(
            f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing; "
            f"the cards are made by `{CARD_COMMAND.format(run=run.path)}`"
        )
    return folders


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


def stage_dataset(run: RunFolder, card: Path, folder: Path) -> None:
    """The dataset card + every view of dataset/ as parquet (`VIEW/SPLIT-00000-of-00001.parquet`)."""
    import datasets
    from huggingface_hub import DatasetCard

    datasets.disable_progress_bars()
    copy_tree(card, folder)
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
    readme = DatasetCard.load(folder / "README.md")
    if not getattr(readme.data, "configs", None):  # the card's own configs win
        default = next((c for c in configs if c["config_name"] == "tokens"), configs[0])
        default["default"] = True
        readme.data.configs = configs
        (folder / "README.md").unlink()  # a hard link to the card in the run folder: leave that one alone
        readme.save(folder / "README.md")


def stage_model(run: RunFolder, card: Path, folder: Path) -> None:
    """The model folder (weights, tokenizer, metrics, emissions, plots) with the card as README."""
    copy_tree(run.require(run.model("ner")), folder, skip=lambda p: p.parts[0].startswith("checkpoint-"))
    copy_tree(card, folder)


def plan(run: RunFolder, org: str, name: str | None, private: bool, root: Path, space: Path) -> list[Upload]:
    """Stage the three repos under `root` (the Space in `space`) and say what goes where."""
    ids = repo_ids(run, org, name)
    dataset_card, model_card = card_folders(run)
    stage_dataset(run, dataset_card, root / "dataset")
    stage_model(run, model_card, root / "model")
    build_space(
        run,
        space,
        model_repo=ids["model"],
        dataset_repo=ids["dataset"],
        copy_model=private,
        space_id=ids["space"],
    )
    return [
        Upload(ids["dataset"], "dataset", root / "dataset", listing(root / "dataset"), None, ("*.parquet",)),
        Upload(ids["model"], "model", root / "model", listing(root / "model")),
        Upload(ids["space"], "space", space, listing(space), space_sdk="gradio"),
    ]


def describe(uploads: list[Upload], private: bool) -> list[str]:
    lines = []
    for upload in uploads:
        visibility = "private" if private else "public"
        lines.append(f"{upload.repo_type:<8} {upload.repo_id} ({visibility}) {upload.url}")
        lines += [f"    {path}" for path in upload.files]
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
) -> list[Upload]:
    """Create/update the dataset, model and Space repos (or, with `dry_run`, only say what would be)."""
    token = None if dry_run else hub_token()  # before any work: no token, nothing happens
    with tempfile.TemporaryDirectory(prefix="publish-") as tmp:
        space = Path(tmp) / "space" if dry_run else run.space
        uploads = plan(run, org, name, private, Path(tmp), space)
        if dry_run:
            echo("dry run: nothing is created or uploaded; these repos and files would be:")
            for line in describe(uploads, private):
                echo(line)
        else:
            assert token is not None
            upload(uploads, token, private, echo)
    return uploads
