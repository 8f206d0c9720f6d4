"""Every error the notebooks stop with: one line in Jupyter and papermill, no traceback.

IPython shows `_render_traceback_()` instead of the traceback when an exception defines it, so a stage
that cannot run says why in one line, as the `annotate` CLI does. Each error has the built-in base that
says what went wrong; only the run folder's missing or malformed inputs are run-folder errors.
"""

from __future__ import annotations

from runfolder import RunFolderError


class OneLine:
    """Mixin: render as `ErrorName: message` in IPython."""

    def _render_traceback_(self) -> list[str]:
        return [f"{type(self).__name__}: {self}"]


class NotebookInputError(OneLine, RunFolderError):
    """The run folder lacks the notebook's input, or it is malformed (names the file and the stage)."""


class ModelUnavailableError(OneLine, OSError):
    """The model asked for cannot be loaded and no fallback is allowed or possible."""


class ParameterError(OneLine, ValueError):
    """A notebook parameter has a value the notebook cannot use (names the parameter and the choices)."""
