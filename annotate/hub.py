"""Pushing the exported dataset to the Hugging Face Hub (only with a token; nothing uploads without one)."""

from __future__ import annotations

import os

from annotate.errors import HubTokenError, HubUnreachableError
from runfolder import RunFolder


def network_errors() -> tuple[type[BaseException], ...]:
    """The exceptions that mean "the Hub did not answer", whichever HTTP library huggingface_hub uses
    (httpx, its httpx2 fork, or requests in older versions), and its offline mode."""
    import importlib

    from huggingface_hub.errors import OfflineModeIsEnabled

    found: list[type[BaseException]] = [OfflineModeIsEnabled, ConnectionError, TimeoutError]
    for module, name in (
        ("httpx", "TransportError"),
        ("httpx2", "TransportError"),
        ("requests", "ConnectionError"),
    ):
        try:
            found.append(getattr(importlib.import_module(module), name))
        except (ImportError, AttributeError):
            continue
    return tuple(found)


def endpoint() -> str:
    """The Hub this process talks to (HF_ENDPOINT, default https://huggingface.co)."""
    from huggingface_hub import constants

    return constants.ENDPOINT


def unreachable(what: str, error: BaseException) -> HubUnreachableError:
    detail = (str(error).splitlines() or [""])[0]
    return HubUnreachableError(
        f"could not reach the Hub at {endpoint()} ({what}): {type(error).__name__}: {detail}; "
        "check your network (or HF_ENDPOINT / HF_HUB_OFFLINE) and run the same command again"
    )


def require_token() -> str:
    from huggingface_hub import get_token

    token = os.environ.get("HF_TOKEN") or get_token()
    if not token:
        raise HubTokenError(
            "no Hugging Face token: set HF_TOKEN or run `hf auth login`; nothing was uploaded"
        )
    return token


def push_dataset(run: RunFolder, repo_id: str) -> str:
    """Push `dataset/tokens` (as the default config) and `dataset/bigbio_kb` to a dataset repo."""
    from datasets import load_from_disk

    token = require_token()
    for view in ("tokens", "bigbio_kb"):
        dataset = load_from_disk(str(run.require(run.dataset_view(view))))
        try:
            dataset.push_to_hub(repo_id, config_name=view, token=token)
        except network_errors() as error:
            raise unreachable(f"dataset {repo_id}, config {view}", error) from None
    return f"{endpoint()}/datasets/{repo_id}"
