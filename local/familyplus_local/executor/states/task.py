"""The Task state."""

from __future__ import annotations

from typing import Any

from ..context import Frame, RunContext
from ..definition.model import State, TaskState
from ..errors import STATES_RUNTIME, StatesFailure
from ..expressions.jsonpath.processing import read_value, select
from ..integrations import call_resource, run_bounded
from .common import Outcome, arguments, enter, succeed, with_retry


def run_task(rc: RunContext, state: State, state_input: Any, frame: Frame) -> Outcome:
    assert isinstance(state, TaskState)
    entered = enter(rc, state, state_input, frame)

    def attempt(retry_count: int) -> Any:
        env = rc.env(frame, state.name, entered, retry_count)
        effective = select(state.input_path, state_input, env, "InputPath", state.name)
        params = arguments(state, env, effective)
        timeout = state.timeout_seconds
        if state.timeout_expression is not None:
            timeout = _timeout_from(state.timeout_expression.evaluate(env, "TimeoutSeconds"), state.name)
        if state.timeout_seconds_path is not None:
            timeout = _timeout_from(
                read_value(state.timeout_seconds_path, effective, env, "TimeoutSecondsPath", state.name), state.name
            )
        rc.emit("TaskScheduled", frame, state.name, attempt=retry_count, input=params, resource=state.resource)
        rc.emit("TaskStarted", frame, state.name, attempt=retry_count)
        result = run_bounded(rc, lambda: call_resource(rc, state.kind, state.resource, params), timeout)
        return succeed(rc, state, frame, retry_count, "TaskSucceeded", state_input, result, env)

    return with_retry(rc, state, state_input, frame, attempt, entered)


def _timeout_from(value: Any, state: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise StatesFailure(
            STATES_RUNTIME, f"State {state!r}: TimeoutSecondsPath must give a positive number, got {value!r}"
        )
    return float(value)
