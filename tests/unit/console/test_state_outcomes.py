"""Outcomes folded from histories: a caught failure is a failure, a retry is not a plain success, a redriven
state that succeeded shows it was retried, and a cause is one line without Lambda's stackTrace."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from familyplus_local.executor import Execution, HistoryEvent
from familyplus_local.state_outcomes import one_line, state_outcomes

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def history(*events: tuple[str, dict[str, Any]]) -> list[HistoryEvent]:
    return [
        HistoryEvent(id=i + 1, type=kind, timestamp=T0 + timedelta(seconds=i), **fields)
        for i, (kind, fields) in enumerate(events)
    ]


def execution(status: str, *events: tuple[str, dict[str, Any]]) -> Execution:
    return Execution("arn:x", "x", "process_response", status, {}, T0, history=history(*events))


def task(name: str, *middle: tuple[str, dict[str, Any]], exit_error: str | None = None) -> list[tuple[str, dict]]:
    at = {"state": name, "path": name}
    exited = {**at, "error": exit_error, "cause": "boom"} if exit_error else at
    return [("TaskStateEntered", at), *middle, ("TaskStateExited", exited)]


def test_caught_retried_succeeded_and_not_reached() -> None:
    ran = execution(
        "FAILED",
        ("ExecutionStarted", {}),
        *task("A", ("TaskScheduled", {"state": "A", "path": "A"}), ("TaskSucceeded", {"state": "A", "path": "A"})),
        *task(
            "B",
            ("TaskScheduled", {"state": "B", "path": "B"}),
            ("TaskFailed", {"state": "B", "path": "B", "error": "TransientError", "retry_delay": 1.0}),
            ("TaskScheduled", {"state": "B", "path": "B"}),
            ("TaskSucceeded", {"state": "B", "path": "B"}),
        ),
        *task(
            "C",
            ("TaskScheduled", {"state": "C", "path": "C"}),
            ("TaskFailed", {"state": "C", "path": "C", "error": "PermanentError"}),
            exit_error="PermanentError",
        ),
        ("FailStateEntered", {"state": "Failed", "path": "Failed"}),
        ("ExecutionFailed", {"error": "PermanentError"}),
    )
    outcomes = state_outcomes(ran)
    assert {name: o.outcome for name, o in outcomes.items()} == {
        "A": "succeeded",
        "B": "retried",
        "C": "caught",
        "Failed": "failed",
    }
    assert outcomes["C"].visits[0].error == "PermanentError"
    assert [a.error for a in outcomes["B"].visits[0].attempts] == ["TransientError", None]


def test_an_uncaught_failure_is_the_open_state_and_a_redrive_that_succeeds_shows_retried() -> None:
    first_run = [
        ("ExecutionStarted", {}),
        ("TaskStateEntered", {"state": "A", "path": "A"}),
        ("TaskScheduled", {"state": "A", "path": "A"}),
        ("TaskFailed", {"state": "A", "path": "A", "error": "TransientError"}),
        ("ExecutionFailed", {"error": "TransientError"}),
    ]
    failed = execution("FAILED", *first_run)
    assert state_outcomes(failed)["A"].outcome == "failed"
    redriven = execution(
        "SUCCEEDED",
        *first_run,
        ("ExecutionRedriven", {}),
        *task("A", ("TaskScheduled", {"state": "A", "path": "A"}), ("TaskSucceeded", {"state": "A", "path": "A"})),
        ("ExecutionSucceeded", {}),
    )
    outcome = state_outcomes(redriven)["A"]
    assert outcome.outcome == "retried" and len(outcome.visits) == 2


def test_a_running_state_and_map_iterations_take_the_worst() -> None:
    running = execution("RUNNING", ("ExecutionStarted", {}), ("TaskStateEntered", {"state": "A", "path": "A"}))
    assert state_outcomes(running)["A"].outcome == "running"
    mapped = execution(
        "SUCCEEDED",
        *task("T", ("TaskScheduled", {"state": "T", "path": "M/0/T"})),
        ("TaskStateEntered", {"state": "T", "path": "M/1/T"}),
        ("TaskScheduled", {"state": "T", "path": "M/1/T"}),
        ("TaskFailed", {"state": "T", "path": "M/1/T", "error": "PermanentError"}),
        ("TaskStateExited", {"state": "T", "path": "M/1/T", "error": "PermanentError"}),
    )
    assert state_outcomes(mapped)["T"].outcome == "caught"


def test_child_executions_are_collected_from_task_outputs() -> None:
    arn = "arn:aws:states:local:000000000000:execution:generate_podcast:podcast-s1"
    ran = execution(
        "SUCCEEDED",
        *task(
            "StartPodcast",
            ("TaskSucceeded", {"state": "StartPodcast", "path": "StartPodcast", "output": {"ExecutionArn": arn}}),
        ),
    )
    assert state_outcomes(ran)["StartPodcast"].visits[0].children == [arn]


def test_one_line_drops_the_stack_trace() -> None:
    cause = json.dumps(
        {"errorMessage": "tag_values: provider outage", "errorType": "TransientError", "stackTrace": ["  File x"]}
    )
    assert one_line(cause) == "tag_values: provider outage"
    assert one_line("first\nsecond") == "first"
    assert one_line("x" * 300, limit=10) == "x" * 9 + "…"
    assert one_line(None) == ""
