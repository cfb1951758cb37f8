"""The seed's local test trigger on `familyplus serve`: POST /test/trigger {"responseId"} processes a stored
response again as a new execution; an unknown id is a 404 naming it; serve listens on 8787 by default."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from familyplus_local.serve import create_app
from tests.support import response


@pytest.fixture
def served(make_runner: Any) -> Any:
    runner = make_runner()
    with TestClient(create_app(runner, workers=1)) as client:
        yield client, runner


def test_trigger_reprocesses_a_stored_response_as_a_new_execution(served: Any) -> None:
    client, runner = served
    first = runner.start("process_response", response("seed-1"), name="response-seed-1")
    assert first.status == "SUCCEEDED"
    answer = client.post("/test/trigger", json={"responseId": "seed-1"})
    assert answer.status_code == 202, answer.text
    assert answer.json()["executionName"] == "response-seed-1-2"  # the first one finished: a real re-run
    client.app.state.intake.wait()
    rerun = runner.executions.get("response-seed-1-2")
    assert rerun.status == "SUCCEEDED" and rerun.input == first.input
    again = client.post("/test/trigger", json={"responseId": "seed-1"})
    assert again.json()["executionName"] == "response-seed-1-3"
    client.app.state.intake.wait()
    assert runner.adapters.store.get_story("story-seed-1").title  # still one story, updated in place


def test_unknown_or_malformed_trigger(served: Any) -> None:
    client, _ = served
    missing = client.post("/test/trigger", json={"responseId": "test-123"})
    assert missing.status_code == 404 and "test-123" in missing.json()["detail"]
    bad = client.post("/test/trigger", json={"responseId": "not an id"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "responseId"]
    assert client.post("/test/trigger", json={}).status_code == 422


def test_serve_listens_on_8787_by_default() -> None:
    from familyplus_local.cli import app

    help_text = CliRunner().invoke(app, ["serve", "--help"], env={"COLUMNS": "200"}).output
    assert "default: 8787" in help_text and "default: 127.0.0.1" in help_text
