"""The inline Map state (a distributed Map is `distributed.py`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..context import CancelToken, Frame, RunContext
from ..definition.model import MapState
from ..expressions.jsonpath.processing import select
from .common import Outcome, enter, succeed, with_retry
from .fanout import Job, fan_out
from .map_common import concurrency, items_at_path, iteration, select_item

_NOT_DONE = object()


def run_inline_map(rc: RunContext, state: MapState, state_input: Any, frame: Frame) -> Outcome:
    """One iteration of the item processor per item of ItemsPath, at most MaxConcurrency at once; the result
    is the array of outputs in item order. One failing iteration fails the state (the others are stopped)."""
    entered = enter(rc, state, state_input, frame)

    def attempt(retry_count: int) -> Any:
        env = rc.env(frame, state.name, entered, retry_count)
        effective = select(state.input_path, state_input, env, "InputPath", state.name)
        items = items_at_path(state, effective, env)
        limit = concurrency(rc, state, effective, env)
        rc.emit("MapStateStarted", frame, state.name, attempt=retry_count, output={"length": len(items)})
        jobs = [
            _iteration(rc, state, frame, entered, retry_count, index, item, effective)
            for index, item in enumerate(items)
        ]
        outputs = fan_out(jobs, limit, frame.cancel)
        return succeed(rc, state, frame, retry_count, "MapStateSucceeded", state_input, outputs, env)

    return with_retry(rc, state, state_input, frame, attempt, entered)


def _iteration(
    rc: RunContext,
    state: MapState,
    frame: Frame,
    entered: datetime,
    retry_count: int,
    index: int,
    item: Any,
    effective: Any,
) -> Job:
    def run(token: CancelToken) -> Any:
        done = rc.completed.pop(f"{frame.prefix}{state.name}/{index}", _NOT_DONE)
        if done is not _NOT_DONE:  # a redrive: this iteration succeeded in the last run
            return done

        def body(prefix: str) -> Any:
            # `$$.Map.Item` is in the ItemSelector's context object only, as in AWS, not in the iteration's states.
            scope = frame.scope.child()
            selector_frame = Frame(prefix, token, (index, item), frame.child, scope)
            item_input = select_item(state, effective, rc.env(selector_frame, state.name, entered, retry_count))
            assert state.processor is not None
            return rc.run_machine(state.processor, item_input, Frame(prefix, token, None, frame.child, scope))

        return iteration(rc, state, frame, retry_count, index, item, body)

    return run
