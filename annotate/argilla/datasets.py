"""Argilla datasets as load and adjudicate write them: created and published without leaving a draft,
records upserted batch by batch with a count of what the server acknowledged.

    dataset = create_dataset(client, rg.Dataset(name="x", workspace=ws, settings=settings, client=client))
    target = Target(ws, dataset, created=True, total=len(records))
    log_records(target, chunks(records, 500), progress)     # target.logged: records the server took

Records are matched by id, so logging the same records again updates them instead of duplicating.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import argilla as rg
    from rich.progress import Progress

T = TypeVar("T")


@dataclass
class Target:
    """The dataset a command writes records to, and how far it got (`logged` records acknowledged)."""

    workspace: rg.Workspace
    dataset: rg.Dataset
    created: bool  # made by this command (so it may delete it again when logging fails)
    total: int
    logged: int = 0


def create_dataset(client: rg.Argilla, draft: rg.Dataset) -> rg.Dataset:
    """Create and publish; the SDK creates a draft first, so a failed publish must not leave it behind."""
    try:
        return draft.create()
    except BaseException:
        leftover = client.datasets(name=draft.name, workspace=draft.workspace)
        if leftover is not None:
            leftover.delete()
        raise


def is_published(dataset: rg.Dataset) -> bool:
    """Whether the dataset on the server is ready for records (not a draft whose publishing failed)."""
    return getattr(dataset._model, "status", "ready") != "draft"


def chunks(items: Sequence[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


RETRY_DELAYS_S = (1.0, 3.0, 9.0)  # a batch answered with a server error (5xx) is sent again after these


def log_batch(dataset: rg.Dataset, batch: list[rg.Record], delays: Sequence[float] = RETRY_DELAYS_S) -> None:
    """Upsert one batch; a 5xx answer (e.g. SQLite's transient "database is locked") is retried, which is
    safe because records are matched by id (nothing is duplicated). Other errors, and the last, propagate."""
    import time

    for delay in (*delays, None):
        try:
            dataset.records.log(batch, batch_size=max(len(batch), 1))
            return
        except Exception as exc:  # noqa: BLE001 - the SDK wraps httpx errors in its own types
            if delay is None or not server_error(exc):
                raise
            time.sleep(delay)


def server_error(exc: BaseException) -> bool:
    """Whether `exc` (or an exception it wraps) is an HTTP answer with a 5xx status."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        response = getattr(current, "response", None)
        status = getattr(response, "status_code", None) or getattr(current, "status_code", None)
        if isinstance(status, int) and 500 <= status < 600:
            return True
        current = current.__cause__ or current.__context__
    return False


def log_records(target: Target, batches: Iterable[list[rg.Record]], progress: Progress | None = None) -> None:
    """Upsert each batch (one request; records matched by id) and count what the server acknowledged."""
    dataset = target.dataset
    task = progress.add_task(f"logging to {dataset.name}", total=target.total) if progress else None
    for batch in batches:
        log_batch(dataset, batch)
        target.logged += len(batch)
        if progress is not None and task is not None:
            progress.advance(task, len(batch))
