"""`ExecutionsBackend` on this machine: the local execution store, redrives run in process by the runner."""

from __future__ import annotations

from datetime import UTC, datetime

from familyplus_local.executor import Execution, ExecutionNotFoundError, RedriveError
from familyplus_local.ops.executions import (
    ExecutionSummary,
    Listener,
    Redriven,
    RedriveRefusedError,
    redrive_refusal,
)
from familyplus_local.runtime.runner import LocalRunner


class LocalExecutions:
    columns: tuple[str, ...] = ("name", "workflow", "status", "started", "duration", "redrives", "error")

    def __init__(self, runner: LocalRunner) -> None:
        self.runner = runner

    def list_executions(
        self, *, status: str | None, since: datetime | None, workflow: str | None, limit: int
    ) -> list[ExecutionSummary]:
        found = self.runner.executions.list(
            status=status, since=since, state_machine_name=workflow, limit=limit, include_history=False
        )
        return [
            ExecutionSummary(
                arn=ex.execution_arn,
                name=ex.name,
                workflow=ex.state_machine_name,
                status=ex.status,
                start=ex.start_date,
                stop=ex.stop_date,
                redrive_count=ex.redrive_count,
                error=ex.error,
            )
            for ex in found
        ]

    def describe(self, execution_id: str) -> Execution:
        return self.runner.executions.get(execution_id)

    def check_redrivable_workflow(self) -> None:
        """Every local workflow is a Standard one: nothing to check."""

    def redrive(self, execution_id: str, *, listener: Listener | None = None) -> Redriven:
        """Redrive and run the execution to its end here (AWS's rules are checked first)."""
        try:
            previous = self.runner.executions.get(execution_id)
            refusal = redrive_refusal(previous.status, previous.start_date, datetime.now(UTC))
            if refusal:
                raise RedriveError(f"cannot redrive {previous.name}: {refusal}")
            execution = self.runner.redrive(execution_id, listener=listener)
        except (ExecutionNotFoundError, RedriveError) as exc:
            raise RedriveRefusedError(str(exc)) from exc
        assert execution.redrive_date is not None  # set by every redrive
        return Redriven(execution.execution_arn, execution.redrive_date, execution)
