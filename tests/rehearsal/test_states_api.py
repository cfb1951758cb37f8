"""The rehearsal's Step Functions endpoint without the function processes: GetExecutionHistory answers as
botocore's model says and reads back (through the CLI's own reader) into the executor's state paths, and
StopExecution ends a running execution ABORTED."""

from __future__ import annotations

import json
import threading
from types import SimpleNamespace
from typing import Any

import pytest

from familyplus_local.executor import run_state_machine
from familyplus_local.stepfunctions_history import execution_from_stepfunctions
from rehearsal.states_api import RunningExecution, StatesApi, check_answer
from rehearsal.template import Role, StateMachine

MACHINE = "familyplus-test-flow"
MACHINE_ARN = f"arn:aws:states:us-east-1:123456789012:stateMachine:{MACHINE}"
FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:step"
DEFINITION: dict[str, Any] = {
    "StartAt": "First",
    "States": {
        "First": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": FUNCTION, "Payload.$": "$"},
            "ResultSelector": {"items.$": "$.Payload.items"},
            "Next": "Each",
        },
        "Each": {
            "Type": "Map",
            "ItemsPath": "$.items",
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"},
                "StartAt": "Inner",
                "States": {"Inner": {"Type": "Pass", "End": True}},
            },
            "Next": "Both",
        },
        "Both": {
            "Type": "Parallel",
            "Branches": [
                {"StartAt": "Left", "States": {"Left": {"Type": "Pass", "End": True}}},
                {"StartAt": "Right", "States": {"Right": {"Type": "Pass", "End": True}}},
            ],
            "End": True,
        },
    },
}


class Stack:
    """The endpoint's view of a rehearsed stack: one state machine, executions run on the executor."""

    def __init__(self, invoke: Any) -> None:
        role = Role("R", "flow-role", {}, {})
        self.deployment: Any = SimpleNamespace(
            state_machines={MACHINE: StateMachine("M", MACHINE, DEFINITION, "R")}, roles={"R": role}
        )
        self.executions: dict[str, RunningExecution] = {}
        self.invoke = invoke

    def start(self, machine_arn: str, name: str, data: Any) -> RunningExecution:
        running = RunningExecution(
            machine_arn.replace(":stateMachine:", ":execution:") + ":" + name, name, MACHINE, data
        )

        def drive() -> None:
            running.execution = run_state_machine(
                DEFINITION,
                data,
                invoke=self.invoke,
                name=name,
                state_machine_name=MACHINE,
                listener=running.live.append,
                stop=running.stop,
            )

        running.thread = threading.Thread(target=drive, daemon=True)
        self.executions[running.arn] = running
        running.thread.start()
        return running

    def redrive(self, running: RunningExecution) -> None:
        raise AssertionError("not redriven here")


def call(api: StatesApi, operation: str, **request: Any) -> tuple[int, dict[str, Any]]:
    status, _, body = api.handle(
        "POST", "/", {"x-amz-target": f"AWSStepFunctions.{operation}"}, json.dumps(request).encode()
    )
    return status, json.loads(body)


def parsed(api: StatesApi, operation: str, **request: Any) -> dict[str, Any]:
    """The answer as boto3 would hand it to the CLI (botocore's own JSON parser: timestamps as datetimes)."""
    from botocore.parsers import create_parser
    from botocore.session import get_session

    status, _, body = api.handle(
        "POST", "/", {"x-amz-target": f"AWSStepFunctions.{operation}"}, json.dumps(request).encode()
    )
    assert status == 200, body
    shape = get_session().get_service_model("stepfunctions").operation_model(operation).output_shape
    answer: dict[str, Any] = create_parser("json").parse({"body": body, "headers": {}, "status_code": 200}, shape)
    return answer


def finished(api: StatesApi, stack: Stack, name: str) -> str:
    status, started = call(api, "StartExecution", stateMachineArn=MACHINE_ARN, name=name, input='{"n": 2}')
    assert status == 200, started
    thread = stack.executions[started["executionArn"]].thread
    assert thread is not None
    thread.join(30)
    return str(started["executionArn"])


def test_history_is_botocores_shape_and_reads_back_into_the_executors_paths() -> None:
    stack = Stack(lambda function, payload: {"items": [1, 2, 3]})
    api = StatesApi(stack)
    arn = finished(api, stack, "history-1")
    described = parsed(api, "DescribeExecution", executionArn=arn)
    assert described["status"] == "SUCCEEDED"
    events: list[dict[str, Any]] = []
    token: str | None = None
    while True:  # paged as the CLI pages it
        page = parsed(
            api, "GetExecutionHistory", executionArn=arn, maxResults=5, **({"nextToken": token} if token else {})
        )
        events += page["events"]
        token = page.get("nextToken")
        if not token:
            break
    assert [e["id"] for e in events] == list(range(1, len(events) + 1))
    assert events[0]["executionStartedEventDetails"]["roleArn"].endswith(":role/flow-role")
    assert events[-1]["type"] == "ExecutionSucceeded"
    scheduled = next(e for e in events if e["type"] == "TaskScheduled")["taskScheduledEventDetails"]
    assert (scheduled["resourceType"], scheduled["resource"]) == ("lambda", "invoke")
    read = execution_from_stepfunctions(described, events)
    local = stack.executions[arn].execution
    assert local is not None
    paths = {e.path for e in read.history if e.path and e.type.endswith("StateEntered")}
    assert {"First", "Each", "Each/0/Inner", "Each/2/Inner", "Both"} <= paths
    assert len(read.history) == len(local.history)  # every event the executor recorded has an AWS type


def test_an_answer_off_botocores_model_is_refused() -> None:
    with pytest.raises(ValueError, match="StopExecution answer off botocore's model"):
        check_answer("StopExecution", {"stopDate": 1.0, "status": "ABORTED"})
    with pytest.raises(ValueError, match="is no HistoryEventType"):
        check_answer("GetExecutionHistory", {"events": [{"id": 1, "type": "PassStateFinished", "timestamp": 1.0}]})


def test_stop_execution_ends_a_running_execution_aborted() -> None:
    release = threading.Event()

    def held(function: str, payload: Any) -> Any:
        release.wait(30)
        return {"items": []}

    stack = Stack(held)
    api = StatesApi(stack)
    status, started = call(api, "StartExecution", stateMachineArn=MACHINE_ARN, name="stop-1", input="{}")
    assert status == 200
    arn = started["executionArn"]
    status, running = call(api, "GetExecutionHistory", executionArn=arn)
    assert status == 200 and running["events"][0]["type"] == "ExecutionStarted"
    status, stopped = call(api, "StopExecution", executionArn=arn, cause="operator")
    assert status == 200 and "stopDate" in stopped
    assert call(api, "DescribeExecution", executionArn=arn)[1]["status"] == "ABORTED"
    release.set()
    thread = stack.executions[arn].thread
    assert thread is not None
    thread.join(30)
    assert call(api, "DescribeExecution", executionArn=arn)[1]["status"] == "ABORTED"
    status, again = call(api, "StopExecution", executionArn=arn)
    assert status == 400 and again["__type"] == "ValidationException"
    events = call(api, "GetExecutionHistory", executionArn=arn, reverseOrder=True)[1]["events"]
    assert events[0]["type"] == "ExecutionAborted"
