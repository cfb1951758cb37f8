"""Retry (delays, jitter, retrier order and counters, MaxAttempts 0) and Catch (matching, ResultPath)."""

from __future__ import annotations

import json
import random
from typing import Any

from familyplus_local.executor import TaskError

from .support import Functions, RecordingClock, chain, run, task


class TransientError(Exception):
    """Named like the project's error: Lambda reports the class name as the error."""


def retrying(retry: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    return chain(("Call", task("flaky", Retry=retry, **fields)))


def test_delays_follow_interval_backoff_and_max_delay_cap() -> None:
    # Given a function failing 4 times, then succeeding
    functions = Functions(flaky=[TransientError("503")] * 4 + [{"ok": True}])
    clock = RecordingClock()
    retry = [
        {
            "ErrorEquals": ["TransientError"],
            "IntervalSeconds": 1,
            "MaxAttempts": 4,
            "BackoffRate": 3,
            "MaxDelaySeconds": 20,
        }
    ]

    execution = run(retrying(retry), invoke=functions, clock=clock)

    # Then delays are min(1 × 3^(n-1), 20), slept on the clock, and recorded on the failure events
    assert execution.status == "SUCCEEDED"
    assert clock.sleeps == [1, 3, 9, 20]
    assert [e.retry_delay for e in execution.events("TaskFailed")] == [1, 3, 9, 20]
    assert [e.attempt for e in execution.events("TaskScheduled")] == [0, 1, 2, 3, 4]
    assert execution.attempts("Call") == 5
    assert clock.now().isoformat() == "2024-01-01T00:00:33+00:00"


def test_defaults_are_interval_1_max_attempts_3_backoff_2() -> None:
    functions = Functions(flaky=[TransientError("x")] * 4)
    clock = RecordingClock()
    execution = run(retrying([{"ErrorEquals": ["States.ALL"]}]), invoke=functions, clock=clock)
    assert clock.sleeps == [1, 2, 4]
    assert (execution.status, execution.error) == ("FAILED", "TransientError")
    assert execution.events("TaskFailed")[-1].retry_delay is None  # the last failure is not retried


def test_full_jitter_draws_uniformly_below_the_delay_from_the_seeded_rng() -> None:
    # Given the project's retry policy (DESIGN §3)
    retry = [
        {
            "ErrorEquals": ["TransientError", "Lambda.ServiceException"],
            "IntervalSeconds": 1,
            "MaxAttempts": 2,
            "BackoffRate": 2,
            "MaxDelaySeconds": 10,
            "JitterStrategy": "FULL",
        }
    ]
    functions = Functions(flaky=[TransientError("429")] * 3)
    clock = RecordingClock()

    execution = run(retrying(retry), invoke=functions, clock=clock, rng=random.Random(7))

    # Then 3 attempts; each delay is uniform in [0, min(1 × 2^(n-1), 10)], drawn from the rng
    replica = random.Random(7)
    assert clock.sleeps == [replica.uniform(0, 1), replica.uniform(0, 2)]
    assert 0 <= clock.sleeps[0] <= 1 and 0 <= clock.sleeps[1] <= 2
    assert execution.attempts("Call") == 3
    assert execution.error == "TransientError"


def test_jitter_respects_max_delay_cap() -> None:
    retry = [
        {
            "ErrorEquals": ["States.ALL"],
            "IntervalSeconds": 5,
            "MaxAttempts": 6,
            "BackoffRate": 10,
            "MaxDelaySeconds": 7,
            "JitterStrategy": "FULL",
        }
    ]
    clock = RecordingClock()
    run(retrying(retry), invoke=Functions(flaky=[TransientError()] * 7), clock=clock, rng=random.Random(1))
    assert len(clock.sleeps) == 6
    assert all(0 <= s <= 7 for s in clock.sleeps)


def test_retriers_are_checked_in_order_and_count_separately() -> None:
    # Given: A may be retried once, B twice; failures arrive as A, B, B, A
    retry = [
        {"ErrorEquals": ["A"], "MaxAttempts": 1, "IntervalSeconds": 1},
        {"ErrorEquals": ["B"], "MaxAttempts": 2, "IntervalSeconds": 5, "BackoffRate": 1},
    ]
    outcomes: list[Any] = [TaskError("A"), TaskError("B"), TaskError("B"), TaskError("A"), {"never": True}]
    clock = RecordingClock()
    execution = run(retrying(retry), invoke=Functions(flaky=outcomes), clock=clock)
    # Then the second A exhausts A's own counter even though B's retries happened in between
    assert clock.sleeps == [1, 5, 5]
    assert (execution.status, execution.error) == ("FAILED", "A")
    assert execution.attempts("Call") == 4


def test_only_the_first_matching_retrier_applies_and_max_attempts_0_never_retries() -> None:
    retry = [{"ErrorEquals": ["PermanentError"], "MaxAttempts": 0}, {"ErrorEquals": ["States.ALL"], "MaxAttempts": 3}]
    clock = RecordingClock()
    execution = run(retrying(retry), invoke=Functions(flaky=[TaskError("PermanentError", "bad input")]), clock=clock)
    assert clock.sleeps == []
    assert (execution.status, execution.error, execution.cause) == ("FAILED", "PermanentError", "bad input")
    assert execution.attempts("Call") == 1


def test_catch_result_path_variants() -> None:
    def caught(result_path: Any) -> Any:
        catcher: dict[str, Any] = {"ErrorEquals": ["PermanentError"], "Next": "Handle"}
        if result_path != "absent":
            catcher["ResultPath"] = result_path
        definition = chain(
            ("Call", task("flaky", Catch=[catcher], Next="Done")),
            ("Done", {"Type": "Succeed"}),
            ("Handle", {"Type": "Pass"}),
        )
        execution = run(definition, {"id": 1}, invoke=Functions(flaky=[TaskError("PermanentError", "bad")]))
        assert execution.status == "SUCCEEDED"
        return execution.output

    assert caught("absent") == {"Error": "PermanentError", "Cause": "bad"}
    assert caught("$.error") == {"id": 1, "error": {"Error": "PermanentError", "Cause": "bad"}}
    assert caught(None) == {"id": 1}


def test_first_matching_catcher_wins_after_retries_are_exhausted() -> None:
    definition = chain(
        (
            "Call",
            task(
                "flaky",
                Retry=[{"ErrorEquals": ["TransientError"], "MaxAttempts": 1}],
                Catch=[
                    {"ErrorEquals": ["Other"], "Next": "Wrong"},
                    {"ErrorEquals": ["TransientError"], "Next": "Right"},
                    {"ErrorEquals": ["States.ALL"], "Next": "Wrong"},
                ],
                Next="Wrong",
            ),
        ),
        ("Wrong", {"Type": "Fail", "Error": "Wrong"}),
        ("Right", {"Type": "Succeed"}),
    )
    execution = run(definition, invoke=Functions(flaky=[TransientError("1"), TransientError("2")]))
    assert execution.status == "SUCCEEDED"
    assert execution.attempts("Call") == 2
    exited = execution.events("TaskStateExited", "Call")[0]
    assert exited.error == "TransientError"  # an exit through a Catch is marked on the event
    assert json.loads(exited.cause or "")["errorMessage"] == "2"


def test_states_all_does_not_catch_states_runtime() -> None:
    definition = chain(
        (
            "Call",
            task(
                "f",
                OutputPath="$.missing",
                Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Handle"}],
                Retry=[{"ErrorEquals": ["States.ALL"]}],
                Next="Handle",
            ),
        ),
        ("Handle", {"Type": "Succeed"}),
    )
    execution = run(definition, invoke=Functions(f=lambda p: {"x": 1}))
    assert (execution.status, execution.error) == ("FAILED", "States.Runtime")
    assert execution.attempts("Call") == 1


def test_states_task_failed_matches_task_errors_but_not_timeouts() -> None:
    def outcome(invoke_fn: Any) -> Any:
        definition = chain(
            (
                "Call",
                task(
                    "f",
                    TimeoutSeconds=10,
                    Next="Done",
                    Catch=[{"ErrorEquals": ["States.TaskFailed"], "Next": "Handled"}],
                ),
            ),
            ("Done", {"Type": "Succeed"}),
            ("Handled", {"Type": "Succeed"}),
        )
        clock = RecordingClock()
        execution = run(definition, invoke=Functions(f=lambda p: invoke_fn(clock)), clock=clock)
        return execution.status, execution.error

    def custom(clock: Any) -> Any:
        raise TaskError("Custom")

    def slow(clock: Any) -> Any:
        clock.sleep(30)

    assert outcome(custom) == ("SUCCEEDED", None)
    assert outcome(slow) == ("FAILED", "States.Timeout")


def test_retry_on_parallel_reruns_the_whole_state() -> None:
    definition = chain(
        (
            "Both",
            {
                "Type": "Parallel",
                "End": True,
                "Retry": [{"ErrorEquals": ["TransientError"], "MaxAttempts": 1}],
                "Branches": [
                    {"StartAt": "A", "States": {"A": task("a", End=True)}},
                    {"StartAt": "B", "States": {"B": task("b", End=True)}},
                ],
            },
        )
    )
    functions = Functions(a=lambda p: "a", b=[TransientError("once"), "b"])
    execution = run(definition, invoke=functions, max_workers=1)
    assert execution.output == ["a", "b"]
    assert execution.attempts("Both") == 2
    assert len(functions.payloads("a")) == 2
    assert execution.events("ParallelStateFailed")[0].retry_delay == 1
