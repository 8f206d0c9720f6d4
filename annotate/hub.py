"""Pushing the exported dataset to the Hugging Face Hub (only with a token; nothing uploads without one)."""

from __future__ import annotations

import os

from annotate.errors import AnnotateError
from annotate.runfolder import RunFolder


class HubTokenError(AnnotateError, PermissionError):
    """No Hugging Face token: nothing is uploaded."""


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
        dataset.push_to_hub(repo_id, config_name=view, token=token)
    return f"https://huggingface.co/datasets/{repo_id}"
