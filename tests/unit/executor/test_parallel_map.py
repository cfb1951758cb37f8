"""Parallel and Map: output arrays in order, real concurrency bounded by MaxConcurrency, failures, paths."""

from __future__ import annotations

import threading
import time
from typing import Any

from familyplus_local.executor import TaskError

from .support import Functions, chain, run, task


class ConcurrencyProbe:
    """An invoke that really blocks a little and records how many calls overlapped."""

    def __init__(self, hold: float = 0.02):
        self.hold = hold
        self.current = 0
        self.peak = 0
        self.order: list[Any] = []
        self._lock = threading.Lock()

    def __call__(self, function: str, payload: Any) -> Any:
        with self._lock:
            self.current += 1
            self.peak = max(self.peak, self.current)
            self.order.append(payload["index"])
        try:
            # later items finish first, so completion order differs from item order
            time.sleep(self.hold * (1 + (10 - payload["index"]) / 10))
            return {"index": payload["index"], "doubled": payload["value"] * 2}
        finally:
            with self._lock:
                self.current -= 1


def map_definition(concurrency: int | None, **extra: Any) -> dict[str, Any]:
    state: dict[str, Any] = {
        "Type": "Map",
        "ItemsPath": "$.items",
        "ItemSelector": {"index.$": "$$.Map.Item.Index", "value.$": "$$.Map.Item.Value", "tag.$": "$.tag"},
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "INLINE"},
            "StartAt": "Work",
            "States": {"Work": task("work", End=True)},
        },
        **extra,
    }
    if concurrency is not None:
        state["MaxConcurrency"] = concurrency
    return chain(("Fan", state))


def test_parallel_output_is_the_array_of_branch_outputs_in_order() -> None:
    definition = chain(
        (
            "Analyze",
            {
                "Type": "Parallel",
                "ResultPath": "$.results",
                "Branches": [
                    {"StartAt": "Slow", "States": {"Slow": task("slow", End=True)}},
                    {"StartAt": "Fixed", "States": {"Fixed": {"Type": "Pass", "Result": "b", "End": True}}},
                    {"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "InputPath": "$.x", "End": True}}},
                ],
            },
        )
    )

    def slow(p: dict[str, Any]) -> dict[str, Any]:
        time.sleep(0.02)
        return {"slow": p["x"]}

    functions = Functions(slow=slow)
    execution = run(definition, {"x": 1}, invoke=functions)
    assert execution.output == {"x": 1, "results": [{"slow": 1}, "b", 1]}
    assert [e.path for e in execution.history if e.type == "TaskScheduled"] == ["Analyze/branch 0/Slow"]
    assert types(execution, "Analyze") == [
        "ParallelStateEntered",
        "ParallelStateStarted",
        "ParallelStateSucceeded",
        "ParallelStateExited",
    ]


def types(execution: Any, state: str) -> list[str]:
    return [e.type for e in execution.history if e.path == state]


def test_parallel_branch_failure_fails_the_state_with_that_error() -> None:
    definition = chain(
        (
            "Analyze",
            {
                "Type": "Parallel",
                "Branches": [
                    {"StartAt": "Fine", "States": {"Fine": {"Type": "Pass", "End": True}}},
                    {"StartAt": "Explode", "States": {"Explode": {"Type": "Fail", "Error": "Boom", "Cause": "kaput"}}},
                ],
            },
        )
    )
    execution = run(definition)
    assert (execution.status, execution.error, execution.cause) == ("FAILED", "Boom", "kaput")
    assert [e.path for e in execution.history if e.type == "FailStateEntered"] == ["Analyze/branch 1/Explode"]
    failed = execution.events("ParallelStateFailed", "Analyze")[0]
    assert (failed.error, failed.cause) == ("Boom", "kaput")


def test_parallel_failure_can_be_caught() -> None:
    definition = chain(
        (
            "Analyze",
            {
                "Type": "Parallel",
                "Next": "Done",
                "Catch": [{"ErrorEquals": ["Boom"], "ResultPath": "$.error", "Next": "Recover"}],
                "Branches": [{"StartAt": "Call", "States": {"Call": task("boom", End=True)}}],
            },
        ),
        ("Done", {"Type": "Succeed"}),
        ("Recover", {"Type": "Pass"}),
    )
    execution = run(definition, {"id": 1}, invoke=Functions(boom=[TaskError("Boom", "bad")]))
    assert execution.output == {"id": 1, "error": {"Error": "Boom", "Cause": "bad"}}


def test_map_outputs_follow_item_order_and_concurrency_never_exceeds_max_concurrency() -> None:
    probe = ConcurrencyProbe()
    execution = run(map_definition(3), {"items": list(range(10)), "tag": "t"}, invoke=probe)
    assert execution.status == "SUCCEEDED"
    assert execution.output == [{"index": i, "doubled": i * 2} for i in range(10)]
    assert probe.peak <= 3
    assert probe.peak >= 2  # iterations really overlapped


def test_map_max_concurrency_one_runs_items_one_by_one_in_order() -> None:
    probe = ConcurrencyProbe(hold=0.001)
    run(map_definition(1), {"items": [5, 6, 7], "tag": "t"}, invoke=probe)
    assert probe.peak == 1
    assert probe.order == [0, 1, 2]


def test_map_max_concurrency_zero_is_unbounded_but_capped_by_max_workers() -> None:
    probe = ConcurrencyProbe()
    execution = run(map_definition(0), {"items": list(range(12)), "tag": "t"}, invoke=probe, max_workers=4)
    assert len(execution.output) == 12
    assert 2 <= probe.peak <= 4


def test_map_item_selector_sees_effective_input_and_item_context() -> None:
    functions = Functions(work=lambda p: p)
    execution = run(map_definition(None), {"items": ["a", "b"], "tag": "t"}, invoke=functions)
    assert execution.output == [{"index": 0, "value": "a", "tag": "t"}, {"index": 1, "value": "b", "tag": "t"}]


def test_legacy_iterator_and_parameters_without_selector_pass_items() -> None:
    definition = chain(
        (
            "Legacy",
            {
                "Type": "Map",
                "ItemsPath": "$.items",
                "Parameters": {"item.$": "$$.Map.Item.Value"},
                "Iterator": {"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": True}}},
                "ResultPath": "$.out",
            },
        ),
        (
            "Plain",
            {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ResultPath": "$.plain",
                "ItemProcessor": {"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": True}}},
            },
        ),
    )
    execution = run(definition, {"items": [1, 2]})
    assert execution.output == {"items": [1, 2], "out": [{"item": 1}, {"item": 2}], "plain": [1, 2]}


def test_map_iteration_events_carry_nested_paths() -> None:
    functions = Functions(work=lambda p: p["index"])
    execution = run(map_definition(2), {"items": [0, 0, 0, 0], "tag": "t"}, invoke=functions)
    scheduled = sorted(e.path or "" for e in execution.history if e.type == "TaskScheduled")
    assert scheduled == ["Fan/0/Work", "Fan/1/Work", "Fan/2/Work", "Fan/3/Work"]
    assert sorted(e.path or "" for e in execution.history if e.type == "MapIterationSucceeded") == [
        "Fan/0",
        "Fan/1",
        "Fan/2",
        "Fan/3",
    ]
    assert execution.events("MapStateStarted")[0].output == {"length": 4}


def test_map_failure_fails_the_state_and_stops_other_iterations() -> None:
    # Given item 1 fails immediately while the others are slow
    def work(payload: Any) -> Any:
        if payload["index"] == 1:
            raise TaskError("PermanentError", "item 1 is bad")
        time.sleep(0.02)
        return payload["index"]

    execution = run(map_definition(2), {"items": list(range(8)), "tag": "t"}, invoke=Functions(work=work))
    assert (execution.status, execution.error, execution.cause) == ("FAILED", "PermanentError", "item 1 is bad")
    failed = execution.events("MapIterationFailed")
    assert [e.path for e in failed] == ["Fan/1"]
    # not every item ran: pending iterations were cancelled
    assert len(execution.events("MapIterationStarted")) < 8


def test_map_items_path_must_select_an_array() -> None:
    execution = run(map_definition(None), {"items": {"not": "a list"}, "tag": "t"})
    assert (execution.status, execution.error) == ("FAILED", "States.Runtime")


def test_nested_map_in_parallel_paths() -> None:
    definition = chain(
        (
            "Outer",
            {
                "Type": "Parallel",
                "Branches": [
                    {
                        "StartAt": "Inner",
                        "States": {
                            "Inner": {
                                "Type": "Map",
                                "ItemsPath": "$.items",
                                "End": True,
                                "ItemProcessor": {"StartAt": "Leaf", "States": {"Leaf": task("leaf", End=True)}},
                            }
                        },
                    }
                ],
            },
        )
    )
    execution = run(definition, {"items": [1, 2]}, invoke=Functions(leaf=lambda p: p * 10))
    assert execution.output == [[10, 20]]
    assert sorted(e.path or "" for e in execution.history if e.type == "TaskScheduled") == [
        "Outer/branch 0/Inner/0/Leaf",
        "Outer/branch 0/Inner/1/Leaf",
    ]
