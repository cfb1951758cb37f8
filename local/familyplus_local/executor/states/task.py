"""The Task state."""

from __future__ import annotations

import json
from typing import Any

from ..context import Frame, RunContext
from ..definition.model import State, TaskState
from ..errors import STATES_RUNTIME, StatesFailure
from ..expressions.env import Env
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
            timeout = _timeout_from(state.timeout_expression.evaluate(env, "TimeoutSeconds"), "TimeoutSeconds", env)
        if state.timeout_seconds_path is not None:
            value = read_value(state.timeout_seconds_path, effective, env, "TimeoutSecondsPath", state.name)
            timeout = _timeout_from(value, "TimeoutSecondsPath", env)
        rc.emit("TaskScheduled", frame, state.name, attempt=retry_count, input=params, resource=state.resource)
        rc.emit("TaskStarted", frame, state.name, attempt=retry_count)
        result = run_bounded(rc, lambda: call_resource(rc, state.kind, state.resource, params), timeout)
        return succeed(rc, state, frame, retry_count, "TaskSucceeded", state_input, result, env)

    return with_retry(rc, state, state_input, frame, attempt, entered)


def _timeout_from(value: Any, field: str, env: Env) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        # LocalStack's reproduction of AWS's words.
        shown = value if isinstance(value, str) else json.dumps(value)
        raise StatesFailure(
            STATES_RUNTIME, f"{env.where()} Expected non-negative integer for {field}, got '{shown}' instead."
        )
    return float(value)
