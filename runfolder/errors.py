"""Errors of the run folder. Every stage's command line reports them as one line (exit code 1)."""

from __future__ import annotations


class RunFolderError(Exception):
    """A stage's input in the run folder is missing, malformed, or being written."""


class MissingInputError(RunFolderError, FileNotFoundError):
    """A file or folder a stage reads is not there; the message names the command that makes it."""


class MalformedInputError(RunFolderError, ValueError):
    """A file a stage reads is there but cannot be used (bad JSON, a field of the wrong shape)."""


class RunFolderBusyError(RunFolderError, BlockingIOError):
    """Another command is writing the run folder (its lock is held)."""
