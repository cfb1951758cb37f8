"""Operating executions wherever they run: the `ExecutionsBackend` Protocol the CLI works through, and the
redrive rules both backends apply.

Two implementations: `local.LocalExecutions` (the local execution store, redrives run here by the executor)
and `stepfunctions.StepFunctionsExecutions` (AWS Step Functions through boto3, redrives run there).

Redrive eligibility is AWS's (RedriveExecution): Standard workflows only, executions whose status is FAILED,
ABORTED or TIMED_OUT, started within the last 14 days. Bulk redrive selects only such executions and says why
others were skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from familyplus_local.executor import Execution, HistoryEvent

REDRIVABLE = ("FAILED", "ABORTED", "TIMED_OUT")
REDRIVE_WINDOW = timedelta(days=14)
REDRIVE_RULE = (
    "Only FAILED, ABORTED or TIMED_OUT executions started in the last 14 days can be redriven "
    "(AWS Step Functions RedriveExecution rules, Standard workflows; applied locally too)."
)

Listener = Callable[[HistoryEvent], None]


def redrive_refusal(status: str, start: datetime, now: datetime) -> str | None:
    """Why AWS would refuse to redrive this execution, or None when it may be redriven."""
    if status not in REDRIVABLE:
        return f"status {status} (only {', '.join(REDRIVABLE)} can be redriven)"
    if start < now - REDRIVE_WINDOW:
        return "started more than 14 days ago (Step Functions redrives only the last 14 days)"
    return None


@dataclass(frozen=True)
class ExecutionSummary:
    """One row of an executions listing."""

    arn: str
    name: str
    workflow: str
    status: str
    start: datetime
    stop: datetime | None = None
    redrive_count: int = 0
    error: str | None = None


@dataclass(frozen=True)
class StepFunctionsDescription:
    """An execution as Step Functions describes it: DescribeExecution and its GetExecutionHistory events."""

    described: dict[str, Any]
    events: list[dict[str, Any]]


@dataclass(frozen=True)
class Redriven:
    """A redrive that was accepted. `execution`: the redriven execution, run to its end here (local); None when
    it goes on elsewhere (Step Functions accepted it at `date`)."""

    arn: str
    date: datetime
    execution: Execution | None = None

    @property
    def succeeded(self) -> bool | None:
        """Whether the redriven run succeeded; None while it runs elsewhere."""
        return None if self.execution is None else self.execution.status == "SUCCEEDED"


class RedriveRefusedError(Exception):
    """A redrive was refused (not found, not redrivable, or the service said no); the message says why.
    `hint` is what to add for a reader when the reason comes from a service that does not explain its rules."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


class ExecutionsBackend(Protocol):
    """Where executions are listed, shown and redriven."""

    #: The columns `list_executions` fills (a listing shows these).
    columns: tuple[str, ...]

    def list_executions(
        self, *, status: str | None, since: datetime | None, workflow: str | None, limit: int
    ) -> list[ExecutionSummary]:
        """Newest first; ValueError naming a filter it cannot apply."""
        ...

    def describe(self, execution_id: str) -> Execution | StepFunctionsDescription:
        """One execution (name or ARN) with its history; ExecutionNotFoundError when there is none."""
        ...

    def check_redrivable_workflow(self) -> None:
        """Raise RedriveRefusedError when no execution of the workflow can be redriven (Express workflows)."""
        ...

    def redrive(self, execution_id: str, *, listener: Listener | None = None) -> Redriven:
        """Redrive one execution (name or ARN) from where it failed; RedriveRefusedError when refused.
        `listener` follows a redrive that runs here, event by event."""
        ...
