"""The Parallel and Map states."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from ..definition.model import MapState, ParallelState, State
from ..errors import AbortedSignal, ExecutionTimedOutSignal, StatesFailure
from ..processing import build, merge_result, select
from ..runtime import CancelToken, Frame, RunContext
from . import machine
from .common import Outcome, enter, with_retry
from .distributed import items_at_path, map_concurrency, run_distributed_map
from .fanout import fan_out


def run_parallel(rc: RunContext, state: State, state_input: Any, frame: Frame) -> Outcome:
    """Every branch gets the same input; the result is the array of branch outputs, in branch order. One
    failing branch fails the state with that branch's error (the others are stopped)."""
    assert isinstance(state, ParallelState)
    entered = enter(rc, state, state_input, frame)

    def attempt(retry_count: int) -> Any:
        env = rc.env(frame, state.name, entered, retry_count)
        effective = select(state.input_path, state_input, env, "InputPath", state.name)
        branch_input = build(state.parameters, effective, env)
        rc.emit("ParallelStateStarted", frame, state.name, attempt=retry_count)

        def job(index: int) -> Any:
            def run(token: CancelToken) -> Any:
                branch_frame = Frame(f"{frame.prefix}{state.name}/branch {index}/", token, frame.map_item, frame.child)
                return machine.run_machine(rc, state.branches[index], branch_input, branch_frame)

            return run

        outputs = fan_out([job(i) for i in range(len(state.branches))], rc.max_workers, frame.cancel)
        rc.emit("ParallelStateSucceeded", frame, state.name, attempt=retry_count, output=outputs)
        output = merge_result(state.result_path, state_input, build(state.result_selector, outputs, env), state.name)
        return select(state.output_path, output, env, "OutputPath", state.name)

    return with_retry(rc, state, state_input, frame, attempt)


def run_map(rc: RunContext, state: State, state_input: Any, frame: Frame) -> Outcome:
    """One iteration of the item processor per item of ItemsPath, at most MaxConcurrency (0: unbounded;
    always capped by the run's max_workers) at once; the result is the array of outputs in item order.
    A distributed Map (ProcessorConfig.Mode DISTRIBUTED) runs as a map run of child executions instead."""
    assert isinstance(state, MapState)
    if state.distributed is not None:
        return run_distributed_map(rc, state, state_input, frame)
    entered = enter(rc, state, state_input, frame)

    def attempt(retry_count: int) -> Any:
        env = rc.env(frame, state.name, entered, retry_count)
        effective = select(state.input_path, state_input, env, "InputPath", state.name)
        items = items_at_path(state, effective, env)
        limit = map_concurrency(state, effective, env)
        rc.emit("MapStateStarted", frame, state.name, attempt=retry_count, output={"length": len(items)})
        jobs = [
            _iteration(rc, state, frame, entered, retry_count, index, item, effective)
            for index, item in enumerate(items)
        ]
        outputs = fan_out(jobs, min(limit or rc.max_workers, rc.max_workers), frame.cancel)
        rc.emit("MapStateSucceeded", frame, state.name, attempt=retry_count, output=outputs)
        output = merge_result(state.result_path, state_input, build(state.result_selector, outputs, env), state.name)
        return select(state.output_path, output, env, "OutputPath", state.name)

    return with_retry(rc, state, state_input, frame, attempt)


def _iteration(
    rc: RunContext,
    state: MapState,
    frame: Frame,
    entered: datetime,
    retry_count: int,
    index: int,
    item: Any,
    effective: Any,
) -> Callable[[CancelToken], Any]:
    path = f"{frame.prefix}{state.name}/{index}"

    def run(token: CancelToken) -> Any:
        item_frame = Frame(path + "/", token, (index, item), frame.child)
        rc.emit("MapIterationStarted", frame, state.name, attempt=retry_count, path=path, input=item)
        try:
            # ItemSelector sees the Map's effective input as `$` and the item as `$$.Map.Item.Value`.
            item_input = (
                build(state.item_selector, effective, rc.env(item_frame, state.name, entered, retry_count))
                if state.item_selector is not None
                else item
            )
            assert state.processor is not None
            output = machine.run_machine(rc, state.processor, item_input, item_frame)
        except StatesFailure as failure:
            rc.emit(
                "MapIterationFailed",
                frame,
                state.name,
                attempt=retry_count,
                path=path,
                error=failure.error,
                cause=failure.cause,
            )
            raise
        except (AbortedSignal, ExecutionTimedOutSignal):
            rc.emit("MapIterationAborted", frame, state.name, attempt=retry_count, path=path)
            raise
        rc.emit("MapIterationSucceeded", frame, state.name, attempt=retry_count, path=path, output=output)
        return output

    return run
