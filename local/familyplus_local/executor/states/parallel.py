"""The Parallel state."""

from __future__ import annotations

from typing import Any

from ..context import CancelToken, Frame, RunContext
from ..definition.model import ParallelState, State
from ..expressions.jsonpath.processing import select
from .common import Outcome, arguments, enter, succeed, with_retry
from .fanout import Job, fan_out

_NOT_DONE = object()


def run_parallel(rc: RunContext, state: State, state_input: Any, frame: Frame) -> Outcome:
    """Every branch gets the same input; the result is the array of branch outputs, in branch order. One
    failing branch fails the state with that branch's error (the others are stopped)."""
    assert isinstance(state, ParallelState)
    entered = enter(rc, state, state_input, frame)

    def attempt(retry_count: int) -> Any:
        env = rc.env(frame, state.name, entered, retry_count)
        effective = select(state.input_path, state_input, env, "InputPath", state.name)
        branch_input = arguments(state, env, effective)
        rc.emit("ParallelStateStarted", frame, state.name, attempt=retry_count)

        def job(index: int) -> Job:
            def run(token: CancelToken) -> Any:
                done = rc.completed.pop(f"{frame.prefix}{state.name}/branch {index}", _NOT_DONE)
                if done is not _NOT_DONE:  # a redrive: this branch succeeded in the last run
                    return done
                branch_frame = Frame(
                    f"{frame.prefix}{state.name}/branch {index}/",
                    token,
                    frame.map_item,
                    frame.child,
                    frame.scope.child(),
                )
                return rc.run_machine(state.branches[index], branch_input, branch_frame)

            return run

        outputs = fan_out([job(i) for i in range(len(state.branches))], rc.max_workers, frame.cancel)
        return succeed(rc, state, frame, retry_count, "ParallelStateSucceeded", state_input, outputs, env)

    return with_retry(rc, state, state_input, frame, attempt, entered)
