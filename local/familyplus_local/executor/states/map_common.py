"""What the inline and the distributed Map share: the items (ItemsPath), the concurrency (MaxConcurrency(Path))
and the events around each iteration (MapIterationStarted, then Succeeded, Failed or Aborted)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..context import Frame, RunContext
from ..definition.model import MapState
from ..errors import STATES_RUNTIME, AbortedSignal, ExecutionTimedOutSignal, StatesFailure
from ..expressions.env import Env
from ..expressions.jsonpath.processing import read_value


def items_at_path(state: MapState, effective: Any, env: Env) -> list[Any]:
    """The array ItemsPath selects (States.Runtime if it is not an array)."""
    assert state.items_path is not None
    items = read_value(state.items_path, effective, env, "ItemsPath", state.name)
    if not isinstance(items, list):
        path, kind = state.items_path.text, type(items).__name__
        raise StatesFailure(
            STATES_RUNTIME, f"State {state.name!r}: ItemsPath {path!r} must select an array, got {kind}"
        )
    return items


def concurrency(rc: RunContext, state: MapState, effective: Any, env: Env) -> int:
    """How many iterations may run at once: MaxConcurrency(Path) (0: unbounded), capped by the run's
    max_workers."""
    limit = state.max_concurrency
    if state.max_concurrency_path is not None:
        value = read_value(state.max_concurrency_path, effective, env, "MaxConcurrencyPath", state.name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise StatesFailure(
                STATES_RUNTIME,
                f"State {state.name!r}: MaxConcurrencyPath must give a non-negative integer, got {value!r}",
            )
        limit = value
    return min(limit or rc.max_workers, rc.max_workers)


def iteration(
    rc: RunContext,
    state: MapState,
    frame: Frame,
    attempt: int,
    index: int,
    item_input: Any,
    body: Callable[[str], Any],
) -> Any:
    """Run one iteration's `body(event path prefix)` between its MapIteration* events; returns its output.
    A failure is recorded (MapIterationFailed, or MapIterationAborted for a stop) and re-raised."""
    path = f"{frame.prefix}{state.name}/{index}"
    rc.emit("MapIterationStarted", frame, state.name, attempt=attempt, path=path, input=item_input)
    try:
        output = body(path + "/")
    except StatesFailure as failure:
        rc.emit(
            "MapIterationFailed",
            frame,
            state.name,
            attempt=attempt,
            path=path,
            error=failure.error,
            cause=failure.cause,
        )
        raise
    except (AbortedSignal, ExecutionTimedOutSignal):
        rc.emit("MapIterationAborted", frame, state.name, attempt=attempt, path=path)
        raise
    rc.emit("MapIterationSucceeded", frame, state.name, attempt=attempt, path=path, output=output)
    return output
