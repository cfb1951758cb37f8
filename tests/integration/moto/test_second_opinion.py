"""A second opinion on our executor: the same process_response definition and inputs run through moto's
Step Functions interpreter, with the Lambda handlers run in process, and both engines must agree on status,
output and attempt counts — for the happy path and for the retry path.

moto's interpreter would invoke Lambda through moto's Lambda backend (which needs Docker) and sleeps in real
time between retries, so two of its internals are patched here: the Lambda invocation (to call our handler
in process, reporting errors the way Lambda does) and the retrier's sleep (recorded, not slept).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils

from familyplus.adapters.local.lexicon_tagger import LexiconValueTagger
from familyplus_local.runtime.lambdas import LocalLambda, substitutions
from familyplus_local.runtime.runner import LocalRunner
from familyplus_local.runtime.workflows import load_workflow
from tests.support import FlakyPort, response

REGION, ACCOUNT = "us-east-1", "123456789012"


class _Body:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def read(self) -> bytes:
        return self._data


@pytest.fixture
def moto_sfn(
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Callable[[dict[str, Any], LocalLambda], tuple[dict[str, Any], list]]]:
    """Run a process_response execution in moto's Step Functions, its tasks invoking `lambdas` in process."""
    invoked: list[LocalLambda] = []
    slept: list[float] = []

    def invoke_in_process(parameters: dict, region: str, state_credentials: Any) -> dict:
        payload = parameters.get("Payload")
        event = json.loads(payload) if isinstance(payload, (str, bytes)) else payload
        try:
            result = invoked[-1].invoke(parameters["FunctionName"], event)
        except Exception as exc:  # reported like Lambda: FunctionError + errorType/errorMessage payload
            error = {"errorMessage": str(exc), "errorType": type(exc).__name__, "stackTrace": []}
            return {"StatusCode": 200, "FunctionError": "Unhandled", "Payload": error}
        return {"StatusCode": 200, "ExecutedVersion": "$LATEST", "Payload": result}

    monkeypatch.setattr(lambda_eval_utils, "_invoke_lambda_function", invoke_in_process)
    # Only the retrier's clock: patching time.sleep itself would also turn the polling loop below into a spin.
    monkeypatch.setattr(retrier_decl, "time", SimpleNamespace(sleep=slept.append))

    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        client = boto3.client("stepfunctions", region_name=REGION)
        definition = load_workflow("process_response", substitutions(region=REGION, account=ACCOUNT))
        arn = client.create_state_machine(
            name="process_response",
            definition=json.dumps(definition),
            roleArn=f"arn:aws:iam::{ACCOUNT}:role/sfn",
        )["stateMachineArn"]

        def run(payload: dict[str, Any], lambdas: LocalLambda) -> tuple[dict[str, Any], list]:
            invoked.append(lambdas)
            execution_arn = client.start_execution(stateMachineArn=arn, input=json.dumps(payload))["executionArn"]
            deadline = time.monotonic() + 120
            while (described := client.describe_execution(executionArn=execution_arn))["status"] == "RUNNING":
                assert time.monotonic() < deadline, "moto execution did not finish"
                time.sleep(0.05)
            events = client.get_execution_history(executionArn=execution_arn, maxResults=1000)["events"]
            run.slept = list(slept)  # type: ignore[attr-defined]
            return described, events

        yield run


def moto_attempts(events: list, function_suffix: str) -> int:
    return sum(
        1
        for e in events
        if e["type"] == "TaskScheduled"
        and json.loads(e["taskScheduledEventDetails"]["parameters"])["FunctionName"].endswith(function_suffix)
    )


def ours_attempts(execution: Any, state: str) -> int:
    return sum(1 for e in execution.history if e.type == "TaskScheduled" and (e.path or e.state or "").endswith(state))


@pytest.mark.parametrize("failures", [0, 2], ids=["happy-path", "two-retries"])
def test_both_engines_agree(failures: int, moto_sfn: Callable, make_runner: Callable[..., LocalRunner]) -> None:
    tagger = FlakyPort(LexiconValueTagger(), "tag", failures=failures)
    runner = make_runner(tagger=tagger)
    ours = runner.start("process_response", response("r-ours"))

    tagger.calls = 0  # same fault sequence for the second engine, on a fresh response id
    described, events = moto_sfn(response("r-moto"), runner.lambdas)  # the same handlers and adapters

    assert ours.status == described["status"] == "SUCCEEDED"
    theirs = json.loads(described["output"])
    assert json.loads(json.dumps(ours.output).replace("r-ours", "r-moto")) == theirs
    assert ours_attempts(ours, "TagValues") == moto_attempts(events, "tag-values") == failures + 1
    assert ours_attempts(ours, "WriteStory") == moto_attempts(events, "write-story") == 1
    # Both engines waited once per retry, within the policy's bounds (1 s then 2 s, full jitter)
    ours_waits = [e.retry_delay for e in ours.history if e.type == "TaskFailed" and e.retry_delay is not None]
    assert len(ours_waits) == len(moto_sfn.slept) == failures  # type: ignore[attr-defined]
    for n, (a, b) in enumerate(zip(ours_waits, moto_sfn.slept, strict=True)):  # type: ignore[attr-defined]
        assert 0 <= a <= 2**n and 0 <= b <= 2**n
