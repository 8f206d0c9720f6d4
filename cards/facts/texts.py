"""The documents of a run as (id, split, text), from whichever dataset view it has.

    for doc in document_texts(RunFolder("runs/demo")):
        doc.id, doc.split, doc.text

`bigbio_kb` gives the original text (its passages joined with a space, as `annotate` writes one text
passage per document); `tokens` the tokens joined with spaces; `instruction`/`labels` their text columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from runfolder import RunFolder, RunFolderError

if TYPE_CHECKING:
    from datasets import DatasetDict

#: views in the order they are tried, and how a row becomes text
TEXT_COLUMNS = {"instruction": ("instruction", "input", "output"), "labels": ("text",)}


@dataclass(frozen=True)
class DocText:
    id: str
    split: str
    text: str


def load_view(run: RunFolder, view: str) -> DatasetDict:
    """The DatasetDict of `dataset/<view>` (errors name the stage that makes it)."""
    from datasets import DatasetDict, load_from_disk

    path = run.require(run.dataset_view(view))
    try:
        data = load_from_disk(str(path))
    except (FileNotFoundError, ValueError) as exc:
        raise RunFolderError(f"{path} is not a saved DatasetDict ({exc}); re-run the export") from None
    if not isinstance(data, DatasetDict):
        raise RunFolderError(f"{path} holds one Dataset, not a DatasetDict of splits; re-run the export")
    return data


def available_views(run: RunFolder) -> list[str]:
    root = run.path / "dataset"
    return sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []


def _row_text(view: str, row: dict[str, Any]) -> str:
    if view == "bigbio_kb":
        return " ".join(t for passage in row["passages"] for t in passage["text"])
    if view == "tokens":
        return " ".join(row["tokens"])
    return "\n".join(str(row[c]) for c in TEXT_COLUMNS[view] if row.get(c))


def document_texts(run: RunFolder) -> list[DocText]:
    """Every document of the run's dataset, from the most faithful view available."""
    views = available_views(run)
    # none at all: load_view("bigbio_kb") raises, naming the command that makes it
    view = next((v for v in ("bigbio_kb", "tokens", *TEXT_COLUMNS) if v in views), "bigbio_kb")
    dataset = load_view(run, view)
    return [
        DocText(str(row.get("document_id") or row.get("id") or f"{split}-{i}"), split, _row_text(view, row))
        for split in dataset
        for i, row in enumerate(dataset[split])
    ]
