"""Execution names and ARNs, the event history, the listener, and the JSON round trip."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from familyplus_local.executor import Execution, HistoryEvent, InvalidNameError, TaskError, validate_name

from .support import Functions, chain, run, task


@pytest.mark.parametrize("name", ["response-123", "a", "x" * 80, "Ünïcode_ok.1"])
def test_valid_names(name: str) -> None:
    assert validate_name(name) == name


@pytest.mark.parametrize(
    "name",
    [
        "",
        "x" * 81,
        "has space",
        "tab\there",
        "a/b",
        "a:b",
        "a$b",
        "a{b}",
        "a*b",
        "a,b",
        "a;b",
        "a#b",
        "a%b",
        "a\\b",
        "a^b",
        "a|b",
        "a~b",
        "a`b",
        "a&b",
        "a<b>",
        "a[b]",
        "a?b",
        'a"b',
        "ctrl\x07",
    ],
)
def test_invalid_names_are_refused(name: str) -> None:
    with pytest.raises(InvalidNameError):
        validate_name(name)
    with pytest.raises(InvalidNameError):
        run(chain(("P", {"Type": "Pass"})), name=name)


def test_default_name_is_a_uuid_and_arn_format() -> None:
    execution = run(chain(("P", {"Type": "Pass"})), state_machine_name="ProcessResponse")
    assert len(execution.name) == 36
    assert execution.execution_arn == f"arn:aws:states:local:000000000000:execution:ProcessResponse:{execution.name}"


def test_event_sequence_of_a_caught_task_failure() -> None:
    definition = chain(
        (
            "Call",
            task(
                "f",
                Retry=[{"ErrorEquals": ["E"], "MaxAttempts": 1}],
                Catch=[{"ErrorEquals": ["E"], "Next": "Stop"}],
                Next="Stop",
            ),
        ),
        ("Stop", {"Type": "Fail", "Error": "Stopped", "Cause": "because"}),
    )
    execution = run(definition, {"a": 1}, invoke=Functions(f=[TaskError("E", "1"), TaskError("E", "2")]))
    assert [(e.type, e.attempt, e.retry_delay) for e in execution.history] == [
        ("ExecutionStarted", 0, None),
        ("TaskStateEntered", 0, None),
        ("TaskScheduled", 0, None),
        ("TaskStarted", 0, None),
        ("TaskFailed", 0, 1.0),
        ("TaskScheduled", 1, None),
        ("TaskStarted", 1, None),
        ("TaskFailed", 1, None),
        ("TaskStateExited", 1, None),
        ("FailStateEntered", 0, None),
        ("ExecutionFailed", 0, None),
    ]
    assert (execution.status, execution.error, execution.cause) == ("FAILED", "Stopped", "because")
    assert execution.stop_date is not None and execution.stop_date >= execution.start_date


def test_listener_sees_every_event_in_order_even_with_concurrency() -> None:
    seen: list[HistoryEvent] = []
    threads: set[str] = set()

    def listener(event: HistoryEvent) -> None:
        threads.add(threading.current_thread().name)
        seen.append(event)

    definition = chain(
        (
            "Fan",
            {
                "Type": "Map",
                "MaxConcurrency": 4,
                "End": True,
                "ItemProcessor": {"StartAt": "Work", "States": {"Work": task("work", End=True)}},
            },
        )
    )
    execution = run(definition, list(range(20)), invoke=Functions(work=lambda p: p), listener=listener)
    assert seen == execution.history
    assert [e.id for e in seen] == list(range(1, len(seen) + 1))
    assert len(threads) > 1  # events really came from worker threads


def test_execution_round_trips_through_json() -> None:
    execution = run(chain(("Call", task("f"))), {"x": [1, {"y": None}]}, invoke=Functions(f=[TaskError("E", "c")]))
    data = json.loads(json.dumps(execution.to_dict()))
    assert Execution.from_dict(data) == execution
    assert HistoryEvent.from_dict(data["history"][4]) == execution.history[4]
    assert execution.attempts("Call") == 1
    assert [e.type for e in execution.events(state="Call")][:2] == ["TaskStateEntered", "TaskScheduled"]


def test_input_must_be_json() -> None:
    with pytest.raises(ValueError, match="JSON-serialisable"):
        run(chain(("P", {"Type": "Pass"})), {"when": object()})


def test_max_workers_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_workers"):
        run(chain(("P", {"Type": "Pass"})), max_workers=0)


def test_failing_listener_aborts_and_propagates() -> None:
    def listener(event: Any) -> None:
        if event.type == "PassStateExited":
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        run(chain(("P", {"Type": "Pass"})), listener=listener)
