"""Where a redrive resumes, read from the execution's history.

Like AWS RedriveExecution, a redrive resumes at the top-level state where the last run stopped (the last
top-level <Type>StateEntered of that run), with the input that state had.

Differences from AWS, on purpose:
* when the run stopped in a Catch handler — the states only a Catch leads to (our MarkFailed → Failed) — or
  in a Fail state reached through a Catch, the redrive resumes at the work state whose error was caught (the
  latest top-level state, outside the handlers, that exited through a Catch, in *any* earlier run of the
  execution). Redriving the handler would only record the failure again: when MarkFailed itself failed (the
  store was down past its retries) the response would otherwise never be processed again;

Like AWS, a resumed Parallel or inline Map state runs only its branches / iterations that did not succeed in
the last run (`completed_work`); the others give the output they gave then. A distributed Map's map run is
re-run whole (AWS re-runs only its unsuccessful child executions).
"""

from __future__ import annotations

from typing import Any

from .definition.model import ChoiceState, FailState, MapState, ParallelState, ResultState, StateMachine
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
    handlers = catch_handlers(machine)
    # A handler: look through every run (the handler itself may be what failed last time); a Fail state
    # reached otherwise: only this run (an earlier run's caught error was redriven past already).
    scope = history if last.state in handlers else segment
    if last.state in handlers or isinstance(machine.states.get(last.state), FailState):
        caught = _last_caught(scope, handlers)
        if caught is not None:
            return _known(machine, caught[0]), caught[1]
    return _known(machine, last.state), last.input


def catch_handlers(machine: StateMachine) -> frozenset[str]:
    """The top-level states reached only through a Catch: every state a Catch leads to, and what follows it,
    minus what the normal flow from StartAt reaches."""
    normal = _reachable(machine, [machine.start_at])
    targets = [c.next for state in machine.states.values() if isinstance(state, ResultState) for c in state.catch]
    return frozenset(_reachable(machine, targets) - normal)


def _reachable(machine: StateMachine, starts: list[str]) -> set[str]:
    """States reached from `starts` by Next, Choice rules and Default (not by Catch)."""
    seen: set[str] = set()
    todo = list(starts)
    while todo:
        name = todo.pop()
        state = machine.states.get(name)
        if name in seen or state is None:
            continue
        seen.add(name)
        todo += [state.next] if state.next else []
        if isinstance(state, ChoiceState):
            todo += [rule.next for rule in state.choices] + ([state.default] if state.default else [])
    return seen


def _last_caught(history: list[HistoryEvent], handlers: frozenset[str]) -> tuple[str, Any] | None:
    """The latest top-level work state (not a handler) that exited through a Catch, with its entry input."""
    for i in range(len(history) - 1, -1, -1):
        event = history[i]
        if (
            event.top_level
            and event.type.endswith("StateExited")
            and event.error is not None
            and event.state not in handlers
        ):
            for j in range(i - 1, -1, -1):
                entry = history[j]
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


def completed_work(machine: StateMachine, execution: Execution, state_name: str) -> dict[str, Any]:
    """The outputs of the branches (Parallel) or iterations (inline Map) of the top-level state `state_name`
    that succeeded in the last attempt of the last run, by event path. Empty for other states."""
    state = machine.states.get(state_name)
    inline_map = isinstance(state, MapState) and state.distributed is None
    if not (inline_map or isinstance(state, ParallelState)):
        return {}
    history = execution.history
    begin = max((i for i, e in enumerate(history) if e.type in _RUN_STARTS), default=-1)
    segment = history[begin + 1 :]
    starts = [
        i
        for i, e in enumerate(segment)
        if e.path == state_name and e.type in ("MapStateStarted", "ParallelStateStarted")
    ]
    if not starts:
        return {}
    events = segment[starts[-1] :]
    attempt = events[0].attempt
    done: dict[str, Any] = {}
    if isinstance(state, ParallelState):
        for index, branch in enumerate(state.branches):
            prefix = f"{state_name}/branch {index}/"
            ends = {
                prefix + name
                for name, inner in branch.states.items()
                if inner.next is None and inner.type not in ("Choice", "Fail")
            }
            for event in events:
                if event.path in ends and event.type.endswith("StateExited") and event.error is None:
                    done[prefix.rstrip("/")] = event.output
        return done
    for event in events:
        path = event.path or ""
        if event.type == "MapIterationSucceeded" and event.attempt == attempt and path.startswith(f"{state_name}/"):
            done[path] = event.output
    return done
