"""Helpers for the executor conformance tests: definitions in a few lines, a recording clock and invoke."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from familyplus_local.executor import Execution, VirtualClock, run_state_machine

START = datetime(2024, 1, 1, tzinfo=UTC)
LAMBDA_ARN = "arn:aws:lambda:us-east-1:123456789012:function:"


class RecordingClock(VirtualClock):
    """A virtual clock that remembers every sleep (retry back-off, Wait states, sleeping tasks)."""

    def __init__(self) -> None:
        super().__init__(START)
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        super().sleep(seconds)


class Functions:
    """An `invoke` hook dispatching on the function name; remembers (name, payload) calls, thread-safely.
    A handler may be a callable (payload -> result) or a list of outcomes consumed one per call
    (an exception instance is raised, anything else returned)."""

    def __init__(self, **handlers: Callable[[Any], Any] | list[Any]):
        self.handlers = handlers
        self.calls: list[tuple[str, Any]] = []
        self._lock = threading.Lock()

    def __call__(self, function: str, payload: Any) -> Any:
        name = function.rsplit(":", 1)[-1] if function.startswith("arn:") else function
        with self._lock:
            self.calls.append((name, payload))
            handler = self.handlers[name]
            if isinstance(handler, list):
                outcome = handler.pop(0)
                if isinstance(outcome, BaseException):
                    raise outcome
                return outcome
        return handler(payload)

    def payloads(self, name: str) -> list[Any]:
        return [payload for called, payload in self.calls if called == name]


def task(function: str, **fields: Any) -> dict[str, Any]:
    """A Task state calling a Lambda function by ARN directly (no Payload wrapping)."""
    return {"Type": "Task", "Resource": LAMBDA_ARN + function, **fields}


def chain(*states: tuple[str, dict[str, Any]], **top: Any) -> dict[str, Any]:
    """A definition whose states run in the given order (Next/End filled in unless already given)."""
    built: dict[str, dict[str, Any]] = {}
    for index, (name, state) in enumerate(states):
        state = dict(state)
        if state["Type"] not in ("Choice", "Succeed", "Fail") and "Next" not in state and "End" not in state:
            if index + 1 < len(states):
                state["Next"] = states[index + 1][0]
            else:
                state["End"] = True
        built[name] = state
    return {"StartAt": states[0][0], "States": built, **top}


def run(
    definition: Any, input: Any = None, *, invoke: Callable[[str, Any], Any] | None = None, **options: Any
) -> Execution:
    options.setdefault("clock", VirtualClock(START))
    return run_state_machine(definition, {} if input is None else input, invoke=invoke or Functions(), **options)


def types(execution: Execution, state: str | None = None) -> list[str]:
    return [e.type for e in execution.history if state is None or e.state == state]
