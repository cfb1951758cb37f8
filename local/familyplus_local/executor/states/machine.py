"""The state loop: run the states of a Machine (definition, branch or item processor) from StartAt."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from ..definition.model import Machine, State
from ..errors import AbortedSignal
from ..runtime import Frame, RunContext
from .common import Outcome

Handler = Callable[[RunContext, State, Any, Frame], Outcome]


@cache  # imported lazily: Parallel/Map call back into run_machine
def _handlers() -> dict[str, Handler]:
    from .flow import run_choice, run_fail, run_pass, run_succeed, run_wait
    from .parallel import run_map, run_parallel
    from .task import run_task

    return {
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
    handlers = _handlers()
    name: str | None = start_at or machine.start_at
    while name is not None:
        if frame.cancel.cancelled:
            raise AbortedSignal()
        state = machine.states[name]
        data, name = handlers[state.type](rc, state, data, frame)
    return data
