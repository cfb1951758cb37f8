"""Overhead of the local ASL executor itself (no real work): prints microseconds per state transition.

    .venv/bin/python bench/executor_overhead.py [N] [M]

- a chain of N Pass states (pure engine cost per transition, events included);
- a chain of N Task states calling a no-op invoke (direct Lambda ARN, and lambda:invoke with Payload wrapping);
- a Map of M no-op Task items (MaxConcurrency 0, 8 workers: thread-pool fan-out cost per item).
Figures, not assertions: they depend on the machine.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

from familyplus_local.executor import VirtualClock, load_definition, run_state_machine

ARN = "arn:aws:lambda:us-east-1:123456789012:function:noop"


def chain(n: int, make: Callable[[int], dict[str, Any]]) -> dict[str, Any]:
    states = {}
    for i in range(n):
        state = make(i)
        state.update({"Next": f"S{i + 1}"} if i + 1 < n else {"End": True})
        states[f"S{i}"] = state
    return {"StartAt": "S0", "States": states}


def noop(function: str, payload: Any) -> Any:
    return payload


def measure(label: str, definition: dict[str, Any], units: int, unit: str, data: Any, repeat: int = 3) -> None:
    machine = load_definition(definition)
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        execution = run_state_machine(machine, data, invoke=noop, clock=VirtualClock())
        best = min(best, time.perf_counter() - started)
        assert execution.status == "SUCCEEDED", (execution.error, execution.cause)
    events = len(execution.history)
    print(
        f"{label:<44} {best * 1e6 / units:8.1f} µs per {unit:<10} ({units} {unit}s, {events} events, "
        f"{best * 1e3:.1f} ms)"
    )


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    m = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    data = {"responseId": "r-1", "transcript": {"text": "hello " * 20}, "tags": ["family", "humor"]}
    measure(f"Pass chain (N={n})", chain(n, lambda i: {"Type": "Pass"}), n, "transition", data)
    measure(
        f"Pass chain with Parameters+ResultPath (N={n})",
        chain(n, lambda i: {"Type": "Pass", "Parameters": {"id.$": "$.responseId", "i": i}, "ResultPath": "$.last"}),
        n,
        "transition",
        data,
    )
    measure(f"Task chain, direct ARN (N={n})", chain(n, lambda i: {"Type": "Task", "Resource": ARN}), n, "task", data)
    measure(
        f"Task chain, lambda:invoke (N={n})",
        chain(
            n,
            lambda i: {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": ARN, "Payload.$": "$"},
                "ResultSelector": {"responseId.$": "$.Payload.responseId"},
            },
        ),
        n,
        "task",
        data,
    )
    mapping = {
        "StartAt": "Fan",
        "States": {
            "Fan": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "MaxConcurrency": 0,
                "End": True,
                "ItemProcessor": {
                    "StartAt": "Work",
                    "States": {"Work": {"Type": "Task", "Resource": ARN, "End": True}},
                },
            }
        },
    }
    measure(f"Map of no-op Tasks (M={m}, 8 workers)", mapping, m, "item", {"items": list(range(m))})


if __name__ == "__main__":
    main()
