"""Errors of the `annotate` package.

Every message names the file/line/record and the value, and says what to do. The CLI turns these into
one line on stderr and exit code 1; any other exception is a bug and keeps its traceback.
"""

from __future__ import annotations


class AnnotateError(Exception):
    """Base class of every error `python -m annotate` reports as one line."""


class ServeError(AnnotateError, RuntimeError):
    """The local Argilla (Redis, server, worker) could not start or died."""


class ServeHomeError(ServeError, OSError):
    """`serve --home` is a file, cannot be created or is not writable."""


class HomeInUseError(ServeError):
    """Another `serve` holds the lock of this --home."""


class CredentialsError(ServeError, ValueError):
    """HOME/credentials.json is unreadable or malformed."""


class LoadInterruptedError(AnnotateError, ConnectionError):
    """The server stopped answering during `annotate load`; re-running the same command finishes it."""


class TeamFileError(AnnotateError, ValueError):
    """The team file of `annotate team` cannot be used."""


class SecretsFileError(AnnotateError, PermissionError):
    """The secrets file of `annotate team` cannot be written: no account is created."""


class TeamInterruptedError(AnnotateError, ConnectionError):
    """The server stopped answering during `annotate team`; re-running the same command finishes it."""


class CorpusError(AnnotateError, ValueError):
    """A corpus could not be imported (base of the corpus errors)."""


class CorpusNotFoundError(CorpusError, FileNotFoundError):
    """The corpus path (file, folder or dataset name) does not exist."""


class UnknownFormatError(CorpusError):
    """The corpus format is not one `annotate.corpus` reads, or could not be guessed."""


class EmptyCorpusError(CorpusError):
    """The corpus holds no documents."""


class InvalidDocumentError(CorpusError):
    """A document or annotation object breaks an invariant of the document model (a bug in a reader)."""


class InvalidCorpusError(CorpusError):
    """One or more problems in the corpus; `.problems` lists every one of them (`ImportProblem`)."""

    def __init__(self, message: str, problems: list) -> None:
        super().__init__(message)
        self.problems = problems
