"""The distributed Map state: a map run of child workflow executions.

Like AWS, each child (one item, or one batch with an ItemBatcher) is a child execution with its own
`$$.Execution` (ARN under the map run's `<machine>/<label>`, its own name and input); its events are kept in the
parent's history under `<Map>/<child index>/<State>` (AWS keeps separate child histories) between
MapIterationStarted and MapIterationSucceeded/Failed/Aborted. The parent records MapRunStarted, then
MapRunSucceeded, MapRunFailed or MapRunAborted. Children run at most MaxConcurrency at once (0: unbounded;
always capped by the run's max_workers). STANDARD and EXPRESS children behave the same here (only their ARNs
differ): the Express limits (5 minutes, at-least-once) are not simulated.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..context import CancelToken, ChildExecution, Frame, RunContext
from ..definition.model import DistributedConfig, MapState
from ..errors import (
    STATES_EXCEED_TOLERATED_FAILURE_THRESHOLD,
    STATES_RUNTIME,
    AbortedSignal,
    ExecutionTimedOutSignal,
    StatesFailure,
)
from ..expressions.env import Env
from ..expressions.jsonpath.processing import select
from ..redrive import MAP_RUN_STARTS, PastChild, PastMapRun, map_run_key
from ..variables import Scope
from .common import Outcome, enter, succeed, with_retry
from .fanout import Job, gather
from .map_common import concurrency, items_at_path, iteration, select_item
from .map_items import make_batches, read_items
from .map_run import FAILED, SUCCEEDED, ChildResult, MapRunNames, Tolerance, random_id, unexported_output, write_results

MAX_MAP_RUN_REDRIVES = 1000


def run_distributed_map(rc: RunContext, state: MapState, state_input: Any, frame: Frame) -> Outcome:
    assert state.distributed is not None
    config = state.distributed
    entered = enter(rc, state, state_input, frame)

    def attempt(retry_count: int) -> Any:
        env = rc.env(frame, state.name, entered, retry_count)
        effective = select(state.input_path, state_input, env, "InputPath", state.name)
        rc.emit("MapStateStarted", frame, state.name, attempt=retry_count)
        parent = frame.child.state_machine_name if frame.child else rc.execution.state_machine_name
        # A redrive redrives the map run the last run left (once: a Retry after it starts a new map run).
        past: PastMapRun | None = rc.completed.pop(map_run_key(frame.prefix + state.name), None)
        run_id = past.arn.rsplit(":", 1)[-1] if past is not None else random_id(rc.rng)
        names = MapRunNames(f"{parent}/{config.label}", run_id, config.execution_type == "EXPRESS")
        if past is not None and past.redrive_count >= MAX_MAP_RUN_REDRIVES:
            # Guide ("Redriving Map Runs"): past "the hard limit of 1000 redrives of a given Map Run ... you'll
            # receive the States.Runtime error".
            raise StatesFailure(
                STATES_RUNTIME, f"The Map Run {past.arn} was redriven {MAX_MAP_RUN_REDRIVES} times, its limit."
            )
        if past is None:
            rc.emit("MapRunStarted", frame, state.name, attempt=retry_count, output={"MapRunArn": names.arn})
        else:
            redriven = {"MapRunArn": names.arn, "RedriveCount": past.redrive_count + 1}
            rc.emit(MAP_RUN_STARTS[1], frame, state.name, attempt=retry_count, output=redriven)
        try:
            result, counts = _map_run(rc, state, config, names, frame, entered, retry_count, effective, env, past)
        except StatesFailure as failure:
            rc.emit("MapRunFailed", frame, state.name, attempt=retry_count, error=failure.error, cause=failure.cause)
            raise
        except (AbortedSignal, ExecutionTimedOutSignal):
            rc.emit("MapRunAborted", frame, state.name, attempt=retry_count)
            raise
        rc.emit("MapRunSucceeded", frame, state.name, attempt=retry_count, output={"MapRunArn": names.arn, **counts})
        return succeed(rc, state, frame, retry_count, "MapStateSucceeded", state_input, result, env)

    return with_retry(rc, state, state_input, frame, attempt, entered)


def _map_run(
    rc: RunContext,
    state: MapState,
    config: DistributedConfig,
    names: MapRunNames,
    frame: Frame,
    entered: datetime,
    retry_count: int,
    effective: Any,
    env: Env,
    past: PastMapRun | None,
) -> tuple[Any, dict[str, Any]]:
    """Read the items, run the children, apply the threshold; returns (the Map's result, item/child counts).
    Redriving `past`, a child that succeeded gives its earlier output and the others run again by their names."""
    items = _items(rc, state, config, effective, env)
    inputs = [
        _select(rc, state, frame, entered, retry_count, index, item, effective) for index, item in enumerate(items)
    ]
    if config.batcher is not None:
        inputs = make_batches(config.batcher, inputs, effective, env, state.name)
    sizes = [len(i["Items"]) for i in inputs] if config.batcher is not None else [1] * len(inputs)
    tolerance = Tolerance.resolve(config, len(items), effective, env, state.name)
    results: list[ChildResult | None] = [None] * len(inputs)

    def done(index: int, result: ChildResult) -> bool:
        results[index] = result
        return result.status == FAILED and tolerance.add_failure(result)

    child_names = [random_id(rc.rng) for _ in inputs]  # drawn here, in order: reproducible with a seeded rng
    children = past.children if past is not None else {}
    jobs = [
        _reused(index, sizes[index], children[index])
        if index in children and children[index].succeeded
        else _child(
            rc,
            state,
            names,
            frame,
            retry_count,
            index,
            child_input,
            child_names[index],
            sizes[index],
            children.get(index),
        )
        for index, child_input in enumerate(inputs)
    ]
    if gather(jobs, concurrency(rc, state, effective, env), frame.cancel, done):
        raise StatesFailure(STATES_EXCEED_TOLERATED_FAILURE_THRESHOLD, tolerance.describe())
    finished = [r for r in results if r is not None]
    succeeded = sum(r.items for r in finished if r.status == SUCCEEDED)
    counts = {
        "ItemCounts": {"Total": len(items), "Succeeded": succeeded, "Failed": tolerance.failed},
        "ExecutionCounts": {
            "Total": len(finished),
            "Succeeded": len(finished) - len(tolerance.failed_children),
            "Failed": len(tolerance.failed_children),
        },
    }
    if config.writer is not None:
        result = write_results(rc, config.writer, config.writer_config, finished, names, effective, env, state.name)
        return result, counts
    return unexported_output(finished, names.machine_arn, config.writer_config), counts


def _items(rc: RunContext, state: MapState, config: DistributedConfig, effective: Any, env: Env) -> list[Any]:
    if config.reader is not None:
        return read_items(rc, config.reader, effective, env, state.name)
    return items_at_path(state, effective, env)


def _select(
    rc: RunContext,
    state: MapState,
    frame: Frame,
    entered: datetime,
    retry_count: int,
    index: int,
    item: Any,
    effective: Any,
) -> Any:
    """ItemSelector runs in the parent's scope: the way to hand variables to the child executions."""
    if state.item_selector is None and state.item_selector_jsonata is None:
        return item
    item_frame = Frame(frame.prefix, frame.cancel, (index, item), frame.child, frame.scope)
    return select_item(state, effective, rc.env(item_frame, state.name, entered, retry_count))


def _child(
    rc: RunContext,
    state: MapState,
    names: MapRunNames,
    frame: Frame,
    retry_count: int,
    index: int,
    child_input: Any,
    name: str,
    items: int,
    past: PastChild | None,
) -> Job:
    """A child execution; with `past`, the redrive of an unsuccessful one (guide, "Redriving Map Runs"): the same
    execution, with the input it had; a STANDARD child "redriven from the last state in ItemProcessor that
    resulted in their unsuccessful execution" (with the variables its states had assigned), an EXPRESS one
    started again from the first state."""
    if past is not None:
        name, child_input = past.name, past.input
    resume = past is not None and past.resume_state is not None and not names.express

    def run(token: CancelToken) -> ChildResult:
        start = rc.clock.now()
        child = ChildExecution(names.child_arn(name), name, child_input, start, names.machine_arn, names.machine)
        result = ChildResult(index, name, child.arn, child_input, items, start, start, SUCCEEDED)
        result.redrive_count = past.runs if past is not None else 0
        assert state.processor is not None
        processor = state.processor

        def body(prefix: str) -> Any:
            if resume and past is not None:
                scope = Scope(values=past.variables)
                frame_ = Frame(prefix, token, None, child, scope)
                return rc.run_machine(processor, past.resume_input, frame_, past.resume_state)
            return rc.run_machine(processor, child_input, Frame(prefix, token, None, child, Scope()))

        try:
            result.output = iteration(rc, state, frame, retry_count, index, child_input, body, child.arn)
        except StatesFailure as failure:  # a failed child is a result of the map run, counted against the threshold
            result.status, result.error = FAILED, failure.error
            result.cause = failure.located_cause or failure.cause  # as the child's ExecutionFailed gives it
        result.stop = rc.clock.now()
        return result

    return run


def _reused(index: int, items: int, past: PastChild) -> Job:
    """A child that succeeded before a redrive: AWS does not run it again; its earlier output stands."""

    def run(token: CancelToken) -> ChildResult:
        stop = past.stop or past.start
        result = ChildResult(index, past.name, past.arn, past.input, items, past.start, stop, SUCCEEDED, past.output)
        result.redrive_count = past.runs - 1
        return result

    return run
