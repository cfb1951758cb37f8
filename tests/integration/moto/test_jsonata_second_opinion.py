"""A second opinion on JSONata and workflow variables: a JSONata definition with variables (Assign in a Pass,
a Map, a Choice rule and its Default; $states.input/result; Step Functions' $partition and $range), and our own
generate_podcast workflow with its real handlers, run through our executor and through moto's Step Functions
interpreter, which must agree on the status, the output and the variables each state assigned (AWS's
assignedVariables).

moto's interpreter implements the Step Functions side of JSONata itself (binding $states and the variables,
Assign/Output order, scopes, its own JSONata definitions of $partition/$range/...) but leaves the JSONata
evaluator out (it needs a JVM), so that one internal is patched here with jsonata-python; like the other
second opinion, the Lambda invocation is patched to run the function in process.

One corner is left out because the engines differ on it: in the state that assigns a variable, moto's Output
already sees the new value, while the guide (and our executor) evaluate Assign and Output with the values
from state entry (tests/unit/executor/test_jsonata_and_variables.py).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import jsonata
import pytest
from moto import mock_aws
from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
from moto.stepfunctions.parser.asl.jsonata import jsonata as moto_jsonata

from familyplus_local.executor import VirtualClock, run_state_machine
from familyplus_local.runtime.lambdas import substitutions
from familyplus_local.runtime.runner import LocalRunner
from familyplus_local.runtime.workflows import load_workflow
from tests.support import response

REGION, ACCOUNT = "us-east-1", "123456789012"
GREET = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:greet"

DEFINITION: dict[str, Any] = {
    "QueryLanguage": "JSONata",
    "StartAt": "Init",
    "States": {
        "Init": {
            "Type": "Pass",
            "Assign": {"greeting": "Hello", "names": "{% $states.input.names %}"},
            "Output": {"count": "{% $count($states.input.names) %}"},
            "Next": "Each",
        },
        "Each": {
            "Type": "Map",
            "Items": "{% $names %}",
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"},
                "StartAt": "Greet",
                "States": {
                    "Greet": {
                        "Type": "Task",
                        "Resource": "arn:aws:states:::lambda:invoke",
                        "Arguments": {
                            "FunctionName": GREET,
                            "Payload": {"name": "{% $states.input %}", "greeting": "{% $greeting %}"},
                        },
                        "Output": "{% $states.result.Payload.text %}",
                        "End": True,
                    }
                },
            },
            "Assign": {"texts": "{% $states.result %}"},
            "Output": {"n": "{% $count($states.result) %}"},
            "Next": "Decide",
        },
        "Decide": {
            "Type": "Choice",
            "Choices": [{"Condition": "{% $states.input.n > 1 %}", "Next": "Many", "Assign": {"kind": "many"}}],
            "Default": "One",
            "Assign": {"kind": "one"},
        },
        "Many": {
            "Type": "Pass",
            "Output": {
                "texts": "{% $texts %}",
                "kind": "{% $kind %}",
                "pairs": "{% $partition($texts, 2) %}",
                "odd": "{% $range(1, 5, 2) %}",
            },
            "End": True,
        },
        "One": {"Type": "Pass", "Output": {"kind": "{% $kind %}", "texts": "{% $texts %}"}, "End": True},
    },
}


def greet(event: dict[str, Any]) -> dict[str, Any]:
    return {"text": f"{event['greeting']}, {event['name']}"}


def evaluate_with_jsonata_python(expression: str) -> Any:
    return jsonata.Jsonata(expression).evaluate(None)


@pytest.fixture
def moto_sfn(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[dict[str, Any]], tuple[dict[str, Any], list]]]:
    def invoke_in_process(parameters: dict, region: str, state_credentials: Any) -> dict:
        payload = parameters.get("Payload")
        event = json.loads(payload) if isinstance(payload, str | bytes) else payload
        assert isinstance(event, dict), event
        return {"StatusCode": 200, "ExecutedVersion": "$LATEST", "Payload": greet(event)}

    monkeypatch.setattr(lambda_eval_utils, "_invoke_lambda_function", invoke_in_process)
    monkeypatch.setattr(moto_jsonata, "_eval_jsonata", evaluate_with_jsonata_python)
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        client = boto3.client("stepfunctions", region_name=REGION)
        arn = client.create_state_machine(
            name="greetings", definition=json.dumps(DEFINITION), roleArn=f"arn:aws:iam::{ACCOUNT}:role/sfn"
        )["stateMachineArn"]

        def run(payload: dict[str, Any]) -> tuple[dict[str, Any], list]:
            execution_arn = client.start_execution(stateMachineArn=arn, input=json.dumps(payload))["executionArn"]
            deadline = time.monotonic() + 60
            while (described := client.describe_execution(executionArn=execution_arn))["status"] == "RUNNING":
                assert time.monotonic() < deadline, "moto execution did not finish"
                time.sleep(0.05)
            events = client.get_execution_history(executionArn=execution_arn, maxResults=1000)["events"]
            return described, events

        yield run


def moto_assigned(events: list) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for event in events:
        details = event.get("stateExitedEventDetails") or {}
        if details.get("assignedVariables"):
            found[details["name"]] = {k: json.loads(v) for k, v in details["assignedVariables"].items()}
    return found


def ours_assigned(execution: Any) -> dict[str, dict[str, Any]]:
    return {e.state: e.variables for e in execution.history if e.type.endswith("StateExited") and e.variables}


@pytest.mark.parametrize("names", [["Ada", "Lin", "Mo"], ["Ada"]], ids=["many", "one"])
def test_both_engines_agree_on_a_jsonata_definition_with_variables(names: list[str], moto_sfn: Callable) -> None:
    ours = run_state_machine(
        DEFINITION,
        {"names": names},
        invoke=lambda function, payload: greet(payload),
        clock=VirtualClock(),
    )
    described, events = moto_sfn({"names": names})

    assert ours.status == described["status"] == "SUCCEEDED", (ours.cause, described.get("cause"))
    assert ours.output == json.loads(described["output"])
    assert ours_assigned(ours) == moto_assigned(events)


def test_both_engines_agree_on_generate_podcast_in_jsonata(
    monkeypatch: pytest.MonkeyPatch, make_runner: Callable[..., LocalRunner]
) -> None:
    """Our own JSONata workflow (generate_podcast: variables across five Tasks and a Map, the real handlers,
    eSpeak NG and FFmpeg) gives the same status and output in both engines."""
    runner = make_runner()
    story = runner.start("process_response", response("r-pod"))
    assert story.status == "SUCCEEDED", story.cause
    job = {"storyId": "story-r-pod"}
    ours = runner.start("generate_podcast", job, name="podcast-ours")

    lambdas = runner.lambdas  # the same handlers and adapters

    def invoke_in_process(parameters: dict, region: str, state_credentials: Any) -> dict:
        payload = parameters.get("Payload")
        event = json.loads(payload) if isinstance(payload, str | bytes) else payload
        return {
            "StatusCode": 200,
            "ExecutedVersion": "$LATEST",
            "Payload": lambdas.invoke(parameters["FunctionName"], event),
        }

    monkeypatch.setattr(lambda_eval_utils, "_invoke_lambda_function", invoke_in_process)
    monkeypatch.setattr(moto_jsonata, "_eval_jsonata", evaluate_with_jsonata_python)
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        client = boto3.client("stepfunctions", region_name=REGION)
        definition = load_workflow("generate_podcast", substitutions(region=REGION, account=ACCOUNT))
        assert definition["QueryLanguage"] == "JSONata"
        arn = client.create_state_machine(
            name="generate_podcast", definition=json.dumps(definition), roleArn=f"arn:aws:iam::{ACCOUNT}:role/sfn"
        )["stateMachineArn"]
        execution_arn = client.start_execution(stateMachineArn=arn, input=json.dumps(job))["executionArn"]
        deadline = time.monotonic() + 180
        while (described := client.describe_execution(executionArn=execution_arn))["status"] == "RUNNING":
            assert time.monotonic() < deadline, "moto execution did not finish"
            time.sleep(0.1)
        events = client.get_execution_history(executionArn=execution_arn, maxResults=1000)["events"]

    assert ours.status == described["status"] == "SUCCEEDED", (ours.cause, described.get("cause"))
    theirs = json.loads(described["output"])
    # Two syntheses of the same script differ by a few milliseconds of audio: compare durations within 1%.
    assert without_seconds(ours.output) == without_seconds(theirs)
    assert ours.output["podcast"]["seconds"] == pytest.approx(theirs["podcast"]["seconds"], rel=0.01)
    assert without_seconds(ours_assigned(ours)) == without_seconds(moto_assigned(events))


def without_seconds(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_seconds(v) for k, v in value.items() if k != "seconds"}
    if isinstance(value, list):
        return [without_seconds(v) for v in value]
    return value
