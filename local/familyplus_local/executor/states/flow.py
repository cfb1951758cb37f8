"""Pass, Choice, Wait, Succeed and Fail."""

from __future__ import annotations

from typing import Any

from ..context import Frame, RunContext
from ..definition.model import ChoiceState, FailState, PassState, State, SucceedState, WaitState
from ..errors import STATES_NO_CHOICE_MATCHED, STATES_RUNTIME, StatesFailure
from ..expressions.jsonpath.processing import build, merge_result, read_value, select
from ..timestamps import parse_timestamp
from .common import Outcome, enter, leave


def run_pass(rc: RunContext, state: State, state_input: Any, frame: Frame) -> Outcome:
    assert isinstance(state, PassState)
    env = rc.env(frame, state.name, enter(rc, state, state_input, frame))
    effective = select(state.input_path, state_input, env, "InputPath", state.name)
    result = state.result if state.has_result else build(state.parameters, effective, env)
    output = merge_result(state.result_path, state_input, result, state.name)
    output = select(state.output_path, output, env, "OutputPath", state.name)
    leave(rc, state, frame, output)
    return output, state.next


def run_choice(rc: RunContext, state: State, state_input: Any, frame: Frame) -> Outcome:
    assert isinstance(state, ChoiceState)
    env = rc.env(frame, state.name, enter(rc, state, state_input, frame))
    effective = select(state.input_path, state_input, env, "InputPath", state.name)
    target = next((rule.next for rule in state.choices if rule.condition.test(effective, env)), state.default)
    if target is None:
        raise StatesFailure(
            STATES_NO_CHOICE_MATCHED,
            f"No Matches! No Choice rule of state {state.name!r} matched and it has no Default",
        )
    output = select(state.output_path, effective, env, "OutputPath", state.name)
    leave(rc, state, frame, output)
    return output, target


def run_wait(rc: RunContext, state: State, state_input: Any, frame: Frame) -> Outcome:
    assert isinstance(state, WaitState)
    env = rc.env(frame, state.name, enter(rc, state, state_input, frame))
    effective = select(state.input_path, state_input, env, "InputPath", state.name)
    if state.seconds is not None:
        seconds = state.seconds
    elif state.seconds_path is not None:
        value = read_value(state.seconds_path, effective, env, "SecondsPath", state.name)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise StatesFailure(
                STATES_RUNTIME, f"State {state.name!r}: SecondsPath must give a non-negative number, got {value!r}"
            )
        seconds = float(value)
    else:
        if state.timestamp is not None:
            text: Any = state.timestamp
        else:
            assert state.timestamp_path is not None
            text = read_value(state.timestamp_path, effective, env, "TimestampPath", state.name)
        moment = parse_timestamp(text) if isinstance(text, str) else None
        if moment is None:
            raise StatesFailure(STATES_RUNTIME, f"State {state.name!r}: {text!r} is not an RFC 3339 timestamp")
        seconds = max(0.0, (moment - rc.clock.now()).total_seconds())
    rc.sleep(seconds, frame)
    output = select(state.output_path, effective, env, "OutputPath", state.name)
    leave(rc, state, frame, output)
    return output, state.next


def run_succeed(rc: RunContext, state: State, state_input: Any, frame: Frame) -> Outcome:
    assert isinstance(state, SucceedState)
    env = rc.env(frame, state.name, enter(rc, state, state_input, frame))
    effective = select(state.input_path, state_input, env, "InputPath", state.name)
    output = select(state.output_path, effective, env, "OutputPath", state.name)
    leave(rc, state, frame, output)
    return output, None


def run_fail(rc: RunContext, state: State, state_input: Any, frame: Frame) -> Outcome:
    """A Fail state fails its branch (or the execution) with Error/Cause, or ErrorPath/CausePath read from
    its input. A Fail without an error reports the empty error name ""."""
    assert isinstance(state, FailState)
    env = rc.env(frame, state.name, enter(rc, state, state_input, frame))
    error, cause = state.error, state.cause
    if state.error_path is not None:
        error = _text(read_value(state.error_path, state_input, env, "ErrorPath", state.name), "ErrorPath", state.name)
    if state.cause_path is not None:
        cause = _text(read_value(state.cause_path, state_input, env, "CausePath", state.name), "CausePath", state.name)
    raise StatesFailure(error or "", cause)


def _text(value: Any, field: str, state: str) -> str:
    if not isinstance(value, str):
        raise StatesFailure(STATES_RUNTIME, f"State {state!r}: {field} must select a string, got {value!r}")
    return value
