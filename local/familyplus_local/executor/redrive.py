"""Where a redrive resumes, read from the execution's history.

Like AWS RedriveExecution, a redrive resumes at the top-level state where the last run stopped (the last
top-level <Type>StateEntered of that run), with the input that state had.

Differences from AWS, on purpose:
* when the run ended in a Fail state that was reached through a Catch, the redrive resumes at the state
  whose error was caught (the latest top-level state that exited through a Catch before the Fail). Our
  workflows catch States.ALL → MarkFailed → Fail: redriving the Fail state would only fail again;
* a Parallel or Map state is re-run whole (AWS re-runs only its unsuccessful branches/iterations).
"""

from __future__ import annotations

from typing import Any

from .definition.model import FailState, StateMachine
from .errors import RedriveError
from .history import Execution, HistoryEvent

_RUN_STARTS = ("ExecutionStarted", "ExecutionRedriven")


def resume_point(machine: StateMachine, execution: Execution) -> tuple[str, Any]:
    """(state name, state input) to resume the execution from."""
    history = execution.history
    begin = max((i for i, e in enumerate(history) if e.type in _RUN_STARTS), default=-1)
    segment = history[begin + 1 :]
    entered = [e for e in segment if e.top_level and e.type.endswith("StateEntered")]
    if not entered:
        marker = history[begin] if begin >= 0 else None
        if marker is not None and marker.type == "ExecutionRedriven" and marker.state:
            return _known(machine, marker.state), marker.input
        return machine.start_at, execution.input
    last = entered[-1]
    assert last.state is not None
    if isinstance(machine.states.get(last.state), FailState):
        caught = _caught_before(segment, last)
        if caught is not None:
            return _known(machine, caught[0]), caught[1]
    return _known(machine, last.state), last.input


def _caught_before(segment: list[HistoryEvent], fail: HistoryEvent) -> tuple[str, Any] | None:
    """The latest top-level state that exited through a Catch before `fail`, with its entry input."""
    position = segment.index(fail)
    for i in range(position - 1, -1, -1):
        event = segment[i]
        if event.top_level and event.type.endswith("StateExited") and event.error is not None:
            for j in range(i - 1, -1, -1):
                entry = segment[j]
                if entry.top_level and entry.state == event.state and entry.type.endswith("StateEntered"):
                    assert event.state is not None
                    return event.state, entry.input
    return None


def _known(machine: StateMachine, state: str) -> str:
    if state not in machine.states:
        raise RedriveError(
            f"cannot redrive: the execution stopped at state {state!r}, which is not a top-level "
            "state of the given definition"
        )
    return state


def resume_variables(execution: Execution) -> dict[str, Any]:
    """The top-level workflow variables as the last run left them: every top-level state's assignments
    (recorded on its *StateExited event), replayed in history order. A redriven execution reads them as AWS's
    redrive does; variables of Parallel branches and Map iterations never outlived their scope."""
    variables: dict[str, Any] = {}
    for event in execution.history:
        if event.top_level and event.type.endswith("StateExited") and event.variables:
            variables.update(event.variables)
    return variables
