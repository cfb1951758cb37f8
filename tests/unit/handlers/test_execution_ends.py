"""MarkFailed on EventBridge's status change of a process_response execution that ended without its Catch
(States.Runtime, the execution timeout, a stop): the response row records it, once, and nothing else."""

from __future__ import annotations

import json
from typing import Any

from familyplus.bootstrap import Adapters
from familyplus.handlers.mark_failed import handler
from familyplus.models.response import ProcessResponseInput, ResponseEvent
from familyplus.stages import accept_response, complete_response
from tests.unit.handlers.test_handlers import context

ARN = "arn:aws:states:eu-west-1:123456789012:execution:familyplus-dev-process-response"


def status_change(name: str, status: str, *, error: str | None, cause: str | None, **detail: Any) -> dict[str, Any]:
    """The event as EventBridge delivers it (the fields MarkFailed may read, and some it must not need)."""
    return {
        "version": "0",
        "id": "5b3f-example",
        "detail-type": "Step Functions Execution Status Change",
        "source": "aws.states",
        "account": "123456789012",
        "region": "eu-west-1",
        "resources": [f"{ARN}:{name}"],
        "detail": {
            "executionArn": f"{ARN}:{name}",
            "stateMachineArn": ARN.replace(":execution:", ":stateMachine:"),
            "name": name,
            "status": status,
            "startDate": 1764633600000,
            "stopDate": 1764633660000,
            "input": None,
            "output": None,
            "error": error,
            "cause": cause,
            **detail,
        },
    }


def accepted(adapters: Adapters, response_id: str) -> None:
    payload = {"responseId": response_id, "familyId": "f1", "mediaType": "text", "text": "I rode a red bicycle."}
    accept_response.run(ProcessResponseInput.model_validate(payload), adapters)


RUNTIME_CAUSE = "An error occurred while executing the state 'WriteStory'. The JSONPath '$.Payload.title' ..."


def test_an_uncaught_failure_is_recorded_on_the_response_from_the_execution_name(adapters: Adapters) -> None:
    accepted(adapters, "r1")
    out = handler(status_change("response-r1", "FAILED", error="States.Runtime", cause=RUNTIME_CAUSE), context())
    assert out["responseId"] == "r1"
    row = adapters.store.get_response("r1")
    assert (row.status, row.stage) == ("failed", "accept_response")
    assert (row.error or "").startswith("States.Runtime: An error occurred while executing the state 'WriteStory'")


def test_the_input_names_the_response_when_the_event_carries_it_and_a_timeout_gets_its_error(
    adapters: Adapters,
) -> None:
    accepted(adapters, "r-2")
    event = status_change(
        "a-name-of-another-shape",
        "TIMED_OUT",
        error=None,
        cause=None,
        input=json.dumps({"responseId": "r-2", "familyId": "f1", "mediaType": "text", "text": "words"}),
    )
    handler(event, context())
    row = adapters.store.get_response("r-2")
    assert (row.status, (row.error or "").split(":")[0]) == ("failed", "States.Timeout")
    assert "words" not in (row.error or "")


def test_a_row_the_catch_recorded_or_a_completed_response_is_left_as_it_is(adapters: Adapters) -> None:
    accepted(adapters, "caught")
    adapters.store.update_progress("caught", status="failed", stage="tag_values", error="TransientError: outage")
    accepted(adapters, "done")
    complete_response.run(ResponseEvent(response_id="done", family_id="f1"), adapters)
    before = {rid: adapters.store.get_response(rid) for rid in ("caught", "done")}

    for rid in before:
        for status in ("FAILED", "ABORTED"):  # EventBridge may deliver an event twice, and late
            handler(status_change(f"response-{rid}", status, error="States.Runtime", cause="x"), context())

    assert {rid: adapters.store.get_response(rid) for rid in before} == before


def test_an_unknown_execution_name_records_nothing(adapters: Adapters) -> None:
    out = handler(status_change("podcast-story-1", "ABORTED", error=None, cause=None), context())
    assert out.get("responseId") is None and out["error"] == "States.Aborted"
