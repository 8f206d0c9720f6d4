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
class SuggestionItem:
    """A record's suggestion for one question (Argilla keeps one per record and question)."""

    question: str  # the question's name
    value: Any
    agent: str | None
    score: Any  # a float, one float per span, or None
    updated_at: str  # the server's clock, as the responses' times


@dataclass(frozen=True)
class RecordItem:
    """A record with every response; `id` is the external id, as the SDK's `Record.id`."""

    id: str
    fields: dict[str, Any]
    metadata: dict[str, Any]
    responses: tuple[ResponseItem, ...] = ()
    suggestions: tuple[SuggestionItem, ...] = ()
    uuid: str = ""  # the server's own id of the record
    status: str = "pending"  # pending | completed (the task distribution's min_submitted reached)

    def suggestion(self, question: str) -> SuggestionItem | None:
        return next((s for s in self.suggestions if s.question == question), None)


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
    """Every record of the dataset with its responses (all statuses) and suggestions, one paged read."""
    questions = {str(q.id): q.name for q in dataset.settings.questions}
    items: list[RecordItem] = []
    offset = 0
    while True:
        reply = client.http_client.get(
            f"/api/v1/datasets/{dataset.id}/records",
            params={"include": ["responses", "suggestions"], "offset": offset, "limit": page},
        )
        reply.raise_for_status()
        batch = reply.json()["items"]
        items += [_record_item(item, questions) for item in batch]
        if len(batch) < page:
            return items
        offset += page


def upsert_records(client: rg.Argilla, dataset: rg.Dataset, items: list[dict[str, Any]]) -> None:
    """PUT records/bulk: each item `{"id": record uuid, "metadata": {...}, "suggestions": [...]}` updates
    that record's metadata (replaced whole) and upserts its suggestions (one per question); fields and
    responses are left as they are (the SDK's `log` sends the fields again)."""
    reply = client.http_client.put(f"/api/v1/datasets/{dataset.id}/records/bulk", json={"items": items})
    reply.raise_for_status()


def delete_suggestions(client: rg.Argilla, record_uuid: str, suggestion_ids: list[str]) -> None:
    reply = client.http_client.delete(
        f"/api/v1/records/{record_uuid}/suggestions", params={"ids": ",".join(suggestion_ids)}
    )
    reply.raise_for_status()


def suggestion_ids(client: rg.Argilla, record_uuid: str, agents: set[str]) -> list[str]:
    """The ids of a record's suggestions made by one of `agents`."""
    reply = client.http_client.get(f"/api/v1/records/{record_uuid}/suggestions")
    reply.raise_for_status()
    return [str(s["id"]) for s in reply.json()["items"] if s.get("agent") in agents]


def metadata_properties(client: rg.Argilla, dataset: rg.Dataset) -> dict[str, str]:
    """{name: id} of the dataset's metadata properties."""
    reply = client.http_client.get(f"/api/v1/me/datasets/{dataset.id}/metadata-properties")
    reply.raise_for_status()
    return {item["name"]: str(item["id"]) for item in reply.json()["items"]}


def add_float_property(client: rg.Argilla, dataset: rg.Dataset, name: str, title: str) -> None:
    """A float metadata property (filters and sorts in the UI and the SDK), shown to annotators."""
    reply = client.http_client.post(
        f"/api/v1/datasets/{dataset.id}/metadata-properties",
        json={"name": name, "title": title, "settings": {"type": "float"}, "visible_for_annotators": True},
    )
    reply.raise_for_status()


def delete_property(client: rg.Argilla, property_id: str) -> None:
    reply = client.http_client.delete(f"/api/v1/metadata-properties/{property_id}")
    reply.raise_for_status()


def _record_item(item: dict[str, Any], questions: dict[str, str] | None = None) -> RecordItem:
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
    suggestions = tuple(
        SuggestionItem(
            (questions or {}).get(str(s["question_id"]), str(s["question_id"])),
            s.get("value"),
            s.get("agent"),
            s.get("score"),
            s.get("updated_at") or s.get("inserted_at") or "",
        )
        for s in item.get("suggestions") or []
    )
    return RecordItem(
        item["external_id"],
        item.get("fields") or {},
        item.get("metadata") or {},
        responses,
        suggestions,
        str(item.get("id", "")),
        item.get("status") or "pending",
    )
