"""Errors of the `cards` package, every one of them here.

Every message names the file and the value and says what to do. `python -m cards` turns these (and
`runfolder.RunFolderError`, a missing or malformed run-folder input, which names the command
that makes it) into one line on stderr and exit code 1; any other exception is a bug and keeps its
traceback. Each class has the built-in base that says what went wrong, so callers can catch either.
This module imports nothing of `cards`.
"""

from __future__ import annotations

from collections.abc import Sequence


class CardsError(Exception):
    """Base class of every error `python -m cards` reports as one line."""


class CardNotFoundError(CardsError, FileNotFoundError):
    """`cards check` was given a path that is not a card, or a folder without README*.md."""


class CardOptionError(CardsError, ValueError):
    """An option of `cards check` has a value it does not know (e.g. `--kind`)."""


class CardGapsError(CardsError, RuntimeError):
    """The generated cards failed their own check; `.gaps` lists what is wrong (`cards.check.gap.Gap`s;
    typed loosely so that this module imports nothing of `cards`): a bug in `cards`."""

    def __init__(self, message: str, gaps: Sequence[object]) -> None:
        super().__init__(message)
        self.gaps = list(gaps)
