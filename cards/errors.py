"""Errors of the `cards` package.

Every message names the file and the value and says what to do. `python -m cards` turns these (and
`annotate.runfolder.RunFolderError`, a missing or malformed input) into one line on stderr and exit
code 1; any other exception is a bug and keeps its traceback.
"""

from __future__ import annotations


class CardsError(Exception):
    """Base class of every error `python -m cards` reports as one line."""


class CardGapsError(CardsError):
    """The generated cards failed their own check; `.gaps` lists what is wrong (a bug in `cards`)."""

    def __init__(self, message: str, gaps: list) -> None:
        super().__init__(message)
        self.gaps = gaps
