"""The REST calls the SDK does not offer, and the one place where the SDK's and httpx's errors become
annotate errors (the CLI never sees an `argilla._exceptions` or `httpx` error).

    client = open_client(url, key)                        # checked with one request
    with api_errors(client, "reading dataset 'pharmaconer'"):
        items = list_records(client, dataset)             # [RecordItem], responses of every status

As in the SDK's own `_api/` modules, each call, its error handling and its typed model live together:
commands get `RecordItem`s, never a raw response. `list_records` exists because the SDK's records
drop what the export needs (each response's inserted_at/updated_at, a discard that carries no
answer). `api_errors` turns a server that stops answering into `ArgillaConnectionError`, an error
status (raw or wrapped by the SDK) into `ArgillaRequestError`; both say what was being done, what
was kept, and what to do.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from annotate.errors import ArgillaConnectionError, ArgillaRequestError

if TYPE_CHECKING:
    import argilla as rg

HOW = "start one with `python -m annotate serve` and export the two lines it prints"
NOTHING_WRITTEN = "nothing was written"


@dataclass(frozen=True)
class ResponseItem:
    """One user's response to one record, as the REST API lists it."""

    user_id: str
    status: str  # submitted | discarded | draft
    values: dict[str, Any]  # question name -> the answer's value (JSON: spans, a label, a rating, text)
    inserted_at: str
    updated_at: str


@dataclass(frozen=True)
class RecordItem:
    """A record with every response; `id` is the external id, as the SDK's `Record.id`."""

    id: str
    fields: dict[str, Any]
    metadata: dict[str, Any]
    responses: tuple[ResponseItem, ...] = ()


def open_client(url: str, key: str) -> rg.Argilla:
    """An `argilla.Argilla` client, checked with one request (reachable, and the key is valid)."""
    import argilla as rg
    import httpx
    from argilla._exceptions import ArgillaAPIError, ArgillaCredentialsError

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


@contextmanager
def api_errors(client: rg.Argilla, doing: str, kept: str = NOTHING_WRITTEN) -> Iterator[None]:
    """Turn the SDK's and httpx's errors raised inside into one-line annotate errors that say what was
    being `done` (e.g. "reading dataset 'x'") and what was `kept` on the server or on disk."""
    import httpx
    from argilla._exceptions import ArgillaError, ForbiddenError, UnauthorizedError

    url = client.api_url
    try:
        yield
    except httpx.TransportError as exc:
        raise ArgillaConnectionError(
            f"lost Argilla at {url} while {doing} ({type(exc).__name__}); {kept}: start it again "
            "(`python -m annotate serve`) and re-run the command",
            transport=type(exc).__name__,
        ) from None
    except httpx.HTTPStatusError as exc:
        status = exc.response.status_code
        raise ArgillaRequestError(
            f"Argilla at {url} answered {status} to {exc.request.url.path} while {doing}; "
            f"{kept}: {_what_to_do(status)}"
        ) from None
    except ArgillaError as exc:
        detail = " ".join(str(exc).split())
        raise ArgillaRequestError(
            f"Argilla at {url} refused a request while {doing} ({detail}); {kept}: "
            f"{_what_to_do(403 if isinstance(exc, ForbiddenError | UnauthorizedError) else None)}"
        ) from None


def _what_to_do(status: int | None) -> str:
    if status in (401, 403):
        return "this needs the ARGILLA_API_KEY of an owner or admin"
    return "check the server's log and re-run the command"


def server_answers(client: rg.Argilla) -> bool:
    """Whether the server answers one request (a short probe after a failure)."""
    import httpx

    try:
        response = client.http_client.get("/api/v1/me", timeout=5.0)
    except httpx.HTTPError:
        return False
    return response.status_code < 500


def list_records(client: rg.Argilla, dataset: rg.Dataset, page: int = 1000) -> list[RecordItem]:
    """Every record of the dataset with its responses (all statuses), one paged read."""
    items: list[RecordItem] = []
    offset = 0
    while True:
        reply = client.http_client.get(
            f"/api/v1/datasets/{dataset.id}/records",
            params={"include": ["responses"], "offset": offset, "limit": page},
        )
        reply.raise_for_status()
        batch = reply.json()["items"]
        items += [_record_item(item) for item in batch]
        if len(batch) < page:
            return items
        offset += page


def _record_item(item: dict[str, Any]) -> RecordItem:
    responses = tuple(
        ResponseItem(
            str(r["user_id"]),
            r["status"],
            {question: answer.get("value") for question, answer in (r.get("values") or {}).items()},
            r["inserted_at"],
            r["updated_at"],
        )
        for r in item.get("responses") or []
    )
    return RecordItem(item["external_id"], item.get("fields") or {}, item.get("metadata") or {}, responses)
