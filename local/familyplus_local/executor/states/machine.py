"""The state loop: run the states of a Machine (definition, branch or item processor) from StartAt.

The engine hands `run_machine` to the run context; Parallel and Map run their branches through
`RunContext.run_machine`, so no state module imports this one (which imports them all)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..context import Frame, RunContext
from ..definition.model import Machine, MapState, State
from ..errors import STATES_QUERY_EVALUATION_ERROR, AbortedSignal, StatesFailure
from .common import Outcome
from .distributed import run_distributed_map
from .flow import run_choice, run_fail, run_pass, run_succeed, run_wait
from .map_inline import run_inline_map
from .parallel import run_parallel
from .task import run_task

Handler = Callable[[RunContext, State, Any, Frame], Outcome]


def run_map(rc: RunContext, state: State, state_input: Any, frame: Frame) -> Outcome:
    """An inline Map, or a map run of child executions when ProcessorConfig.Mode is DISTRIBUTED."""
    assert isinstance(state, MapState)
    if state.distributed is not None:
        return run_distributed_map(rc, state, state_input, frame)
    return run_inline_map(rc, state, state_input, frame)


HANDLERS: dict[str, Handler] = {
    "Task": run_task,
    "Pass": run_pass,
    "Choice": run_choice,
    "Wait": run_wait,
    "Succeed": run_succeed,
    "Fail": run_fail,
    "Parallel": run_parallel,
    "Map": run_map,
}


def run_machine(rc: RunContext, machine: Machine, data: Any, frame: Frame, start_at: str | None = None) -> Any:
    """Run from `start_at` (default StartAt) until a state ends the machine; return its output.
    Failures propagate as StatesFailure; timeouts/aborts as their signals."""
    name: str | None = start_at or machine.start_at
    while name is not None:
        if frame.cancel.cancelled:
            raise AbortedSignal()
        state = machine.states[name]
        try:
            data, name = HANDLERS[state.type](rc, state, data, frame)
        except StatesFailure as failure:
            # Task, Parallel and Map record it in their Retry/Catch loop; the other states here.
            if failure.error == STATES_QUERY_EVALUATION_ERROR and state.type not in _RECORD_THEIR_OWN:
                rc.evaluation_failed(frame, state.name, failure)
            raise
    return data


_RECORD_THEIR_OWN = ("Task", "Parallel", "Map")
