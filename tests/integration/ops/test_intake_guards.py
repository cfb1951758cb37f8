"""`serve` under hostile bodies: 4xx naming the problem (never 500), no body echoed back, nothing of the body in the
logs, a size cap and a rate limit; an execution whose input holds a lone surrogate can still be shown."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from familyplus_local.executor import HistoryEvent, execution_arn
from familyplus_local.runtime.runner import LocalRunner
from familyplus_local.serve import create_app

WORDS = "Grandpa Okafor hid the spare key under the blue flowerpot"
BODY = {"familyId": "fam-1", "mediaType": "text", "responseId": "g-1", "content": WORDS}


@pytest.fixture
def client(make_runner: Callable[..., LocalRunner]) -> Iterator[TestClient]:
    with TestClient(create_app(make_runner(), workers=1, max_body_bytes=64 * 1024)) as test_client:
        yield test_client


def _post(client: TestClient, raw: str | bytes) -> Any:
    return client.post("/responses", content=raw, headers={"content-type": "application/json"})


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ('{"familyId": "fam-1", "mediaType": "text", "content": NaN}', "content"),
        ('{"familyId": "fam-1", "mediaType": "text", "content": Infinity}', "content"),
        ('{"familyId": "fam-1", "mediaType": "text", "content": "' + WORDS + ' \\ud800"}', "content"),
        ('{"familyId": "fam-1\\udfff", "mediaType": "text", "content": "' + WORDS + '"}', "familyId"),
    ],
)
def test_non_standard_json_and_lone_surrogates_are_422_naming_the_field_and_never_logged(
    client: TestClient, caplog: pytest.LogCaptureFixture, raw: str, field: str
) -> None:
    caplog.set_level(logging.DEBUG)
    answer = _post(client, raw)
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"]
    assert any(field in error["loc"] for error in detail), detail
    assert "input" not in answer.text and "Okafor" not in answer.text  # nothing of the body comes back
    assert "Okafor" not in caplog.text


def test_a_body_over_the_cap_is_413_and_not_echoed(client: TestClient) -> None:
    huge = json.dumps({**BODY, "content": "x" * (10 * 1024 * 1024)})
    answer = _post(client, huge)
    assert answer.status_code == 413
    assert len(answer.content) < 200 and "65536 bytes" in answer.text


def test_a_validation_error_does_not_echo_a_long_body(client: TestClient) -> None:
    answer = _post(client, json.dumps({**BODY, "content": "y" * 50_000}))  # over 40,000 characters
    assert answer.status_code == 422
    assert len(answer.content) < 1000 and "content" in answer.text


def test_more_requests_than_the_rate_limit_are_429(make_runner: Callable[..., LocalRunner]) -> None:
    with TestClient(create_app(make_runner(), workers=1, requests_per_minute=3)) as client:
        codes = [client.get("/executions/nothing-here").status_code for _ in range(5)]
    assert codes[:3] == [404, 404, 404] and codes[3:] == [429, 429]


def test_an_execution_whose_input_holds_a_lone_surrogate_can_be_shown(
    client: TestClient, make_runner: Callable[..., LocalRunner]
) -> None:
    runner = make_runner()
    arn = execution_arn("process_response", "response-bad-utf")
    runner.executions.append_event(
        arn, HistoryEvent(1, "ExecutionStarted", datetime.now(UTC), input={"responseId": "bad", "text": "a\ud800b"})
    )
    answer = client.get("/executions/response-bad-utf")
    assert answer.status_code == 200, answer.text
    assert answer.json()["input"]["text"] == "a\ud800b"  # as its JSON escape
