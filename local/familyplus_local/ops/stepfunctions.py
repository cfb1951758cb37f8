"""`ExecutionsBackend` on AWS: list, show and redrive Step Functions executions through boto3 (redrives run
there). Redrive eligibility is AWS's own; see `executions`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from familyplus_local.ops.executions import (
    REDRIVE_RULE,
    ExecutionSummary,
    Listener,
    Redriven,
    RedriveRefusedError,
    StepFunctionsDescription,
)


def aware(moment: datetime) -> datetime:
    """boto3 parses Step Functions' dates as aware datetimes; stubs and older emulators may not."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def client_error_code(exc: BaseException) -> str | None:
    """The error code of a botocore ClientError (None for anything else)."""
    response = getattr(exc, "response", None)
    return response.get("Error", {}).get("Code") if isinstance(response, dict) else None


class StepFunctionsExecutions:
    """`client` is a boto3 `stepfunctions` client; `state_machine_arn` the workflow to operate on."""

    columns: tuple[str, ...] = ("name", "workflow", "status", "started", "redrives")

    def __init__(self, client: Any, state_machine_arn: str) -> None:
        self.client = client
        self.state_machine_arn = state_machine_arn
        self.workflow = state_machine_arn.rsplit(":", 1)[-1]

    def is_standard(self) -> bool:
        return self.client.describe_state_machine(stateMachineArn=self.state_machine_arn).get("type") != "EXPRESS"

    def describe(self, execution_id: str) -> StepFunctionsDescription:
        return StepFunctionsDescription(self.describe_execution(execution_id), self.history(execution_id))

    def check_redrivable_workflow(self) -> None:
        if not self.is_standard():
            raise RedriveRefusedError(
                f"{self.state_machine_arn} is an Express workflow: Step Functions cannot redrive it"
            )

    def list_executions(
        self,
        *,
        status: str | None = None,
        since: datetime | None = None,
        workflow: str | None = None,
        limit: int = 100,
    ) -> list[ExecutionSummary]:
        """Newest first (ListExecutions order); stops paging once executions are older than `since`. `workflow`
        is not needed: the state machine ARN names the workflow."""
        found: list[ExecutionSummary] = []
        for item in self.iter_executions(status=status, page_size=min(limit, 1000)):
            start = aware(item["startDate"])
            if since is not None and start < since:
                break
            found.append(
                ExecutionSummary(
                    arn=item["executionArn"],
                    name=item["name"],
                    workflow=self.workflow,
                    status=item["status"],
                    start=start,
                    stop=aware(item["stopDate"]) if item.get("stopDate") else None,
                    redrive_count=int(item.get("redriveCount", 0)),
                )
            )
            if len(found) >= limit:
                break
        return found

    def iter_executions(self, *, status: str | None = None, page_size: int = 1000) -> Iterator[dict[str, Any]]:
        """ListExecutions' items, newest first, page after page (a page is fetched only when needed)."""
        kwargs: dict[str, Any] = {"stateMachineArn": self.state_machine_arn, "maxResults": page_size}
        if status:
            kwargs["statusFilter"] = status
        while True:
            page = self.client.list_executions(**kwargs)
            yield from page.get("executions", [])
            token = page.get("nextToken")
            if not token:
                return
            kwargs["nextToken"] = token

    def arn_for(self, execution_id: str) -> str:
        if execution_id.startswith("arn:"):
            return execution_id
        prefix = self.state_machine_arn.replace(":stateMachine:", ":execution:", 1)
        return f"{prefix}:{execution_id}"

    def describe_execution(self, execution_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self.client.describe_execution(executionArn=self.arn_for(execution_id))
        return result

    def history(self, execution_id: str) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"executionArn": self.arn_for(execution_id), "maxResults": 1000}
        while True:
            page = self.client.get_execution_history(**kwargs)
            events.extend(page.get("events", []))
            if not page.get("nextToken"):
                return events
            kwargs["nextToken"] = page["nextToken"]

    def redrive(self, execution_id: str, *, listener: Listener | None = None) -> Redriven:
        """Ask Step Functions to redrive; the run goes on there (`listener` has nothing to follow here)."""
        arn = self.arn_for(execution_id)
        try:
            answer = self.client.redrive_execution(executionArn=arn)
        except Exception as exc:  # botocore ClientError etc.: AWS's own reason (e.g. ExecutionNotRedrivable)
            raise RedriveRefusedError(str(exc), hint=REDRIVE_RULE) from exc
        return Redriven(arn, aware(answer["redriveDate"]))

    def stop(self, execution_id: str, *, cause: str = "stopped by request", error: str | None = None) -> datetime:
        """StopExecution: the execution ends ABORTED (redrivable within 14 days); returns the stop date.
        The cause is an operator's note: it lands in the execution history, so never a family's words."""
        extra = {"error": error[:256]} if error else {}
        answer = self.client.stop_execution(executionArn=self.arn_for(execution_id), cause=cause[:32768], **extra)
        return aware(answer["stopDate"])
