"""`executions list`, `executions show` and `redrive`, on this machine or (`--aws`) on Step Functions: each
goes through the `ExecutionsBackend` that `common.executions_backend` picks.

Redrive follows AWS's rules in both: only FAILED, ABORTED or TIMED_OUT executions started within the last 14
days (Standard workflows) can be redriven.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich import box
from rich.table import Table

from familyplus_local.cli import common
from familyplus_local.cli.common import Aws, Json, Since, StateMachineArn, Verbose
from familyplus_local.cli.run import show_result
from familyplus_local.console.backend import ActionRefusedError
from familyplus_local.console.filters import ExecutionFilter, FilterError
from familyplus_local.display import console
from familyplus_local.executor import ExecutionNotFoundError, ExecutionNotRunningError
from familyplus_local.ops.executions import (
    REDRIVABLE,
    REDRIVE_RULE,
    ExecutionsBackend,
    ExecutionSummary,
    RedriveRefusedError,
    redrive_refusal,
)
from familyplus_local.terminal import (
    LiveProgress,
    execution_detail_json,
    execution_footer,
    execution_summary_json,
    executions_table,
    history_table,
    print_json,
)

executions_app = typer.Typer(no_args_is_help=True, help="Inspect executions (like the Step Functions console).")


VerboseCauses = Annotated[bool, typer.Option("--verbose", "-v", help="Whole causes, stack traces included.")]


@executions_app.command("list")
def executions_list(
    status: Annotated[str | None, typer.Option(help="SUCCEEDED, FAILED, TIMED_OUT, ABORTED, RUNNING.")] = None,
    since: Since = None,
    workflow: Annotated[str | None, typer.Option(help="Workflow name, e.g. process_response.")] = None,
    response: Annotated[str | None, typer.Option("--response", help="Only this response id's executions.")] = None,
    family: Annotated[str | None, typer.Option("--family", help="Only this family id's executions.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    as_json: Json = False,
    aws: Aws = False,
    state_machine_arn: StateMachineArn = None,
) -> None:
    """List executions, newest first (whole names: they are what show, redrive and stop take)."""
    try:
        where = ExecutionFilter.parse(
            workflow=workflow, status=status, since=since, response_id=response, family_id=family
        )
    except FilterError as exc:
        raise common.fail(f"--{exc}") from exc
    with common.aws_errors():
        rows, _ = common.console_backend(aws, state_machine_arn).list(where, offset=0, limit=limit)
    if as_json:
        print_json([execution_summary_json(row) for row in rows])
        return
    console.print(executions_table(rows))


@executions_app.command("show")
def executions_show(
    execution_id: Annotated[str, typer.Argument(help="Execution name or ARN.")],
    as_json: Json = False,
    verbose: VerboseCauses = False,
    aws: Aws = False,
    state_machine_arn: StateMachineArn = None,
) -> None:
    """State by state: start, duration, attempts and outcome — a caught failure is shown as a failure (on
    Step Functions too: its history is read into the same view)."""
    with common.aws_errors():
        try:
            execution = common.console_backend(aws, state_machine_arn).get(execution_id)
        except ExecutionNotFoundError as exc:
            raise common.fail(str(exc)) from exc
    if as_json:
        print_json(execution_detail_json(execution, verbose=verbose))
        return
    console.print(history_table(execution, verbose=verbose))
    footer = execution_footer(execution, verbose=verbose)
    if footer:
        console.print(footer)


def stop(
    execution_id: Annotated[str, typer.Argument(help="Execution name or ARN.")],
    cause: Annotated[str, typer.Option(help="A note for the history (an operator's words, never a family's).")] = (
        "stopped with familyplus stop"
    ),
    aws: Aws = False,
    state_machine_arn: StateMachineArn = None,
) -> None:
    """Stop a RUNNING execution: it ends ABORTED (and can be redriven later), like StopExecution."""
    if aws:
        with common.aws_errors():
            try:
                message = common.console_backend(True, state_machine_arn).stop(execution_id)
            except (ActionRefusedError, ExecutionNotFoundError) as exc:
                raise common.fail(str(exc)) from exc
        console.print(message)
        return
    try:
        stopped = common.runner().stop(execution_id, cause=cause, wait_seconds=10.0)
    except (ExecutionNotFoundError, ExecutionNotRunningError) as exc:
        raise common.fail(str(exc)) from exc
    if stopped.status == "RUNNING":
        console.print(f"stop of {stopped.name} requested: its process ends it ABORTED at its next step")
    else:
        console.print(f"{stopped.name}: {stopped.status}")


def tasks(as_json: Json = False, aws: Aws = False, state_machine_arn: StateMachineArn = None) -> None:
    """The workflows and stages: from the catalog and the ASL files, or with --aws as deployed."""
    from familyplus_local.tasks import as_json as tasks_json
    from familyplus_local.tasks import deployed_catalog, local_catalog

    if aws:
        if not state_machine_arn:
            raise common.fail("--aws needs --state-machine-arn or FAMILYPLUS_STATE_MACHINE_ARN")
        sfn = common.stepfunctions_client(state_machine_arn)
        lambdas = common.aws_client("lambda", state_machine_arn)
        with common.aws_errors():
            try:
                workflows, stages = deployed_catalog(sfn, lambdas, state_machine_arn)
            except ValueError as exc:
                raise common.fail(str(exc)) from exc
    else:
        workflows, stages = local_catalog()
    if as_json:
        print_json(tasks_json(workflows, stages))
        return
    extra = ("deployed",) if aws else ()
    table = Table(title="workflows", title_justify="left", box=box.SIMPLE_HEAD)
    for column in ("workflow", "task states", *extra):
        table.add_column(column, overflow="fold")
    for w in workflows:
        deployed = (w.deployed or "",) if aws else ()
        table.add_row(f"{w.name}\n[dim]{w.definition}[/]", ", ".join(w.task_states), *deployed)
    console.print(table)
    table = Table(title="stages (one Lambda function each)", title_justify="left", box=box.SIMPLE_HEAD)
    for column in ("stage", "state", "memory", "timeout", "needs", *extra):
        table.add_column(column, overflow="fold")
    for st in stages:
        deployed = (st.deployed or "",) if aws else ()
        table.add_row(st.name, st.state, f"{st.memory_mb} MB", f"{st.timeout_s} s", ", ".join(st.needs), *deployed)
    console.print(table)


def redrive(
    execution_id: Annotated[str | None, typer.Argument(help="One execution (name or ARN); omit for bulk.")] = None,
    status: Annotated[str | None, typer.Option(help="Bulk: FAILED, ABORTED or TIMED_OUT.")] = None,
    since: Since = None,
    workflow: Annotated[str | None, typer.Option(help="Bulk, local: only this workflow.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Bulk: list the matches, change nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Bulk: print the matches and outcomes as JSON.")] = False,
    aws: Aws = False,
    state_machine_arn: StateMachineArn = None,
    verbose: Verbose = False,
) -> None:
    """Resume failed executions from the state that failed: one by ID, or in bulk with --status/--since.

    Only FAILED, ABORTED or TIMED_OUT executions started in the last 14 days can be redriven (AWS Step
    Functions rules for Standard workflows; the local executor applies the same rules)."""
    if execution_id is not None:
        if status or since or dry_run or as_json:
            raise common.fail("give an execution ID or bulk options (--status/--since/--dry-run/--json), not both")
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
    if as_json:
        _bulk_redrive_json(backend, matching, skipped, dry_run=dry_run)
        return
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


def _bulk_redrive_json(
    backend: ExecutionsBackend, matching: list[ExecutionSummary], skipped: list[ExecutionSummary], *, dry_run: bool
) -> None:
    """The bulk redrive for scripts: what matched, what the 14-day window skipped and, unless a dry run, each
    redrive's outcome (`status` None: accepted, running on in Step Functions). Exit 1 when any did not succeed."""
    outcomes: list[dict[str, object]] = []
    for row in [] if dry_run else matching:
        try:
            redriven = backend.redrive(row.arn)
        except RedriveRefusedError as exc:
            outcomes.append({"name": row.name, "executionArn": row.arn, "redriven": False, "reason": str(exc)})
            continue
        ended = redriven.execution
        outcomes.append(
            {
                "name": row.name,
                "executionArn": redriven.arn,
                "redriven": True,
                "redriveDate": redriven.date.isoformat(),
                "status": ended.status if ended else None,
                "error": ended.error if ended else None,
            }
        )
    print_json(
        {
            "rule": REDRIVE_RULE,
            "dryRun": dry_run,
            "matching": [_summary_json(r) for r in matching],
            "skipped": [_summary_json(r) for r in skipped],
            "results": outcomes,
        }
    )
    if any(not o["redriven"] or o.get("status") not in (None, "SUCCEEDED") for o in outcomes):
        raise typer.Exit(code=1)


def _summary_json(row: ExecutionSummary) -> dict[str, object]:
    return {
        "executionArn": row.arn,
        "name": row.name,
        "workflow": row.workflow,
        "status": row.status,
        "startDate": row.start.isoformat(),
        "redriveCount": row.redrive_count,
    }


def _redrive_one(backend: ExecutionsBackend, execution_id: str, verbose: bool) -> None:
    try:
        with LiveProgress(console, verbose=verbose) as progress:
            redriven = backend.redrive(execution_id, listener=progress)
    except RedriveRefusedError as exc:
        raise common.fail(f"{exc}\n{exc.hint}" if exc.hint else str(exc)) from exc
    if redriven.execution is None:  # accepted: it runs on in Step Functions
        console.print(f"redriven at {redriven.date.isoformat()}: {redriven.arn}")
        return
    show_result(common.runner(verbose), redriven.execution, verbose=verbose)
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
