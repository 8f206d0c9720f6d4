"""Errors of the `demo` package.

Each message names the file, repo or option at fault and says what to do. The CLI turns these (and the
run folder's `RunFolderError`) into one line on stderr and exit code 1; anything else is a bug.
"""

from __future__ import annotations


class DemoError(Exception):
    """Base class of every error `python -m demo` reports as one line."""


class SpaceError(DemoError, ValueError):
    """The Space folder cannot be built from these options (e.g. neither a model copy nor a model repo)."""


class MissingCardsError(DemoError, FileNotFoundError):
    """`publish` needs the dataset and model cards that `python -m cards build` writes."""


class NoTokenError(DemoError, PermissionError):
    """`publish` found no Hugging Face token (HF_TOKEN or the one `hf auth login` stores)."""


class PublishError(DemoError, RuntimeError):
    """The Hub refused a repo creation or an upload."""


class HubUnreachableError(PublishError, ConnectionError):
    """The Hub (HF_ENDPOINT) did not answer: nothing more was uploaded; running the command again resumes."""
