"""`Gap`: what is wrong in a card, and where (file, line), in words that say what to write instead."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Gap:
    """What is wrong where. `kind` "field": a Hub metadata field the run cannot fill (e.g. no Hub id of the
    base model); every other gap is "content"."""

    path: Path
    line: int | None
    message: str
    kind: str = "content"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}" if self.line else f"{self.path}: {self.message}"
