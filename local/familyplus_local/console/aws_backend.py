"""The console on AWS Step Functions (`familyplus console --aws`): the deployed workflows' executions through
boto3, read into the same `Execution` as local ones (`stepfunctions_history`).

The stack names its state machines `<prefix>-<workflow>` (infra/workflows.py), so the process_response ARN
gives every sibling's. ListExecutions carries no input: a family filter describes each candidate (at most
`FAMILY_SCAN` of them, newest first), a response filter matches the `response-<id>` execution names.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from familyplus.catalog import WORKFLOWS
from familyplus_local.aws_clients import region_from_arn
from familyplus_local.console.backend import ActionRefusedError
from familyplus_local.console.filters import ExecutionFilter
from familyplus_local.executor import Execution, ExecutionNotFoundError
from familyplus_local.ops.executions import redrive_refusal
from familyplus_local.ops.stepfunctions import StepFunctionsExecutions, aware, client_error_code
from familyplus_local.stepfunctions_history import execution_from_stepfunctions

PROCESS_SUFFIX = "-process-response"
FAMILY_SCAN = 200


def sibling_arns(process_arn: str) -> dict[str, str]:
    """Every workflow's state machine ARN in the stack of `process_arn`."""
    if not process_arn.endswith(PROCESS_SUFFIX):
        return {"process_response": process_arn}
    stem = process_arn.removesuffix(PROCESS_SUFFIX)
    return {wf.name: f"{stem}-{wf.name.replace('_', '-')}" for wf in WORKFLOWS}


class AwsConsoleBackend:
    """The console's reads and actions over every workflow of one stack; the Step Functions calls themselves
    (paging, ARNs, redrive, stop) are `StepFunctionsExecutions`', shared with the CLI."""

    def __init__(self, client: Any, process_arn: str) -> None:
        self.client = client
        self.arns = sibling_arns(process_arn)
        self.machines = {name: StepFunctionsExecutions(client, arn) for name, arn in self.arns.items()}
        self.workflow_of = {arn: name for name, arn in self.arns.items()}
        self.label = f"AWS Step Functions ({region_from_arn(process_arn) or 'default region'})"
        self._definitions: dict[str, dict[str, Any]] = {}

    def workflows(self) -> list[str]:
        return list(self.arns)

    def definition(self, workflow: str) -> dict[str, Any]:
        """The deployed definition (DescribeStateMachine), once per console run."""
        if workflow not in self._definitions:
            arn = self.arns.get(workflow)
            described = self.client.describe_state_machine(stateMachineArn=arn) if arn else {}
            self._definitions[workflow] = json.loads(described.get("definition") or '{"StartAt": "", "States": {}}')
        return self._definitions[workflow]

    def _listed(self, workflow: str, where: ExecutionFilter) -> list[Execution]:
        found: list[Execution] = []
        try:
            for item in self.machines[workflow].iter_executions(status=where.status):
                start = aware(item["startDate"])
                if where.since and start < where.since:
                    break
                found.append(
                    Execution(
                        execution_arn=item["executionArn"],
                        name=item["name"],
                        state_machine_name=workflow,
                        status=item["status"],
                        input=None,
                        start_date=start,
                        stop_date=aware(item["stopDate"]) if item.get("stopDate") else None,
                        redrive_count=int(item.get("redriveCount", 0)),
                    )
                )
        except Exception as exc:
            if client_error_code(exc) != "StateMachineDoesNotExist":  # else: not deployed in this stack
                raise
        return found

    def _summaries(self, where: ExecutionFilter) -> list[Execution]:
        workflows = [where.workflow] if where.workflow else list(self.arns)
        found = [row for workflow in workflows if workflow in self.machines for row in self._listed(workflow, where)]
        rows = [
            e
            for e in found
            if (where.until is None or e.start_date < where.until)
            and (where.search is None or where.search in e.name)
            and (where.response_id is None or e.name.startswith(f"response-{where.response_id}"))
        ]
        rows.sort(key=lambda e: e.start_date, reverse=True)
        if where.family_id is not None:
            kept = []
            for row in rows[:FAMILY_SCAN]:
                data = _json(self.client.describe_execution(executionArn=row.execution_arn).get("input"))
                if isinstance(data, dict) and data.get("familyId") == where.family_id:
                    row.input = data
                    kept.append(row)
            rows = kept
        return rows

    def list(self, where: ExecutionFilter, *, offset: int, limit: int) -> tuple[list[Execution], int]:
        rows = self._summaries(where)
        return rows[offset : offset + limit], len(rows)

    def _arn(self, execution_id: str) -> str:
        if execution_id.startswith("arn:"):
            return execution_id
        for machine in self.machines.values():
            candidate = machine.arn_for(execution_id)
            try:
                machine.describe_execution(candidate)
            except Exception as exc:
                if client_error_code(exc) == "ExecutionDoesNotExist":  # try the next workflow
                    continue
                raise
            return candidate
        raise ExecutionNotFoundError(f"no execution named {execution_id!r} in {', '.join(self.arns)}")

    def _machine(self) -> StepFunctionsExecutions:
        """Any workflow's calls serve an execution ARN (the ARN names its state machine)."""
        return next(iter(self.machines.values()))

    def get(self, execution_id: str) -> Execution:
        arn = self._arn(execution_id)
        machine = self._machine()
        try:
            described = machine.describe_execution(arn)
        except Exception as exc:
            if client_error_code(exc) == "ExecutionDoesNotExist":
                raise ExecutionNotFoundError(f"no execution {execution_id!r}") from exc
            raise
        execution = execution_from_stepfunctions(described, machine.history(arn))
        execution.state_machine_name = self.workflow_of.get(described.get("stateMachineArn", ""), execution.name)
        return execution

    def redrive(self, execution_id: str) -> str:
        execution = self.get(execution_id)
        refusal = redrive_refusal(execution.status, execution.start_date, datetime.now(UTC))
        if refusal:
            raise ActionRefusedError(f"cannot redrive {execution.name}: {refusal}")
        try:
            self.client.redrive_execution(executionArn=execution.execution_arn)
        except Exception as exc:  # Step Functions' own refusal (ExecutionNotRedrivable, …): say it, change nothing
            raise ActionRefusedError(f"cannot redrive {execution.name}: {exc}") from exc
        return f"redrive of {execution.name} started on Step Functions"

    def stop(self, execution_id: str) -> str:
        execution = self.get(execution_id)
        if execution.status != "RUNNING":
            raise ActionRefusedError(
                f"cannot stop {execution.name}: status {execution.status} (only RUNNING executions can be stopped)"
            )
        self._machine().stop(execution.execution_arn, error="Console.Stopped", cause="stopped from the Family+ console")
        return f"{execution.name} stopped (ABORTED)"

    def close(self) -> None:
        """Nothing to release (boto3 clients need no closing)."""


def _json(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return None
