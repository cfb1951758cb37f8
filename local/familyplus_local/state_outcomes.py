"""What happened to each state of an execution, folded from its event history: the one place that decides
whether a state succeeded, failed, was caught, was retried, is running or was never reached.

The CLI's tables, its live progress, `--json` and the console's graph all read these outcomes, so a caught
failure is shown as a failure everywhere: a state whose error a Catch handled did not succeed, even though
the execution went on (to MarkFailed) and the state was exited.

Entries: a state can be entered several times (Map iterations, a loop, a redrive); each entry is one
`StateVisit` with its attempts, errors and timings. A state's outcome is the worst of its visits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from familyplus_local.executor import Execution, HistoryEvent

SUCCEEDED, FAILED, CAUGHT, RETRIED, RUNNING, NOT_REACHED = (
    "succeeded",
    "failed",
    "caught",
    "retried",
    "running",
    "not reached",
)
# Worst first: the outcome shown for a state entered several times.
_SEVERITY = (FAILED, CAUGHT, RUNNING, RETRIED, SUCCEEDED, NOT_REACHED)
_FAILURE_EVENTS = frozenset(
    {
        "TaskFailed",
        "TaskTimedOut",
        "LambdaFunctionFailed",
        "ParallelStateFailed",
        "MapStateFailed",
        "MapRunFailed",
        "MapIterationFailed",
        "FailStateEntered",
    }
)
_TERMINAL = frozenset({"ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted"})


@dataclass
class Attempt:
    """One try of a state's work; `error`/`cause` set when it failed, `retry_delay` when it was retried."""

    number: int
    started: datetime
    error: str | None = None
    cause: str | None = None
    retry_delay: float | None = None


@dataclass
class StateVisit:
    """One entry into a state: where (`path`), its input and output, its attempts and how it ended."""

    state: str
    path: str
    entered: datetime
    input: Any = None
    output: Any = None
    exited: datetime | None = None
    attempts: list[Attempt] = field(default_factory=list)
    caught_error: str | None = None
    caught_cause: str | None = None
    failed_error: str | None = None
    failed_cause: str | None = None
    children: list[str] = field(default_factory=list)  # ARNs of executions this visit started

    @property
    def seconds(self) -> float | None:
        return (self.exited - self.entered).total_seconds() if self.exited else None

    @property
    def error(self) -> str | None:
        """The error that ended the visit (caught or not), else the last retried one."""
        if self.failed_error or self.caught_error:
            return self.failed_error or self.caught_error
        retried = [a.error for a in self.attempts if a.error]
        return retried[-1] if retried else None

    @property
    def cause(self) -> str | None:
        if self.failed_error or self.caught_error:
            return self.failed_cause if self.failed_error else self.caught_cause
        retried = [a.cause for a in self.attempts if a.error]
        return retried[-1] if retried else None

    def outcome(self, execution_open: bool) -> str:
        if self.failed_error:
            return FAILED
        if self.caught_error:
            return CAUGHT
        if self.exited is None:
            return RUNNING if execution_open else FAILED
        if any(a.error for a in self.attempts):
            return RETRIED
        return SUCCEEDED


@dataclass
class StateOutcome:
    """Every visit of one state (by name: ASL state names are unique within a state machine)."""

    state: str
    outcome: str
    visits: list[StateVisit]
    execution_open: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "outcome": self.outcome,
            "visits": [
                {
                    "path": v.path,
                    "entered": v.entered.isoformat(),
                    "exited": v.exited.isoformat() if v.exited else None,
                    "seconds": v.seconds,
                    "input": v.input,
                    "output": v.output,
                    "outcome": v.outcome(self.execution_open),
                    "error": v.error,
                    "cause": one_line(v.cause, 400),
                    "fullCause": v.cause,
                    "attempts": [
                        {
                            "number": a.number,
                            "started": a.started.isoformat(),
                            "error": a.error,
                            "cause": one_line(a.cause, 400),
                            "retryDelay": a.retry_delay,
                        }
                        for a in v.attempts
                    ],
                    "children": v.children,
                }
                for v in self.visits
            ],
        }


def _child_arn(event: HistoryEvent) -> str | None:
    output = event.output
    if isinstance(output, dict):
        arn = output.get("ExecutionArn") or output.get("MapRunArn")
        if isinstance(arn, str):
            return arn
    return None


def _close_failed(visit: StateVisit, error: str | None, cause: str | None) -> None:
    """A visit that never exited: it failed, with its last attempt's error when it has one."""
    last = visit.attempts[-1] if visit.attempts else None
    if last is not None and last.error:
        visit.failed_error, visit.failed_cause = last.error, last.cause
    elif visit.failed_error is None:
        visit.failed_error, visit.failed_cause = error, cause


def state_visits(execution: Execution) -> list[StateVisit]:
    """One visit per entry into a state, in the order the states were entered."""
    visits: list[StateVisit] = []
    open_visits: dict[str, StateVisit] = {}
    last_failure: tuple[str | None, str | None] = (None, None)
    for event in execution.history:
        if event.type in ("ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted"):
            last_failure = (event.error or event.type.removeprefix("Execution").upper(), event.cause)
        if event.type == "ExecutionRedriven":
            # What was still open when the previous run ended is what failed it (AWS records ExecutionFailed,
            # not an Exited event, for the state whose error no Catch handled).
            for visit in open_visits.values():
                _close_failed(visit, *last_failure)
            open_visits.clear()
            continue
        path = event.path or event.state
        if not path or event.state is None or event.type.startswith("Execution"):
            continue
        if event.type.endswith("StateEntered"):
            visit = StateVisit(state=event.state, path=path, entered=event.timestamp, input=event.input)
            visits.append(visit)
            open_visits[path] = visit
            if event.type == "FailStateEntered":
                visit.failed_error, visit.failed_cause = event.error, event.cause
            continue
        found = open_visits.get(path)
        if found is None:
            continue
        visit = found
        if event.type in ("TaskScheduled", "ParallelStateStarted", "MapStateStarted"):
            visit.attempts.append(Attempt(number=len(visit.attempts) + 1, started=event.timestamp))
        elif event.type in _FAILURE_EVENTS:
            if not visit.attempts:
                visit.attempts.append(Attempt(number=1, started=event.timestamp))
            attempt = visit.attempts[-1]
            attempt.error, attempt.cause, attempt.retry_delay = event.error, event.cause, event.retry_delay
        elif event.type.endswith("StateExited"):
            visit.exited = event.timestamp
            visit.output = event.output
            last = visit.attempts[-1] if visit.attempts else None
            if event.error:
                visit.caught_error, visit.caught_cause = event.error, event.cause
            elif last is not None and last.error:
                # Step Functions' own history: the Exited event of a caught state carries no error
                visit.caught_error, visit.caught_cause = last.error, last.cause
            open_visits.pop(path)
        if (
            event.type in ("TaskSucceeded", "MapRunStarted", "MapRunRedriven", "TaskSubmitted")
            and (child := _child_arn(event))
            and child not in visit.children
        ):
            visit.children.append(child)
    if execution.status not in ("RUNNING", "SUCCEEDED"):
        for visit in open_visits.values():
            _close_failed(visit, execution.error or execution.status, execution.cause)
    return visits


def _path_outcome(visits: list[StateVisit], execution_open: bool) -> str:
    """The latest visit at one path decides; one that succeeded after an earlier failed or caught visit
    there (a redrive) shows as retried, never as a plain success."""
    latest = visits[-1].outcome(execution_open)
    earlier = {v.outcome(execution_open) for v in visits[:-1]}
    if latest == SUCCEEDED and earlier & {FAILED, CAUGHT, RETRIED}:
        return RETRIED
    return latest


def state_outcomes(execution: Execution) -> dict[str, StateOutcome]:
    """Each state that was entered, by name, with its outcome: the worst over its paths (Map iterations)."""
    execution_open = execution.status == "RUNNING"
    grouped: dict[str, dict[str, list[StateVisit]]] = {}
    for visit in state_visits(execution):
        grouped.setdefault(visit.state, {}).setdefault(visit.path, []).append(visit)
    outcomes: dict[str, StateOutcome] = {}
    for state, by_path in grouped.items():
        seen = {_path_outcome(visits, execution_open) for visits in by_path.values()}
        worst = next(o for o in _SEVERITY if o in seen)
        outcomes[state] = StateOutcome(
            state=state, outcome=worst, visits=[v for vs in by_path.values() for v in vs], execution_open=execution_open
        )
    return outcomes


def one_line(cause: str | None, limit: int = 160) -> str:
    """A cause reduced to one readable line: Lambda's JSON error body gives its errorMessage, never the
    stackTrace; anything else is its first line, cut at `limit` characters."""
    if not cause:
        return ""
    text = cause.strip()
    if text.startswith("{"):
        import json

        try:
            body = json.loads(text)
        except ValueError:
            body = None
        if isinstance(body, dict):
            message = body.get("errorMessage") or body.get("Cause") or body.get("message")
            if isinstance(message, str):
                text = message.strip()
                if text.startswith("{"):
                    return one_line(text, limit)
    first = text.splitlines()[0] if text else ""
    return first if len(first) <= limit else first[: limit - 1] + "…"
