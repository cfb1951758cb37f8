"""Task resources (lambda:invoke, direct ARNs, startExecution), error reporting, timeouts and Wait."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from typing import Any

import pytest

from familyplus_local.executor import MissingHookError, SystemClock, TaskError, VirtualClock

from .support import LAMBDA_ARN, Functions, RecordingClock, chain, run, task

CHILD = "arn:aws:states:local:000000000000:stateMachine:child"


def test_lambda_invoke_wraps_the_result_and_direct_arn_does_not() -> None:
    definition = chain(
        (
            "Wrapped",
            {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "ResultPath": "$.wrapped",
                "Parameters": {"FunctionName": LAMBDA_ARN + "echo", "Payload": {"id.$": "$.id"}},
            },
        ),
        ("Direct", task("echo", ResultPath="$.direct")),
    )
    functions = Functions(echo=lambda p: {"seen": p})
    execution = run(definition, {"id": 7}, invoke=functions)
    wrapped = execution.output["wrapped"]
    assert wrapped["Payload"] == {"seen": {"id": 7}}
    assert wrapped["ExecutedVersion"] == "$LATEST"
    assert wrapped["StatusCode"] == 200
    assert wrapped["SdkHttpMetadata"] == {"HttpStatusCode": 200}
    assert isinstance(wrapped["SdkResponseMetadata"]["RequestId"], str)
    # the direct ARN gets the whole effective input and its result is not wrapped
    assert execution.output["direct"] == {"seen": {"id": 7, "wrapped": wrapped}}
    assert functions.calls[0] == ("echo", {"id": 7})
    assert execution.events("TaskScheduled")[0].resource == "arn:aws:states:::lambda:invoke"


def test_exceptions_are_reported_like_lambda_and_task_errors_as_given() -> None:
    functions = Functions(a=[ValueError("nope")], b=[TaskError("PermanentError", "bad input")])
    execution = run(chain(("A", task("a"))), invoke=functions)
    assert execution.error == "ValueError"
    cause = json.loads(execution.cause or "")
    assert cause["errorMessage"] == "nope"
    assert cause["errorType"] == "ValueError"
    assert cause["stackTrace"] and "raise outcome" in "".join(cause["stackTrace"])
    execution = run(chain(("B", task("b"))), invoke=functions)
    assert (execution.error, execution.cause) == ("PermanentError", "bad input")


def test_non_json_results_fail_like_lambda_marshalling() -> None:
    execution = run(chain(("A", task("a"))), invoke=Functions(a=lambda p: {"when": object()}))
    assert execution.error == "Runtime.MarshalError"


def test_task_timeout_measured_on_the_virtual_clock_and_retriable() -> None:
    # Given a task that takes 30 s of virtual time on its first call, 1 s on its second
    clock = RecordingClock()
    durations = [30, 1]
    definition = chain(
        ("Slow", task("slow", TimeoutSeconds=10, Retry=[{"ErrorEquals": ["States.Timeout"], "MaxAttempts": 1}]))
    )

    def slow(payload: Any) -> Any:
        clock.sleep(durations.pop(0))
        return "done"

    execution = run(definition, invoke=Functions(slow=slow), clock=clock)
    assert execution.status == "SUCCEEDED"
    timed_out = execution.events("TaskTimedOut")
    assert [(e.error, e.retry_delay) for e in timed_out] == [("States.Timeout", 1.0)]
    assert execution.attempts("Slow") == 2


def test_timeout_seconds_path() -> None:
    clock = VirtualClock()
    definition = chain(("Slow", task("slow", TimeoutSecondsPath="$.limit")))
    slow = Functions(slow=lambda p: clock.sleep(5))
    assert run(definition, {"limit": 4}, invoke=slow, clock=clock).error == "States.Timeout"
    assert run(definition, {"limit": 6}, invoke=slow, clock=clock).status == "SUCCEEDED"


def test_concurrent_virtual_sleeps_do_not_time_each_other_out() -> None:
    # Four iterations each sleep 6 s of virtual time with a 10 s task timeout: their sleeps add up on the
    # shared clock, but each task is measured on its own thread.
    clock = VirtualClock()
    definition = chain(
        (
            "Fan",
            {
                "Type": "Map",
                "MaxConcurrency": 4,
                "End": True,
                "ItemProcessor": {"StartAt": "Nap", "States": {"Nap": task("nap", TimeoutSeconds=10, End=True)}},
            },
        )
    )
    execution = run(definition, [1, 2, 3, 4], invoke=Functions(nap=lambda p: clock.sleep(6)), clock=clock)
    assert execution.status == "SUCCEEDED"


def test_real_clock_timeout_bounds_the_real_wait() -> None:
    # Given a task that would block forever, on the system clock
    release = threading.Event()
    definition = chain(("Hang", task("hang", TimeoutSeconds=1)))
    try:
        execution = run(definition, invoke=Functions(hang=lambda p: release.wait(30)), clock=SystemClock())
    finally:
        release.set()
    assert (execution.status, execution.error) == ("FAILED", "States.Timeout")


def test_execution_timeout_times_out_the_execution() -> None:
    clock = RecordingClock()
    definition = chain(("Slow", task("slow")), TimeoutSeconds=60)
    execution = run(definition, invoke=Functions(slow=lambda p: clock.sleep(100)), clock=clock)
    assert (execution.status, execution.error) == ("TIMED_OUT", "States.Timeout")
    assert execution.history[-1].type == "ExecutionTimedOut"


def test_execution_timeout_stops_a_wait_at_the_deadline() -> None:
    clock = RecordingClock()
    execution = run(chain(("Nap", {"Type": "Wait", "Seconds": 120}), TimeoutSeconds=60), clock=clock)
    assert execution.status == "TIMED_OUT"
    assert clock.sleeps == [60]
    assert execution.stop_date == datetime(2024, 1, 1, 0, 1, tzinfo=UTC)


def test_execution_timeout_during_retry_backoff() -> None:
    clock = RecordingClock()
    definition = chain(
        ("Call", task("f", Retry=[{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 50}])), TimeoutSeconds=80
    )
    execution = run(definition, invoke=Functions(f=[TaskError("E")] * 3), clock=clock)
    assert execution.status == "TIMED_OUT"
    assert clock.sleeps == [50, 30]


@pytest.mark.parametrize(
    ("wait", "data", "slept"),
    [
        ({"Seconds": 30}, {}, 30),
        ({"SecondsPath": "$.s"}, {"s": 12}, 12),
        ({"Timestamp": "2024-01-01T01:00:00Z"}, {}, 3600),
        ({"TimestampPath": "$.at"}, {"at": "2024-01-01T00:00:10+00:00"}, 10),
        ({"Timestamp": "2023-01-01T00:00:00Z"}, {}, 0),  # in the past: no wait
    ],
)
def test_wait_uses_the_clock(wait: dict[str, Any], data: Any, slept: float) -> None:
    clock = RecordingClock()
    execution = run(chain(("Nap", {"Type": "Wait", **wait})), data, clock=clock)
    assert execution.status == "SUCCEEDED"
    assert execution.output == data
    assert clock.sleeps == [slept]


def test_wait_with_bad_dynamic_values_fails_with_runtime() -> None:
    assert run(chain(("Nap", {"Type": "Wait", "SecondsPath": "$.s"})), {"s": -1}).error == "States.Runtime"
    assert run(chain(("Nap", {"Type": "Wait", "TimestampPath": "$.t"})), {"t": "tomorrow"}).error == "States.Runtime"


class FakeStepFunctions:
    def __init__(self, describe: dict[str, Any] | Exception | None = None):
        self.calls: list[tuple[str, Any, str | None, bool]] = []
        self.describe = describe

    def __call__(self, arn: str, input: Any, name: str | None, wait: bool) -> dict[str, Any]:
        self.calls.append((arn, input, name, wait))
        if isinstance(self.describe, Exception):
            raise self.describe
        started = datetime(2024, 1, 1, tzinfo=UTC)
        if not wait:
            return {"ExecutionArn": f"{CHILD}:{name}", "StartDate": started}
        return {"ExecutionArn": f"{CHILD}:{name}", "StartDate": started, **(self.describe or {})}


def start(resource: str, **fields: Any) -> dict[str, Any]:
    return chain(
        (
            "Start",
            {
                "Type": "Task",
                "Resource": resource,
                "Parameters": {"StateMachineArn": CHILD, "Input": {"x.$": "$.x"}, "Name.$": "$.name"},
                **fields,
            },
        )
    )


def test_start_execution_fire_and_forget() -> None:
    hook = FakeStepFunctions()
    execution = run(start("arn:aws:states:::states:startExecution"), {"x": 1, "name": "child-1"}, start_execution=hook)
    assert hook.calls == [(CHILD, {"x": 1}, "child-1", False)]
    assert execution.output == {"ExecutionArn": f"{CHILD}:child-1", "StartDate": "2024-01-01T00:00:00+00:00"}


def test_start_execution_sync_2_returns_parsed_output() -> None:
    hook = FakeStepFunctions({"Status": "SUCCEEDED", "Output": {"y": 2}})
    execution = run(
        start("arn:aws:states:::states:startExecution.sync:2", ResultSelector={"out.$": "$.Output"}),
        {"x": 1, "name": "child-2"},
        start_execution=hook,
    )
    assert hook.calls == [(CHILD, {"x": 1}, "child-2", True)]
    assert execution.output == {"out": {"y": 2}}


def test_start_execution_sync_2_failures_are_task_failed() -> None:
    failed = FakeStepFunctions({"Status": "FAILED", "Error": "Boom", "Cause": "child broke"})
    execution = run(
        start("arn:aws:states:::states:startExecution.sync:2"), {"x": 1, "name": "c"}, start_execution=failed
    )
    assert execution.error == "States.TaskFailed"
    assert json.loads(execution.cause or "")["Cause"] == "child broke"
    raising = FakeStepFunctions(TaskError("States.TaskFailed", "child failed"))
    execution = run(
        start("arn:aws:states:::states:startExecution.sync:2"), {"x": 1, "name": "c"}, start_execution=raising
    )
    assert (execution.error, execution.cause) == ("States.TaskFailed", "child failed")


def test_missing_start_execution_hook_is_refused_at_run_start() -> None:
    events: list[Any] = []
    with pytest.raises(MissingHookError, match="start_execution"):
        run(start("arn:aws:states:::states:startExecution"), {"x": 1, "name": "c"}, listener=events.append)
    assert events == []
