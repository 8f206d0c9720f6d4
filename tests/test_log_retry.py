"""`annotate.argilla.datasets.log_batch`: a batch answered with a server error is sent again (records are
upserted by id, so nothing is duplicated); other errors and the last server error propagate."""

from __future__ import annotations

import httpx
import pytest

from annotate.argilla.datasets import log_batch, server_error


def status_error(code: int) -> httpx.HTTPStatusError:
    request = httpx.Request("POST", "http://argilla/api/v1/datasets/x/records/bulk")
    return httpx.HTTPStatusError("boom", request=request, response=httpx.Response(code, request=request))


class Records:
    def __init__(self, failures: list[Exception]) -> None:
        self.failures, self.calls = failures, 0

    def log(self, batch, batch_size):
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)


class Dataset:
    def __init__(self, failures: list[Exception]) -> None:
        self.records = Records(failures)


def wrapped(code: int) -> Exception:
    try:
        raise status_error(code)
    except httpx.HTTPStatusError as exc:
        try:
            raise RuntimeError("the SDK's own error") from exc
        except RuntimeError as outer:
            return outer


def test_server_errors_are_retried_until_the_batch_is_taken() -> None:
    dataset = Dataset([wrapped(500), status_error(503)])
    log_batch(dataset, ["r1"], delays=(0, 0, 0))  # type: ignore[arg-type]
    assert dataset.records.calls == 3


def test_client_errors_and_the_last_server_error_propagate() -> None:
    dataset = Dataset([status_error(422)])
    with pytest.raises(httpx.HTTPStatusError):
        log_batch(dataset, ["r1"], delays=(0, 0))  # type: ignore[arg-type]
    assert dataset.records.calls == 1
    dataset = Dataset([status_error(500)] * 3)
    with pytest.raises(httpx.HTTPStatusError):
        log_batch(dataset, ["r1"], delays=(0, 0))  # type: ignore[arg-type]
    assert dataset.records.calls == 3
    assert server_error(wrapped(502)) and not server_error(wrapped(404)) and not server_error(ValueError())
