"""The connection to Argilla: the SDK's env vars `ARGILLA_API_URL`/`ARGILLA_API_KEY`, nothing else, and
the workspaces and datasets that commands name.

A local server (`python -m annotate serve`) and an official one on a Hugging Face Space are reached the
same way; connection problems become one-line `ArgillaConnectionError`s that say what to do.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from annotate.argilla.api import HOW, api_errors, open_client
from annotate.errors import ArgillaConnectionError, ArgillaNotFoundError

if TYPE_CHECKING:
    import argilla as rg

DEFAULT_WORKSPACE = "anotacion"  # made when the server has none and no --workspace is given


def connect() -> rg.Argilla:
    """An `argilla.Argilla` client for the env vars, checked with one request."""
    url, key = os.environ.get("ARGILLA_API_URL"), os.environ.get("ARGILLA_API_KEY")
    if not url or not key:
        missing = " and ".join(n for n, v in (("ARGILLA_API_URL", url), ("ARGILLA_API_KEY", key)) if not v)
        raise ArgillaConnectionError(f"{missing} not set; {HOW}")
    return open_client(url, key)


def quiet_sdk() -> None:
    """Keep the SDK's own warnings ("dataset not found") and error logs off stderr: the command reports
    what went wrong in its one line."""
    import logging
    import warnings

    warnings.filterwarnings("ignore", category=UserWarning, module=r"argilla(\.|$)")
    logging.getLogger("argilla.sdk").setLevel(logging.CRITICAL)


def workspace(client: rg.Argilla, name: str | None, create: bool = True) -> rg.Workspace:
    """The named workspace (created when missing and allowed), or the only/default one."""
    import argilla as rg

    with api_errors(client, f"looking up workspace {name or DEFAULT_WORKSPACE!r}"):
        if name is None:
            spaces = list(client.workspaces)
            if not spaces:
                return rg.Workspace(name=DEFAULT_WORKSPACE, client=client).create()
            return spaces[0]
        found = client.workspaces(name)
        if found is not None:
            return found
        if not create:
            raise ArgillaNotFoundError(f"workspace {name!r} does not exist on {client.api_url}")
        return rg.Workspace(name=name, client=client).create()


def dataset(client: rg.Argilla, name: str, workspace_name: str | None) -> rg.Dataset:
    """An existing dataset, or an error that lists the ones there are."""
    ws = workspace(client, workspace_name, create=False) if workspace_name else None
    with api_errors(client, f"looking up dataset {name!r}"):
        found = client.datasets(name=name, workspace=ws) if ws is not None else client.datasets(name=name)
        if found is None:
            names = sorted(d.name for d in client.datasets)
            raise ArgillaNotFoundError(
                f"no dataset {name!r} on {client.api_url} (there are: {', '.join(names) or 'none'}); "
                "create it with `python -m annotate load`"
            )
    return found
