"""Pass, Choice, Wait, Succeed and Fail."""

from __future__ import annotations

import json
from typing import Any

from ..context import Frame, RunContext
from ..definition.model import ChoiceState, FailState, PassState, State, SucceedState, WaitState
from ..errors import STATES_NO_CHOICE_MATCHED, STATES_QUERY_EVALUATION_ERROR, STATES_RUNTIME, StatesFailure
from ..expressions.env import Env
from ..expressions.jsonpath.intrinsics import Call, evaluate
from ..expressions.jsonpath.paths import JsonPath
from ..expressions.jsonpath.processing import build, merge_result, read_value, select
from ..quotas import check_payload
from ..timestamps import parse_timestamp
from .common import Exit, Outcome, enter, finish, jsonata_env, leave


def run_pass(rc: RunContext, state: State, state_input: Any, frame: Frame) -> Outcome:
    assert isinstance(state, PassState)
    env = jsonata_env(rc.env(frame, state.name, enter(rc, state, state_input, frame)), state_input)
    effective = select(state.input_path, state_input, env, "InputPath", state.name)
    result = state.result if state.has_result else build(state.parameters, effective, env)
    output = merge_result(state.result_path, state_input, result, state.name)
    output = select(state.output_path, output, env, "OutputPath", state.name)
    return _exit(rc, state, frame, finish(state, env, output, result), state.next)


def _exit(rc: RunContext, state: State, frame: Frame, done: Exit, target: str | None) -> Outcome:
    leave(rc, state, frame, done.output, assigned=done.assigned)
    return done.output, target


def run_choice(rc: RunContext, state: State, state_input: Any, frame: Frame) -> Outcome:
    assert isinstance(state, ChoiceState)
    env = jsonata_env(rc.env(frame, state.name, enter(rc, state, state_input, frame)), state_input)
    effective = select(state.input_path, state_input, env, "InputPath", state.name)
    rule = next((rule for rule in state.choices if rule.condition.test(effective, env)), None)
    target = rule.next if rule is not None else state.default
    if target is None:
        raise StatesFailure(
            STATES_NO_CHOICE_MATCHED, f"No Choice rule of the state '{state.name}' matched, and it has no Default."
        )
    output = select(state.output_path, effective, env, "OutputPath", state.name)
    if rule is None:  # the Default: the state's own Assign and Output apply
        return _exit(rc, state, frame, finish(state, env, output, effective), target)
    # A matched rule's Assign and Output apply (AWS evaluates the rule's, not the state's).
    if rule.output is not None:
        output = rule.output.evaluate(env, "Output")
    assigned = rule.assign.evaluate(effective, env) if rule.assign is not None else None
    return _exit(rc, state, frame, Exit(check_payload(output, state.name), assigned), target)


def run_wait(rc: RunContext, state: State, state_input: Any, frame: Frame) -> Outcome:
    assert isinstance(state, WaitState)
    env = jsonata_env(rc.env(frame, state.name, enter(rc, state, state_input, frame)), state_input)
    effective = select(state.input_path, state_input, env, "InputPath", state.name)
    if state.seconds_expression is not None:
        value = state.seconds_expression.evaluate(env, "Seconds")
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise StatesFailure(
                STATES_QUERY_EVALUATION_ERROR,
                f"State {state.name!r}: Seconds must evaluate to a non-negative integer, got {json.dumps(value)}",
            )
        seconds = float(value)
    elif state.seconds is not None:
        seconds = state.seconds
    elif state.seconds_path is not None:
        path = state.seconds_path.text
        missing = f"The SecondsPath parameter does not reference an input value: {path}"
        value = read_value(state.seconds_path, effective, env, "SecondsPath", state.name, missing)
        # AWS: SecondsPath must resolve to a non-negative integer; 1.5 (or "5") fails the execution.
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            reason = "references a negative value" if isinstance(value, int) else "cannot be parsed as a long value"
            raise StatesFailure(
                STATES_RUNTIME, f"{env.where()} The SecondsPath parameter {reason}: {path} == {_shown(value)}"
            )
        seconds = float(value)
    else:
        if state.timestamp_expression is not None:
            text: Any = state.timestamp_expression.evaluate(env, "Timestamp")
        elif state.timestamp is not None:
            text = state.timestamp
        else:
            assert state.timestamp_path is not None
            text = read_value(state.timestamp_path, effective, env, "TimestampPath", state.name)
        moment = parse_timestamp(text) if isinstance(text, str) else None
        if moment is None:
            raise StatesFailure(STATES_RUNTIME, f"{env.where()} {_not_a_timestamp(state, text)}")
        seconds = max(0.0, (moment - rc.clock.now()).total_seconds())
    rc.sleep(seconds, frame)
    output = select(state.output_path, effective, env, "OutputPath", state.name)
    return _exit(rc, state, frame, finish(state, env, output, effective), state.next)


def _not_a_timestamp(state: WaitState, text: Any) -> str:
    """AWS's words for a Timestamp that is not one (recorded for TimestampPath)."""
    if state.timestamp_path is not None:
        field, source = "TimestampPath", state.timestamp_path.text
    else:
        field, source = "Timestamp", state.timestamp or "{% %}"
    return (
        f"The {field} parameter does not reference a valid ISO-8601 extended offset date-time format string: "
        f"{source} == {_shown(text)}"
    )


def _shown(value: Any) -> str:
    """A value as Java prints it in AWS's causes: strings bare, everything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value)


def run_succeed(rc: RunContext, state: State, state_input: Any, frame: Frame) -> Outcome:
    assert isinstance(state, SucceedState)
    env = jsonata_env(rc.env(frame, state.name, enter(rc, state, state_input, frame)), state_input)
    effective = select(state.input_path, state_input, env, "InputPath", state.name)
    output = select(state.output_path, effective, env, "OutputPath", state.name)
    return _exit(rc, state, frame, finish(state, env, output, effective), None)


def run_fail(rc: RunContext, state: State, state_input: Any, frame: Frame) -> Outcome:
    """A Fail state fails its branch (or the execution) with Error/Cause, or ErrorPath/CausePath read from
    its input. A Fail without an error reports the empty error name ""."""
    assert isinstance(state, FailState)
    env = jsonata_env(rc.env(frame, state.name, enter(rc, state, state_input, frame)), state_input)
    error, cause = state.error, state.cause
    if state.error_expression is not None:
        error = _string(state.error_expression.evaluate(env, "Error"), "Error", state.name)
    if state.cause_expression is not None:
        cause = _string(state.cause_expression.evaluate(env, "Cause"), "Cause", state.name)
    if state.error_path is not None:
        error = _text(state.error_path, state_input, env, "ErrorPath", state.name)
    if state.cause_path is not None:
        cause = _text(state.cause_path, state_input, env, "CausePath", state.name)
    raise StatesFailure(error or "", cause)


def _string(value: Any, field: str, state: str) -> str:
    if not isinstance(value, str):
        raise StatesFailure(
            STATES_QUERY_EVALUATION_ERROR, f"State {state!r}: {field} must evaluate to a string, got {value!r}"
        )
    return value


def _text(source: JsonPath | Call, state_input: Any, env: Env, field: str, state: str) -> str:
    if isinstance(source, Call):
        value = evaluate(source, state_input, env)
    else:
        value = read_value(source, state_input, env, field, state)
    if not isinstance(value, str):
        raise StatesFailure(STATES_RUNTIME, f"State {state!r}: {field} must select a string, got {value!r}")
    return value
