"""`familyplus serve`: POST /responses validates, starts the workflow in the background, returns 202 + the
execution id; GET /executions/{id} reports it."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from familyplus_local.serve import create_app


@pytest.fixture
def client(make_runner: Any) -> Any:
    app = create_app(make_runner(), workers=2)
    with TestClient(app) as test_client:
        yield test_client


BODY = {
    "familyId": "fam-1",
    "promptId": "p-1",
    "mediaType": "text",
    "responseId": "srv-1",
    "content": "My mother always told me to work hard and be kind. I remember the bakery on Elm Street.",
}


def test_valid_body_is_accepted_and_processed(client: TestClient) -> None:
    answer = client.post("/responses", json=BODY)
    assert answer.status_code == 202
    data = answer.json()
    assert data["executionName"] == "response-srv-1"
    assert data["executionArn"].endswith(":process_response:response-srv-1")
    assert answer.headers["location"] == "/executions/response-srv-1"

    client.app.state.intake.wait()  # type: ignore[attr-defined]
    status = client.get(f"/executions/{data['executionArn']}").json()
    assert status["status"] == "SUCCEEDED", status
    assert status["output"]["responseId"] == "srv-1"
    assert client.get("/executions/response-srv-1").json()["status"] == "SUCCEEDED"
    # the same body again: the same execution (StartExecution idempotency); another body: 409
    assert client.post("/responses", json=BODY).json()["executionArn"] == data["executionArn"]
    assert client.post("/responses", json={**BODY, "content": "Different words."}).status_code == 409


def test_the_same_response_id_for_another_prompt_is_a_conflict_not_a_duplicate(client: TestClient) -> None:
    first = client.post("/responses", json=BODY)
    assert first.status_code == 202
    client.app.state.intake.wait()  # type: ignore[attr-defined]
    assert client.post("/responses", json={**BODY, "promptId": "p-2"}).status_code == 409
    assert client.post("/responses", json={k: v for k, v in BODY.items() if k != "promptId"}).status_code == 409
    assert client.post("/responses", json=BODY).json()["executionArn"] == first.json()["executionArn"]


def test_a_response_id_is_generated_when_absent(client: TestClient) -> None:
    body = {k: v for k, v in BODY.items() if k != "responseId"}
    data = client.post("/responses", json=body).json()
    assert data["executionName"] == f"response-{data['responseId']}"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({k: v for k, v in BODY.items() if k != "familyId"}, "familyId"),
        ({**BODY, "mediaType": "video"}, "mediaType"),
        ({**BODY, "content": ""}, "content"),
        ({**BODY, "content": "   "}, "content"),
        ({**BODY, "familyId": "bad id!"}, "familyId"),
        ({**BODY, "content": "x" * 40_001}, "content"),
    ],
)
def test_malformed_bodies_get_422_naming_the_field(client: TestClient, body: dict[str, Any], field: str) -> None:
    answer = client.post("/responses", json=body)
    assert answer.status_code == 422
    assert [err["loc"] for err in answer.json()["detail"]] == [["body", field]]


def test_not_json_is_422(client: TestClient) -> None:
    answer = client.post("/responses", content=b"{not json", headers={"content-type": "application/json"})
    assert answer.status_code == 422


def test_unknown_execution_is_404(client: TestClient) -> None:
    answer = client.get("/executions/response-nope")
    assert answer.status_code == 404 and "response-nope" in answer.json()["detail"]
