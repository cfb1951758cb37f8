"""What every state does on entry/exit, the result tail of Task, Parallel and Map, and the Retry/Catch loop
they share."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from ..context import Frame, RunContext
from ..definition.model import ResultState, State
from ..errors import STATES_RUNTIME, STATES_TIMEOUT, StatesFailure
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
    rc: RunContext, state: State, frame: Frame, output: Any, attempt: int = 0, caught: StatesFailure | None = None
) -> None:
    """Record <Type>StateExited; `caught` marks an exit through a Catch (error/cause set on the event)."""
    rc.emit(
        f"{state.type}StateExited",
        frame,
        state.name,
        attempt=attempt,
        output=output,
        error=caught.error if caught else None,
        cause=caught.cause if caught else None,
    )


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
    check_payload(result, state.name)
    rc.emit(event, frame, state.name, attempt=attempt, output=result)
    output = merge_result(state.result_path, state_input, build(state.result_selector, result, env), state.name)
    return check_payload(select(state.output_path, output, env, "OutputPath", state.name), state.name)


def error_output(failure: StatesFailure) -> dict[str, Any]:
    """What a Catch passes on: {"Error", "Cause"} (Cause is always present, "" when there is none, so that a
    catcher's next state can rely on `$.Cause`)."""
    return {"Error": failure.error, "Cause": failure.cause if failure.cause is not None else ""}


def with_retry(
    rc: RunContext, state: ResultState, state_input: Any, frame: Frame, attempt_fn: Callable[[int], Any]
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
            output = merge_result(catcher.result_path, state_input, error_output(failure), state.name)
            leave(rc, state, frame, output, attempt, caught=failure)
            return output, catcher.next
        leave(rc, state, frame, output, attempt)
        return output, state.next
