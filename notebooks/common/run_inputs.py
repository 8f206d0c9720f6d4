"""The notebook's input: `dataset/tokens` of a run folder, checked before any training starts.

    tokens = load_tokens(RunFolder("runs/demo"))   # DatasetDict train/validation/test, IOB2 ner_tags

A missing or malformed view raises `NotebookInputError` naming the folder and the command that makes it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from notebooks.errors import NotebookInputError
from runfolder import MADE_BY, RunFolder, RunFolderError

if TYPE_CHECKING:
    from datasets import Dataset, DatasetDict

SPLITS = ("train", "validation", "test")
COLUMNS = ("id", "tokens", "ner_tags")


def load_tokens(run: RunFolder) -> DatasetDict:
    """The `tokens` view as a DatasetDict, or a one-line error naming the file and the stage."""
    return check_tokens(run, load_view(run, "tokens"))


def load_view(run: RunFolder, view: str) -> Dataset | DatasetDict:
    """`dataset/<view>` as saved by `datasets`, or a one-line error naming the folder and the stage."""
    from datasets import load_from_disk

    path = run.dataset_view(view)
    try:
        run.require(path)
    except RunFolderError as exc:
        raise NotebookInputError(str(exc)) from None
    try:
        return load_from_disk(str(path))
    except Exception as exc:  # noqa: BLE001 - datasets raises several kinds for a broken folder
        raise malformed(run, view, f"cannot be read as a saved DatasetDict ({_first_line(exc)})") from None


def check_tokens(run: RunFolder, dataset: Dataset | DatasetDict) -> DatasetDict:
    """`dataset` when it is a DatasetDict with IOB2 `ner_tags` in every split, else a one-line error."""
    from datasets import ClassLabel, DatasetDict

    if not isinstance(dataset, DatasetDict):
        raise malformed(
            run, "tokens", "is a single Dataset, expected a DatasetDict with splits " + "/".join(SPLITS)
        )
    missing = [s for s in SPLITS if s not in dataset]
    if missing:
        raise malformed(
            run, "tokens", f"has no split {', '.join(missing)} (found {', '.join(dataset) or 'none'})"
        )
    for split in SPLITS:
        lacking = [c for c in COLUMNS if c not in dataset[split].column_names]
        if lacking:
            raise malformed(run, "tokens", f"split {split} has no column {', '.join(lacking)}")
        feature = getattr(dataset[split].features["ner_tags"], "feature", None)
        if not isinstance(feature, ClassLabel):
            raise malformed(run, "tokens", f"split {split}: ner_tags is not a sequence of ClassLabel")
        wrong = [n for n in feature.names if n != "O" and n[:2] not in ("B-", "I-")]
        if wrong:
            raise malformed(run, "tokens", f"split {split}: tag names {wrong[:3]} are not IOB2 (O, B-X, I-X)")
    if len(dataset["train"]) == 0:
        raise malformed(run, "tokens", "split train is empty")
    return dataset


def malformed(run: RunFolder, view: str, problem: str) -> NotebookInputError:
    maker = MADE_BY[f"dataset/{view}"].format(run=run.path)
    return NotebookInputError(f"{run.dataset_view(view)} {problem}; re-run `{maker}`")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"
