"""Talking to the Hugging Face Hub: the token, and the errors that mean "the Hub did not answer".

    token = hub_token()                      # HF_TOKEN or the one `hf auth login` stored, else NoTokenError
    except network_errors() as error: raise unreachable("model org/name", error) from None

The token goes to `HfApi` only: never printed or written.
"""

from __future__ import annotations

import importlib

from demo.errors import HubUnreachableError, NoTokenError

#: (module, class) of the HTTP libraries huggingface_hub may use: httpx, its httpx2 fork, requests (older)
TRANSPORT_ERRORS = (
    ("httpx", "TransportError"),
    ("httpx2", "TransportError"),
    ("requests", "ConnectionError"),
)


def network_errors() -> tuple[type[BaseException], ...]:
    """The exceptions that mean "the Hub did not answer", whichever HTTP library huggingface_hub uses,
    and its offline mode."""
    from huggingface_hub.errors import OfflineModeIsEnabled

    found: list[type[BaseException]] = [OfflineModeIsEnabled, ConnectionError, TimeoutError]
    for module, name in TRANSPORT_ERRORS:
        try:
            found.append(getattr(importlib.import_module(module), name))
        except (ImportError, AttributeError):
            continue
    return tuple(found)


def endpoint() -> str:
    """The Hub this process talks to (HF_ENDPOINT, default https://huggingface.co)."""
    from huggingface_hub import constants

    return str(constants.ENDPOINT)


def unreachable(what: str, error: BaseException) -> HubUnreachableError:
    detail = (str(error).splitlines() or [""])[0]
    return HubUnreachableError(
        f"could not reach the Hub at {endpoint()} ({what}): {type(error).__name__}: {detail}; "
        "check your network (or HF_ENDPOINT / HF_HUB_OFFLINE) and run the same command again"
    )


def hub_token() -> str:
    from huggingface_hub import get_token

    if not (token := get_token()):
        raise NoTokenError(
            "no Hugging Face token: set HF_TOKEN or run `hf auth login` (a token with write access); "
            "nothing was uploaded (try --dry-run to see what would be)"
        )
    return token
