"""The connection to Argilla: the SDK's env vars `ARGILLA_API_URL`/`ARGILLA_API_KEY`, nothing else.

A local server (`python -m annotate serve`) and an official one on a Hugging Face Space are reached the
same way; connection problems become one-line `ArgillaConnectionError`s that say what to do.
"""

from __future__ import annotations

import os
from typing import Any

from annotate.errors import AnnotateError

HOW = "start one with `python -m annotate serve` and export the two lines it prints"


class ArgillaConnectionError(AnnotateError, ConnectionError):
    """Argilla is not configured, not reachable, or refuses the key."""


def connect() -> Any:
    """An `argilla.Argilla` client for the env vars, checked with one request."""
    import argilla as rg
    import httpx
    from argilla._exceptions import ArgillaAPIError, ArgillaCredentialsError

    url, key = os.environ.get("ARGILLA_API_URL"), os.environ.get("ARGILLA_API_KEY")
    if not url or not key:
        missing = " and ".join(n for n, v in (("ARGILLA_API_URL", url), ("ARGILLA_API_KEY", key)) if not v)
        raise ArgillaConnectionError(f"{missing} not set; {HOW}")
    try:
        client = rg.Argilla(api_url=url, api_key=key, retries=1)
        client.me  # noqa: B018  (one request: reachable and the key is valid)
    except (httpx.ConnectError, httpx.TimeoutException, ConnectionError) as exc:
        raise ArgillaConnectionError(f"cannot reach Argilla at {url} ({type(exc).__name__}); {HOW}") from None
    except (ArgillaCredentialsError, ArgillaAPIError) as exc:
        raise ArgillaConnectionError(
            f"Argilla at {url} refused ARGILLA_API_KEY ({exc}); check the key"
        ) from None
    return client


def quiet_sdk() -> None:
    """Keep the SDK's own warnings ("dataset not found") and error logs off stderr: the command reports
    what went wrong in its one line."""
    import logging
    import warnings

    warnings.filterwarnings("ignore", category=UserWarning, module=r"argilla(\.|$)")
    logging.getLogger("argilla.sdk").setLevel(logging.CRITICAL)


def workspace(client: Any, name: str | None, create: bool = True) -> Any:
    """The named workspace (created when missing and allowed), or the only/default one."""
    import argilla as rg

    if name is None:
        spaces = list(client.workspaces)
        if not spaces:
            return rg.Workspace(name="anotacion", client=client).create()
        return spaces[0]
    found = client.workspaces(name)
    if found is not None:
        return found
    if not create:
        raise AnnotateError(f"workspace {name!r} does not exist on {client.api_url}")
    return rg.Workspace(name=name, client=client).create()


def dataset(client: Any, name: str, workspace_name: str | None) -> Any:
    """An existing dataset, or an error that lists the ones there are."""
    ws = workspace(client, workspace_name, create=False) if workspace_name else None
    found = client.datasets(name=name, workspace=ws) if ws is not None else client.datasets(name=name)
    if found is None:
        names = sorted(d.name for d in client.datasets)
        raise AnnotateError(
            f"no dataset {name!r} on {client.api_url} (there are: {', '.join(names) or 'none'}); "
            "create it with `python -m annotate load`"
        )
    return found
