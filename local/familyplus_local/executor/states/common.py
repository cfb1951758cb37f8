"""What every state does on entry/exit, the result tail of Task, Parallel and Map, and the Retry/Catch loop
they share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..context import Frame, RunContext
from ..definition.model import ResourceKind, ResultState, State, TaskState
from ..errors import STATES_QUERY_EVALUATION_ERROR, STATES_RUNTIME, STATES_TIMEOUT, StatesFailure
from ..expressions.env import Env
from ..expressions.jsonpath.processing import build, merge_result, select
from ..quotas import check_payload
from ..retry import RetryCounter, find_catcher

Outcome = tuple[Any, str | None]  # (state output, next state name or None when the branch ends)

_FAILED_EVENT = {"Task": "TaskFailed", "Parallel": "ParallelStateFailed", "Map": "MapStateFailed"}


def enter(rc: RunContext, state: State, state_input: Any, frame: Frame) -> datetime:
    """Record <Type>StateEntered (with the raw state input: redrive resumes from it), then stop if the
    execution timed out or the branch was cancelled. Returns the entered time for `$$.State.EnteredTime`."""
    event = rc.emit(f"{state.type}StateEntered", frame, state.name, input=state_input)
    rc.check(frame)
    return event.timestamp


def leave(
    rc: RunContext,
    state: State,
    frame: Frame,
    output: Any,
    attempt: int = 0,
    caught: StatesFailure | None = None,
    assigned: dict[str, Any] | None = None,
) -> None:
    """Write the variables the state assigned (they take effect as it leaves), then record <Type>StateExited
    with them, as AWS records assignedVariables; `caught` marks an exit through a Catch."""
    if assigned:
        frame.scope.assign(assigned, state.name)
    rc.emit(
        f"{state.type}StateExited",
        frame,
        state.name,
        attempt=attempt,
        output=output,
        error=caught.error if caught else None,
        cause=caught.cause if caught else None,
        variables=assigned or None,
    )


@dataclass(frozen=True)
class Exit:
    """A state's output and the variables it assigns (written only when it leaves)."""

    output: Any
    assigned: dict[str, Any] | None = None


def finish(state: State, env: Env, default_output: Any, assign_data: Any) -> Exit:
    """Output (JSONata; absent: `default_output`) and Assign of a state. Both are evaluated before any variable
    is written, so both see the values the variables had when the state was entered (AWS's evaluation order).
    `assign_data` is what a JSONPath Assign's `$` reads."""
    output = default_output
    if state.language == "JSONata" and state.output is not None:
        output = state.output.evaluate(env, "Output")
    assigned = state.assign.evaluate(assign_data, env) if state.assign is not None else None
    return Exit(check_payload(output, state.name), assigned)


def arguments(state: ResultState, env: Env, effective: Any) -> Any:
    """What a Task calls its resource with / a Parallel gives its branches: JSONPath Parameters applied to the
    effective input, or JSONata Arguments (absent: the state input)."""
    if state.language == "JSONata":
        jsonata_env(env, effective)
        return state.arguments.evaluate(env, "Arguments") if state.arguments is not None else effective
    return build(state.parameters, effective, env)


def jsonata_env(env: Env, state_input: Any) -> Env:
    """`$states.input` for a JSONata state's expressions."""
    env.states_input = state_input
    return env


def result_source(state: State) -> str:
    """What AWS names when a result is over the payload quota (recorded): a service integration's resource
    type (`lambda` for arn:aws:states:::lambda:invoke), a Lambda Task's function ARN; elsewhere the state."""
    if not isinstance(state, TaskState):
        return state.name
    if state.kind is ResourceKind.LAMBDA_FUNCTION:
        return state.resource
    return state.resource.removeprefix("arn:aws:states:::").split(":")[0]


def succeed(
    rc: RunContext,
    state: ResultState,
    frame: Frame,
    attempt: int,
    event: str,
    state_input: Any,
    result: Any,
    env: Env,
) -> Any:
    """Record `event` (TaskSucceeded, ParallelStateSucceeded, MapStateSucceeded) with the raw result, then apply
    ResultSelector → ResultPath → OutputPath; returns the state's output."""
    check_payload(result, result_source(state))
    rc.emit(event, frame, state.name, attempt=attempt, output=result)
    if state.language == "JSONata":
        jsonata_env(env, state_input).states_result = result
        return finish(state, env, result, result)
    output = merge_result(state.result_path, state_input, build(state.result_selector, result, env), state.name)
    output = select(state.output_path, output, env, "OutputPath", state.name)
    return finish(state, env, output, result)


def error_output(failure: StatesFailure) -> dict[str, Any]:
    """What a Catch passes on: {"Error", "Cause"} (Cause is always present, "" when there is none, so that a
    catcher's next state can rely on `$.Cause`)."""
    return {"Error": failure.error, "Cause": failure.cause if failure.cause is not None else ""}


def with_retry(
    rc: RunContext,
    state: ResultState,
    state_input: Any,
    frame: Frame,
    attempt_fn: Callable[[int], Any],
    entered: datetime | None = None,
) -> Outcome:
    """Run `attempt_fn(retry_count)` until it succeeds, retrying per the state's Retry (delays slept on the
    clock) and, once retries are exhausted, handing the error to the first matching Catch.
    States.Runtime errors are never retried nor caught."""
    counter = RetryCounter(state.retry)
    attempt = 0
    while True:
        try:
            output = attempt_fn(attempt)
        except StatesFailure as failure:
            if failure.error == STATES_RUNTIME:
                raise
            if failure.error == STATES_QUERY_EVALUATION_ERROR:
                rc.evaluation_failed(frame, state.name, failure, attempt)
            delay = counter.next_delay(failure.error, rc.rng)
            timed_out = state.type == "Task" and failure.error == STATES_TIMEOUT
            rc.emit(
                "TaskTimedOut" if timed_out else _FAILED_EVENT[state.type],
                frame,
                state.name,
                attempt=attempt,
                error=failure.error,
                cause=failure.cause,
                retry_delay=delay,
            )
            if delay is not None:
                rc.sleep(delay, frame)
                attempt += 1
                continue
            catcher = find_catcher(state.catch, failure.error)
            if catcher is None:
                raise
            caught = error_output(failure)
            env = rc.env(frame, state.name, entered or rc.clock.now(), attempt)
            if state.language == "JSONata":
                jsonata_env(env, state_input).states_error_output = caught
                output = catcher.output.evaluate(env, "Output") if catcher.output is not None else caught
            else:
                output = merge_result(catcher.result_path, state_input, caught, state.name)
            assigned = catcher.assign.evaluate(caught, env) if catcher.assign is not None else None
            leave(rc, state, frame, output, attempt, caught=failure, assigned=assigned)
            return output, catcher.next
        if isinstance(output, Exit):
            leave(rc, state, frame, output.output, attempt, assigned=output.assigned)
            return output.output, state.next
        leave(rc, state, frame, output, attempt)
        return output, state.next
