"""`executions list`, `executions show` and `redrive`, on this machine or (`--aws`) on Step Functions: each
goes through the `ExecutionsBackend` that `common.executions_backend` picks.

Redrive follows AWS's rules in both: only FAILED, ABORTED or TIMED_OUT executions started within the last 14
days (Standard workflows) can be redriven.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import singledispatch
from typing import Annotated, Any

import typer
from rich.table import Table

from familyplus_local.cli import common
from familyplus_local.cli.common import Aws, Since, StateMachineArn, Verbose
from familyplus_local.cli.run import show_result
from familyplus_local.display import LiveProgress, console, history_table
from familyplus_local.executor import Execution, ExecutionNotFoundError
from familyplus_local.ops.executions import (
    REDRIVABLE,
    REDRIVE_RULE,
    ExecutionsBackend,
    ExecutionSummary,
    RedriveRefusedError,
    StepFunctionsDescription,
    redrive_refusal,
)

executions_app = typer.Typer(no_args_is_help=True, help="Inspect executions (like the Step Functions console).")


@executions_app.command("list")
def executions_list(
    status: Annotated[str | None, typer.Option(help="SUCCEEDED, FAILED, TIMED_OUT, ABORTED, RUNNING.")] = None,
    since: Since = None,
    workflow: Annotated[str | None, typer.Option(help="Workflow name, e.g. process_response (local).")] = None,
    limit: int = 50,
    aws: Aws = False,
    state_machine_arn: StateMachineArn = None,
) -> None:
    """List executions, newest first."""
    started_after = common.since(since, datetime.now(UTC))
    status = status.upper() if status else None
    backend = common.executions_backend(aws, state_machine_arn)
    try:
        rows = backend.list_executions(status=status, since=started_after, workflow=workflow, limit=limit)
    except ValueError as exc:
        raise common.fail(str(exc)) from exc
    console.print(summaries_table(rows, backend.columns))


@executions_app.command("show")
def executions_show(
    execution_id: Annotated[str, typer.Argument(help="Execution name or ARN.")],
    aws: Aws = False,
    state_machine_arn: StateMachineArn = None,
) -> None:
    """State by state: start, duration, attempts, errors."""
    backend = common.executions_backend(aws, state_machine_arn)
    try:
        described = backend.describe(execution_id)
    except ExecutionNotFoundError as exc:
        raise common.fail(str(exc)) from exc
    _show(described)


@singledispatch
def _show(described: Any) -> None:
    raise TypeError(f"no view of {type(described).__name__}")


@_show.register
def _show_local(execution: Execution) -> None:
    console.print(history_table(execution))
    if execution.error:
        console.print(f"[red]{execution.error}[/]: {execution.cause}")
    console.print(f"input: {json.dumps(execution.input)[:400]}")


@_show.register
def _show_stepfunctions(description: StepFunctionsDescription) -> None:
    described = description.described
    console.print(
        f"[bold]{described['name']}[/] — {described['status']} (redrives: "
        f"{described.get('redriveCount', 0)}, redrive status: {described.get('redriveStatus', '—')})"
    )
    for event in description.events:
        details: Any = next((v for k, v in event.items() if k.endswith("EventDetails")), {})
        name = details.get("name", "") if isinstance(details, dict) else ""
        err = details.get("error", "") if isinstance(details, dict) else ""
        console.print(f"  {event['id']:>4} {event['type']:<32} {name} {err}")
    if described.get("error"):
        console.print(f"[red]{described['error']}[/]: {described.get('cause')}")


def redrive(
    execution_id: Annotated[str | None, typer.Argument(help="One execution (name or ARN); omit for bulk.")] = None,
    status: Annotated[str | None, typer.Option(help="Bulk: FAILED, ABORTED or TIMED_OUT.")] = None,
    since: Since = None,
    workflow: Annotated[str | None, typer.Option(help="Bulk, local: only this workflow.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Bulk: list the matches, change nothing.")] = False,
    aws: Aws = False,
    state_machine_arn: StateMachineArn = None,
    verbose: Verbose = False,
) -> None:
    """Resume failed executions from the state that failed: one by ID, or in bulk with --status/--since.

    Only FAILED, ABORTED or TIMED_OUT executions started in the last 14 days can be redriven (AWS Step
    Functions rules for Standard workflows; the local executor applies the same rules)."""
    if execution_id is not None:
        if status or since or dry_run:
            raise common.fail("give an execution ID or bulk options (--status/--since/--dry-run), not both")
        _redrive_one(common.executions_backend(aws, state_machine_arn, verbose), execution_id, verbose)
        return
    if status is None:
        raise common.fail("give an execution ID, or --status (FAILED, ABORTED or TIMED_OUT) for a bulk redrive")
    status = status.upper()
    if status not in REDRIVABLE:
        raise common.fail(f"--status {status}: {REDRIVE_RULE}")
    now = datetime.now(UTC)
    started_after = common.since(since, now)
    backend = common.executions_backend(aws, state_machine_arn, verbose)
    try:
        backend.check_redrivable_workflow()
    except RedriveRefusedError as exc:
        raise common.fail(str(exc)) from exc
    rows = backend.list_executions(status=status, since=started_after, workflow=workflow, limit=10_000)
    matching = [r for r in rows if redrive_refusal(r.status, r.start, now) is None]
    skipped = [r for r in rows if redrive_refusal(r.status, r.start, now) is not None]
    console.print(f"[dim]{REDRIVE_RULE}[/]")
    if skipped:
        console.print(f"[yellow]{len(skipped)} older than 14 days skipped[/] ({', '.join(r.name for r in skipped)})")
    verb = "would redrive" if dry_run else "redriving"
    console.print(summaries_table(matching, title=f"{verb} {len(matching)} execution(s)"))
    if dry_run or not matching:
        return
    still_failing = 0
    for row in matching:
        try:
            redriven = backend.redrive(row.arn)
        except RedriveRefusedError as exc:  # reported against the execution; the others go on
            still_failing += 1
            console.print(f"  [red]✗[/] {row.name}: {exc}")
            continue
        if redriven.execution is None:  # accepted: it runs on in Step Functions
            console.print(f"  [green]↻[/] {row.name} redriven at {redriven.date.isoformat()}")
            continue
        still_failing += not redriven.succeeded
        mark = "[green]✓[/]" if redriven.succeeded else "[red]✗[/]"
        console.print(f"  {mark} {row.name}: {redriven.execution.status} {redriven.execution.error or ''}")
    if still_failing:
        console.print(f"[bold red]{still_failing} of {len(matching)} did not succeed[/]")
        raise typer.Exit(code=1)


def _redrive_one(backend: ExecutionsBackend, execution_id: str, verbose: bool) -> None:
    try:
        redriven = backend.redrive(execution_id, listener=LiveProgress())
    except RedriveRefusedError as exc:
        raise common.fail(f"{exc}\n{exc.hint}" if exc.hint else str(exc)) from exc
    if redriven.execution is None:  # accepted: it runs on in Step Functions
        console.print(f"redriven at {redriven.date.isoformat()}: {redriven.arn}")
        return
    show_result(common.runner(verbose), redriven.execution)
    if not redriven.succeeded:
        raise typer.Exit(code=1)


REDRIVE_COLUMNS = ("name", "workflow", "status", "started", "redrives")


def summaries_table(
    rows: list[ExecutionSummary],
    columns: tuple[str, ...] = REDRIVE_COLUMNS,
    title: str = "executions (newest first)",
) -> Table:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column)
    for row in rows:
        cells = {
            "name": row.name,
            "workflow": row.workflow,
            "status": row.status,
            "started": row.start.strftime("%Y-%m-%d %H:%M:%S"),
            "duration": f"{(row.stop - row.start).total_seconds():.2f}s" if row.stop else "—",
            "redrives": str(row.redrive_count),
            "error": row.error or "",
        }
        table.add_row(*(cells[column] for column in columns))
    return table
