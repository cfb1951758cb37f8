"""The console on Step Functions (`--aws`): AWS's history shapes read into our executions (a caught failure
is a failure there too), sibling workflows found from one ARN, filters, and redrive/stop rules."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from fastapi.testclient import TestClient

from familyplus_local.console.app import create_console
from familyplus_local.console.aws_backend import AwsConsoleBackend, sibling_arns
from familyplus_local.console.backend import ActionRefusedError
from familyplus_local.console.filters import ExecutionFilter
from familyplus_local.state_outcomes import state_outcomes
from familyplus_local.stepfunctions_history import execution_from_stepfunctions

PROCESS = "arn:aws:states:eu-west-1:123456789012:stateMachine:familyplus-dev-process-response"
EXEC = PROCESS.replace(":stateMachine:", ":execution:") + ":response-r1"
NOW = datetime.now(UTC)
DEFINITION = {
    "StartAt": "AcceptResponse",
    "States": {
        "AcceptResponse": {
            "Type": "Task",
            "Resource": "x",
            "Next": "Chunks",
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "MarkFailed"}],
        },
        "Chunks": {
            "Type": "Map",
            "ItemProcessor": {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "x", "End": True}}},
            "Next": "Done",
        },
        "Done": {"Type": "Succeed"},
        "MarkFailed": {"Type": "Task", "Resource": "x", "Next": "Failed"},
        "Failed": {"Type": "Fail"},
    },
}


def event(i: int, kind: str, prev: int, **details: Any) -> dict[str, Any]:
    key = kind[0].lower() + kind[1:] + "EventDetails"
    if kind.endswith("StateEntered"):
        key = "stateEnteredEventDetails"
    elif kind.endswith("StateExited"):
        key = "stateExitedEventDetails"
    return {"id": i, "previousEventId": prev, "type": kind, "timestamp": NOW + timedelta(seconds=i), key: details}


CAUGHT = [
    event(1, "ExecutionStarted", 0, input='{"responseId": "r1", "familyId": "f1"}'),
    event(2, "TaskStateEntered", 1, name="AcceptResponse", input="{}"),
    event(3, "TaskScheduled", 2, resource="invoke"),
    event(4, "TaskStarted", 3),
    event(5, "TaskFailed", 4, error="PermanentError", cause='{"errorMessage": "bad input", "stackTrace": ["x"]}'),
    event(6, "TaskStateExited", 5, name="AcceptResponse", output="{}"),
    event(7, "TaskStateEntered", 6, name="MarkFailed", input="{}"),
    event(8, "TaskScheduled", 7),
    event(9, "TaskSucceeded", 8, output="{}"),
    event(10, "TaskStateExited", 9, name="MarkFailed", output="{}"),
    event(11, "FailStateEntered", 10, name="Failed", input="{}"),
    event(12, "ExecutionFailed", 11, error="PermanentError", cause="bad input"),
]
MAPPED = [
    event(1, "ExecutionStarted", 0, input="{}"),
    event(2, "TaskStateEntered", 1, name="AcceptResponse", input="{}"),
    event(3, "TaskScheduled", 2),
    event(4, "TaskSucceeded", 3, output="{}"),
    event(5, "TaskStateExited", 4, name="AcceptResponse", output="{}"),
    event(6, "MapStateEntered", 5, name="Chunks", input="{}"),
    event(7, "MapStateStarted", 6),
    event(8, "MapIterationStarted", 7, name="Chunks", index=0),
    event(9, "TaskStateEntered", 8, name="T", input="{}"),
    event(10, "TaskScheduled", 9),
    event(11, "TaskFailed", 10, error="TransientError"),
    event(12, "TaskScheduled", 11),
    event(13, "TaskSucceeded", 12, output="{}"),
    event(14, "TaskStateExited", 13, name="T", output="{}"),
    event(15, "MapIterationSucceeded", 14, name="Chunks", index=0),
    event(16, "MapStateSucceeded", 15),
    event(17, "MapStateExited", 16, name="Chunks", output="[]"),
]


def described(name: str, status: str, **extra: Any) -> dict[str, Any]:
    return {
        "executionArn": PROCESS.replace(":stateMachine:", ":execution:") + f":{name}",
        "stateMachineArn": PROCESS,
        "name": name,
        "status": status,
        "startDate": NOW,
        "input": json.dumps({"responseId": name.removeprefix("response-"), "familyId": "f1"}),
        **extra,
    }


class FakeStepFunctions:
    """The Step Functions calls the console makes, over a fixed set of executions."""

    def __init__(self) -> None:
        self.executions = {
            "response-r1": (described("response-r1", "FAILED", error="PermanentError", cause="bad input"), CAUGHT),
            "response-r2": (described("response-r2", "RUNNING"), MAPPED[:10]),
        }
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def _find(self, arn: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        name = arn.rsplit(":", 1)[-1]
        if not arn.startswith(PROCESS.replace(":stateMachine:", ":execution:")) or name not in self.executions:
            raise ClientError({"Error": {"Code": "ExecutionDoesNotExist", "Message": arn}}, "DescribeExecution")
        return self.executions[name]

    def describe_state_machine(self, stateMachineArn: str) -> dict[str, Any]:
        return {"definition": json.dumps(DEFINITION)}

    def list_executions(self, stateMachineArn: str, maxResults: int, statusFilter: str | None = None, **_: Any) -> Any:
        rows = [d for d, _ in self.executions.values() if d["stateMachineArn"] == stateMachineArn]
        return {"executions": [d for d in rows if statusFilter in (None, d["status"])]}

    def describe_execution(self, executionArn: str) -> dict[str, Any]:
        return self._find(executionArn)[0]

    def get_execution_history(self, executionArn: str, maxResults: int) -> dict[str, Any]:
        return {"events": self._find(executionArn)[1]}

    def redrive_execution(self, executionArn: str) -> dict[str, Any]:
        self.calls.append(("redrive", {"executionArn": executionArn}))
        return {"redriveDate": NOW}

    def stop_execution(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("stop", kwargs))
        return {"stopDate": NOW}


def test_a_caught_failure_read_from_step_functions_is_a_failure() -> None:
    execution = execution_from_stepfunctions(described("response-r1", "FAILED"), list(reversed(CAUGHT)))
    outcomes = {name: o.outcome for name, o in state_outcomes(execution).items()}
    assert outcomes == {"AcceptResponse": "caught", "MarkFailed": "succeeded", "Failed": "failed"}
    assert execution.input == {"responseId": "r1", "familyId": "f1"}
    assert state_outcomes(execution)["AcceptResponse"].visits[0].error == "PermanentError"


def test_map_iterations_get_their_index_in_the_path_and_a_retry_shows() -> None:
    execution = execution_from_stepfunctions(described("m", "SUCCEEDED"), MAPPED)
    assert {e.path for e in execution.history if e.state == "T"} == {"Chunks/0/T"}
    assert execution.history[-1].path == "Chunks"  # back in the Map's scope after the iteration
    assert state_outcomes(execution)["T"].outcome == "retried"


def test_siblings_come_from_the_process_response_arn() -> None:
    arns = sibling_arns(PROCESS)
    assert arns["generate_podcast"].endswith(":stateMachine:familyplus-dev-generate-podcast")
    assert set(arns) == {"process_response", "generate_podcast", "daily_podcasts", "batch_responses"}


def test_filters_get_redrive_and_stop_follow_the_rules() -> None:
    fake = FakeStepFunctions()
    backend = AwsConsoleBackend(fake, PROCESS)
    assert backend.label == "AWS Step Functions (eu-west-1)"
    rows, total = backend.list(ExecutionFilter(status="FAILED"), offset=0, limit=10)
    assert ([r.name for r in rows], total) == (["response-r1"], 1)
    assert backend.list(ExecutionFilter(family_id="f2"), offset=0, limit=10) == ([], 0)
    assert [r.name for r in backend.list(ExecutionFilter(response_id="r2"), offset=0, limit=10)[0]] == ["response-r2"]
    assert backend.get("response-r1").state_machine_name == "process_response"
    with pytest.raises(ActionRefusedError, match="status RUNNING"):
        backend.redrive("response-r2")
    with pytest.raises(ActionRefusedError, match="only RUNNING executions can be stopped"):
        backend.stop("response-r1")
    assert fake.calls == []  # refused: nothing was asked of Step Functions
    backend.redrive("response-r1")
    backend.stop("response-r2")
    assert [c[0] for c in fake.calls] == ["redrive", "stop"]


def test_the_console_pages_work_on_step_functions() -> None:
    client = TestClient(create_console(AwsConsoleBackend(FakeStepFunctions(), PROCESS)))
    page = client.get("/executions/response-r1")
    assert page.status_code == 200
    assert 'data-state="AcceptResponse" data-outcome="caught"' in page.text
    running = client.get("/executions/response-r2").text
    assert 'data-state="T" data-outcome="running"' in running
    missing = client.get("/executions/response-nope")
    assert missing.status_code == 404 and "response-nope" in missing.text
    assert client.get("/executions?status=FAILED").text.count('data-name="response-r1"') == 1
