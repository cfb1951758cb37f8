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
the last run (`completed_work`); the others give the output they gave then. A resumed distributed Map redrives
its map run, as AWS's "Redriving Map Runs" does: the same map run ARN (a MapRunRedriven event, its redrive
count + 1), only the child executions that did not succeed run again (the same executions with the same input,
their redrive count + 1, a STANDARD one resumed at its last state like a redriven execution; children that
never started start now), and the succeeded ones give the output they gave. A map run that failed with
States.DataLimitExceeded or States.Runtime is not redriven: a new one starts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
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


MAP_RUN_STARTS = ("MapRunStarted", "MapRunRedriven")
_MAP_RUN_ENDS = ("MapRunSucceeded", "MapRunFailed", "MapRunAborted")
_NEW_MAP_RUN = ("States.DataLimitExceeded", "States.Runtime")


@dataclass
class PastChild:
    """A child execution of a map run, as the history left it: how it ended, and where a redrive of it resumes
    (its last top-level state entered, with that state's input and the variables its states had assigned)."""

    name: str
    arn: str
    start: datetime
    input: Any = None
    stop: datetime | None = None
    succeeded: bool = False
    output: Any = None
    runs: int = 1  # map runs that started it: its redrive count is one less
    resume_state: str | None = None
    resume_input: Any = None
    variables: dict[str, Any] = field(default_factory=dict)


@dataclass
class PastMapRun:
    """A distributed Map's map run to redrive: its ARN, how often it was redriven, its children by index."""

    arn: str
    redrive_count: int
    children: dict[int, PastChild] = field(default_factory=dict)


def map_run_key(state_name: str) -> str:
    """Where `completed_work` puts a distributed Map's map run."""
    return f"{state_name}/map run"


def completed_work(machine: StateMachine, execution: Execution, state_name: str) -> dict[str, Any]:
    """The outputs of the branches (Parallel) or iterations (inline Map) of the top-level state `state_name`
    that succeeded in the last attempt of the last run, by event path; for a distributed Map, its last map run
    (`map_run_key`: a PastMapRun). Empty for other states."""
    state = machine.states.get(state_name)
    if isinstance(state, MapState) and state.distributed is not None:
        past = _past_map_run(execution.history, state_name)
        return {map_run_key(state_name): past} if past is not None else {}
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


def _past_map_run(history: list[HistoryEvent], state_name: str) -> PastMapRun | None:
    """The last map run of the top-level distributed Map `state_name`, with every child it ran: a redriven map
    run's children are gathered from each run of it (its MapRunStarted, then each MapRunRedriven), the latest
    outcome of each child winning."""
    starts = [i for i, e in enumerate(history) if e.path == state_name and e.type in MAP_RUN_STARTS]
    if not starts:
        return None
    arn = _map_run_arn(history[starts[-1]])
    end = _end(history, starts[-1], state_name)
    # Guide ("Redriving Map Runs"): "A new Map Run is started and the existing Map Run isn't redriven" when it
    # failed with States.DataLimitExceeded or States.Runtime.
    # A map run that succeeded (the Map failed after it, or an earlier pass of a loop ran it) is not redriven.
    if arn is None or (end is not None and (end.type == "MapRunSucceeded" or end.error in _NEW_MAP_RUN)):
        return None
    runs = [i for i in starts if _map_run_arn(history[i]) == arn]
    past = PastMapRun(arn, len(runs) - 1)
    for begin in runs:
        _children(history, begin, state_name, past.children)
    return past


def _end(history: list[HistoryEvent], begin: int, state_name: str) -> HistoryEvent | None:
    return next((e for e in history[begin + 1 :] if e.path == state_name and e.type in _MAP_RUN_ENDS), None)


def _map_run_arn(event: HistoryEvent) -> str | None:
    arn = event.output.get("MapRunArn") if isinstance(event.output, dict) else None
    return arn if isinstance(arn, str) else None


def _children(history: list[HistoryEvent], begin: int, state_name: str, children: dict[int, PastChild]) -> None:
    """The child outcomes between the map run start at `begin` and its end (children are `<Map>/<index>`, their
    top-level states `<Map>/<index>/<State>`)."""
    prefix = f"{state_name}/"
    for event in history[begin + 1 :]:
        if event.path == state_name and event.type in _MAP_RUN_ENDS:
            return
        path = event.path or ""
        if not path.startswith(prefix):
            continue
        index_text, _, inner = path.removeprefix(prefix).partition("/")
        if not index_text.isdigit():
            continue
        index = int(index_text)
        if not inner:
            _iteration_event(event, index, children)
        elif index in children and inner == event.state:
            child = children[index]
            if event.type.endswith("StateEntered"):
                child.resume_state, child.resume_input = event.state, event.input
            elif event.type.endswith("StateExited") and event.variables:
                child.variables.update(event.variables)


def _iteration_event(event: HistoryEvent, index: int, children: dict[int, PastChild]) -> None:
    if event.type == "MapIterationStarted" and event.resource:
        known = children.get(index)
        child = PastChild(event.resource.rsplit(":", 1)[-1], event.resource, event.timestamp, event.input)
        if known is not None:  # a redriven child: the same execution, resumed where it stopped
            child.runs = known.runs + 1
            child.resume_state, child.resume_input, child.variables = (
                known.resume_state,
                known.resume_input,
                known.variables,
            )
            child.input = known.input
        children[index] = child
    elif index in children and event.type.startswith("MapIteration") and event.type != "MapIterationStarted":
        child = children[index]
        child.stop, child.succeeded = event.timestamp, event.type == "MapIterationSucceeded"
        child.output = event.output if child.succeeded else None
