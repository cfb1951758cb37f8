"""What the inline and the distributed Map share: the items (ItemsPath), the concurrency (MaxConcurrency(Path))
and the events around each iteration (MapIterationStarted, then Succeeded, Failed or Aborted)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ..context import Frame, RunContext
from ..definition.model import MapState
from ..errors import (
    STATES_QUERY_EVALUATION_ERROR,
    STATES_RUNTIME,
    AbortedSignal,
    ExecutionTimedOutSignal,
    StatesFailure,
)
from ..expressions.env import Env
from ..expressions.jsonpath.processing import build, read_value


def items_at_path(state: MapState, effective: Any, env: Env) -> list[Any]:
    """The array ItemsPath selects (States.Runtime if it is not an array); in a JSONata Map, the array Items
    gives (absent: the state input), a States.QueryEvaluationError if it is not an array."""
    if state.language == "JSONata":
        env.states_input = effective
        items = state.items.evaluate(env, "Items") if state.items is not None else effective
        if not isinstance(items, list):
            # LocalStack's reproduction of AWS's words, without the value it appends (a family's words).
            text = state.items.expression_text if state.items is not None else None
            raise StatesFailure(
                STATES_QUERY_EVALUATION_ERROR,
                f"The JSONata expression '{text or '$states.input'}' specified for the field 'Items' returned an "
                f"unexpected result type. Expected 'array', but was '{_jsonata_type(items)}'",
            )
        return items
    assert state.items_path is not None
    items = read_value(state.items_path, effective, env, "ItemsPath", state.name)
    if not isinstance(items, list):
        path, kind = state.items_path.text, type(items).__name__
        raise StatesFailure(
            STATES_RUNTIME, f"State {state.name!r}: ItemsPath {path!r} must select an array, got {kind}"
        )
    return items


def _jsonata_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "string" if isinstance(value, str) else "object"


def not_an_integer(field: str, path: str, value: Any) -> str:
    """LocalStack's reproduction of AWS's words for a …Path field whose value is not a non-negative integer."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"Expected non-negative integer for {field}, got '{value}' instead."
    shown = value if isinstance(value, str) else json.dumps(value)
    return f'The {field}Path field refers to value "{shown}" which is not a valid integer: {path}'


def concurrency(rc: RunContext, state: MapState, effective: Any, env: Env) -> int:
    """How many iterations may run at once: MaxConcurrency(Path) (0: unbounded), capped by the run's
    max_workers."""
    limit = state.max_concurrency
    if state.max_concurrency_expression is not None:
        value = state.max_concurrency_expression.evaluate(env, "MaxConcurrency")
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise StatesFailure(
                STATES_QUERY_EVALUATION_ERROR,
                f"State {state.name!r}: MaxConcurrency must be a non-negative integer, got {value!r}",
            )
        limit = value
    if state.max_concurrency_path is not None:
        value = read_value(state.max_concurrency_path, effective, env, "MaxConcurrencyPath", state.name)
        path = state.max_concurrency_path.text
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise StatesFailure(STATES_RUNTIME, f"{env.where()} {not_an_integer('MaxConcurrency', path, value)}")
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
    child_arn: str | None = None,
) -> Any:
    """Run one iteration's `body(event path prefix)` between its MapIteration* events; returns its output.
    A failure is recorded (MapIterationFailed, or MapIterationAborted for a stop) and re-raised. A distributed
    Map's child execution ARN is recorded on MapIterationStarted (`resource`): a redrive reuses it."""
    path = f"{frame.prefix}{state.name}/{index}"
    rc.emit("MapIterationStarted", frame, state.name, attempt=attempt, path=path, input=item_input, resource=child_arn)
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


def select_item(state: MapState, effective: Any, env: Env) -> Any:
    """One iteration's input: ItemSelector applied (JSONPath: `$` is the Map's effective input and the item is
    `$$.Map.Item.Value`; JSONata: `$states.input` and `$states.context.Map.Item.Value`), else the item itself."""
    if state.item_selector_jsonata is not None:
        env.states_input = effective
        return state.item_selector_jsonata.evaluate(env, "ItemSelector")
    if state.item_selector is not None:
        return build(state.item_selector, effective, env)
    return env.context()["Map"]["Item"]["Value"]
