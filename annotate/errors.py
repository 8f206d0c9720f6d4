"""Errors of the `annotate` package: every error class of annotate (and its sub-packages) is here.

Every message names the file/line/record and the value, and says what to do. The CLI turns these into
one line on stderr and exit code 1; any other exception is a bug and keeps its traceback. Each class
also subclasses the built-in error that matches what went wrong (a bad value is a `ValueError`, a
missing file a `FileNotFoundError`, a server that does not answer a `ConnectionError`), so library
callers can catch it either way. The SDK's and httpx's own errors never leave `annotate.argilla`:
`annotate.argilla.api` turns them into the Argilla errors below.
"""

from __future__ import annotations

from collections.abc import Sequence


class AnnotateError(Exception):
    """Base class of every error `python -m annotate` reports as one line."""


class QuickstartError(AnnotateError, RuntimeError):
    """A stage of `annotate quickstart` failed, or its demo did not start."""


# -- the local Argilla (annotate.local) ---------------------------------------------------------------


class ServeError(AnnotateError, RuntimeError):
    """The local Argilla (Redis, server, worker) could not start or died."""


class ServeHomeError(ServeError, OSError):
    """`serve --home` is a file, cannot be created or is not writable."""


class HomeInUseError(ServeError):
    """Another `serve` holds the lock of this --home."""


class CredentialsError(ServeError, ValueError):
    """HOME/credentials.json is unreadable or malformed."""


# -- talking to Argilla (annotate.argilla) -------------------------------------------------------------


class ArgillaConnectionError(AnnotateError, ConnectionError):
    """Argilla is not configured, not reachable, refuses the key, or stopped answering.

    `transport` names the httpx failure (ConnectError, ReadError, ...) when the server was lost."""

    def __init__(self, message: str, transport: str | None = None) -> None:
        super().__init__(message)
        self.transport = transport


class ArgillaRequestError(AnnotateError, OSError):
    """Argilla answered a request with an error (a 4xx/5xx status)."""


class ArgillaNotFoundError(AnnotateError, LookupError):
    """A workspace, dataset or user named on the command line is not on the server."""


class OptionError(AnnotateError, ValueError):
    """An option value the command cannot use (e.g. a probability outside 0..1)."""


class TemplateError(AnnotateError, ValueError):
    """A dataset on the server does not match the template (task, labels, questions) a command needs."""


class SuggestionError(AnnotateError, ValueError):
    """A --suggestions source that cannot be used."""


class ModelNotFoundError(SuggestionError, FileNotFoundError):
    """The NER model `annotate suggest` should use is not there (not trained yet, or a wrong path)."""


class LabelMismatchError(SuggestionError):
    """The model predicts entity types the dataset's span question does not have."""


class ExportError(AnnotateError, ValueError):
    """The project cannot be exported (yet)."""


class LoadInterruptedError(AnnotateError, ConnectionError):
    """The server stopped answering during `annotate load`; re-running the same command finishes it."""


class TeamFileError(AnnotateError, ValueError):
    """The team file of `annotate team` cannot be used."""


class SecretsFileError(AnnotateError, PermissionError):
    """The secrets file of `annotate team` cannot be written: no account is created."""


class TeamInterruptedError(AnnotateError, ConnectionError):
    """The server stopped answering during `annotate team`; re-running the same command finishes it."""


class HubTokenError(AnnotateError, PermissionError):
    """No Hugging Face token: nothing is uploaded."""


class HubUnreachableError(AnnotateError, ConnectionError):
    """The Hub (HF_ENDPOINT) did not answer."""


# -- scores and instruction samples (annotate.agreement, annotate.adjudication, annotate.remix) --------


class AgreementError(AnnotateError, ValueError):
    """Annotations that cannot be scored or adjudicated as given (the message says which and why)."""


class RemixError(AnnotateError, ValueError):
    """The templates or the run folder cannot be remixed into instructions (the message says why)."""


# -- corpora (annotate.corpus, annotate.instruction_io) ------------------------------------------------


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


class StandoffLineError(CorpusError):
    """A line of a brat `.ann` file that is not standoff; `expected` is the form it should follow.

    Caught by the brat reader, which logs it as an import problem naming the file and the line."""

    def __init__(self, expected: str) -> None:
        super().__init__(expected)
        self.expected = expected


class InstructionFileError(CorpusError):
    """An instruction file that cannot be loaded; names the file and the line."""


class InvalidCorpusError(CorpusError):
    """One or more problems in the corpus; `.problems` lists every one of them (`ImportProblem`)."""

    def __init__(self, message: str, problems: Sequence[object]) -> None:  # ImportProblems
        super().__init__(message)
        self.problems = problems
