"""Operations commands: executions list/show and (bulk) redrive, locally or on AWS (`--aws`); scheduled jobs
by hand; the daily-quote families; `serve` and `batch`. Registered on the `familyplus` app by cli.py.

Redrive follows AWS's rules in both modes: only FAILED, ABORTED or TIMED_OUT executions started within the
last 14 days (Standard workflows) can be redriven.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.table import Table

from familyplus.errors import ConfigurationError
from familyplus.models.keys import execution_name
from familyplus.models.quotes import DailyQuoteEvent, Family
from familyplus.stages import deliver_daily_quotes
from familyplus_local.aws_ops import REDRIVABLE, ExecutionSummary, StepFunctionsOps, redrive_refusal
from familyplus_local.display import LiveProgress, console, executions_table, history_table
from familyplus_local.executor import ExecutionNotFoundError, RedriveError
from familyplus_local.runtime.runner import LocalRunner

schedule_app = typer.Typer(no_args_is_help=True, help="Run a scheduled job by hand (as EventBridge Scheduler would).")
families_app = typer.Typer(no_args_is_help=True, help="Families that receive the daily quote.")

REDRIVE_RULE = (
    "Only FAILED, ABORTED or TIMED_OUT executions started in the last 14 days can be redriven "
    "(AWS Step Functions RedriveExecution rules, Standard workflows; applied locally too)."
)
_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}

Aws = Annotated[bool, typer.Option("--aws", help="Work on AWS Step Functions (boto3) instead of the local database.")]
StateMachineArn = Annotated[
    str | None,
    typer.Option(
        "--state-machine-arn",
        envvar="FAMILYPLUS_STATE_MACHINE_ARN",
        help="With --aws: the workflow's state machine ARN (or FAMILYPLUS_STATE_MACHINE_ARN).",
    ),
]
Since = Annotated[str | None, typer.Option(help="Only executions started within this long: 30m, 24h, 7d, 2w.")]


def parse_duration(text: str) -> timedelta:
    """'30m' → 30 minutes, '24h', '7d', '2w', '90s'; anything else raises ValueError naming the input."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"invalid duration {text!r}: use a number and a unit s/m/h/d/w, e.g. 30m, 24h, 7d")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def _fail(message: str) -> typer.Exit:
    console.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code=2)


def _since(text: str | None, now: datetime) -> datetime | None:
    if text is None:
        return None
    try:
        return now - parse_duration(text)
    except ValueError as exc:
        raise _fail(str(exc)) from exc


def _runner(verbose: bool = False) -> LocalRunner:
    try:
        return LocalRunner(verbose=verbose)
    except ConfigurationError as exc:
        raise _fail(str(exc)) from exc


def stepfunctions_client() -> Any:
    """boto3 Step Functions client (region and credentials from the usual AWS environment/profile)."""
    import boto3

    return boto3.client("stepfunctions")


def s3_client() -> Any:
    """boto3 S3 client (for `batch --aws` manifests; region and credentials from the AWS environment)."""
    import boto3

    return boto3.client("s3")


def _aws(state_machine_arn: str | None) -> StepFunctionsOps:
    if not state_machine_arn:
        raise _fail("--aws needs --state-machine-arn or FAMILYPLUS_STATE_MACHINE_ARN")
    return StepFunctionsOps(stepfunctions_client(), state_machine_arn)


def summaries_table(rows: list[ExecutionSummary], title: str = "executions (newest first)") -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("name", "workflow", "status", "started", "redrives"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row.name, row.workflow, row.status, row.start.strftime("%Y-%m-%d %H:%M:%S"), str(row.redrive_count)
        )
    return table


# --- executions ------------------------------------------------------------------------------------------


def executions_list(
    status: Annotated[str | None, typer.Option(help="SUCCEEDED, FAILED, TIMED_OUT, ABORTED, RUNNING.")] = None,
    since: Since = None,
    workflow: Annotated[str | None, typer.Option(help="Workflow name, e.g. process_response (local).")] = None,
    limit: int = 50,
    aws: Aws = False,
    state_machine_arn: StateMachineArn = None,
) -> None:
    """List executions, newest first."""
    started_after = _since(since, datetime.now(UTC))
    status = status.upper() if status else None
    if aws:
        ops = _aws(state_machine_arn)
        console.print(summaries_table(ops.list_executions(status=status, since=started_after, limit=limit)))
        return
    runner = _runner()
    try:
        rows = runner.executions.list(
            status=status, since=started_after, state_machine_name=workflow, limit=limit, include_history=False
        )
    except ValueError as exc:
        raise _fail(str(exc)) from exc
    console.print(executions_table(rows))


def executions_show(
    execution_id: Annotated[str, typer.Argument(help="Execution name or ARN.")],
    aws: Aws = False,
    state_machine_arn: StateMachineArn = None,
) -> None:
    """State by state: start, duration, attempts, errors."""
    if aws:
        ops = _aws(state_machine_arn)
        described = ops.describe(execution_id)
        console.print(
            f"[bold]{described['name']}[/] — {described['status']} (redrives: "
            f"{described.get('redriveCount', 0)}, redrive status: {described.get('redriveStatus', '—')})"
        )
        for event in ops.history(execution_id):
            details: Any = next((v for k, v in event.items() if k.endswith("EventDetails")), {})
            name = details.get("name", "") if isinstance(details, dict) else ""
            err = details.get("error", "") if isinstance(details, dict) else ""
            console.print(f"  {event['id']:>4} {event['type']:<32} {name} {err}")
        if described.get("error"):
            console.print(f"[red]{described['error']}[/]: {described.get('cause')}")
        return
    runner = _runner()
    try:
        execution = runner.executions.get(execution_id)
    except ExecutionNotFoundError as exc:
        raise _fail(str(exc)) from exc
    console.print(history_table(execution))
    if execution.error:
        console.print(f"[red]{execution.error}[/]: {execution.cause}")
    console.print(f"input: {json.dumps(execution.input)[:400]}")


# --- redrive ---------------------------------------------------------------------------------------------


def redrive(
    execution_id: Annotated[str | None, typer.Argument(help="One execution (name or ARN); omit for bulk.")] = None,
    status: Annotated[str | None, typer.Option(help="Bulk: FAILED, ABORTED or TIMED_OUT.")] = None,
    since: Since = None,
    workflow: Annotated[str | None, typer.Option(help="Bulk, local: only this workflow.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Bulk: list the matches, change nothing.")] = False,
    aws: Aws = False,
    state_machine_arn: StateMachineArn = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show the handlers' Powertools logs.")] = False,
) -> None:
    """Resume failed executions from the state that failed: one by ID, or in bulk with --status/--since.

    Only FAILED, ABORTED or TIMED_OUT executions started in the last 14 days can be redriven (AWS Step
    Functions rules for Standard workflows; the local executor applies the same rules)."""
    if execution_id is not None:
        if status or since or dry_run:
            raise _fail("give an execution ID or bulk options (--status/--since/--dry-run), not both")
        _redrive_one(execution_id, aws=aws, state_machine_arn=state_machine_arn, verbose=verbose)
        return
    if status is None:
        raise _fail("give an execution ID, or --status (FAILED, ABORTED or TIMED_OUT) for a bulk redrive")
    status = status.upper()
    if status not in REDRIVABLE:
        raise _fail(f"--status {status}: {REDRIVE_RULE}")
    now = datetime.now(UTC)
    started_after = _since(since, now)
    if aws:
        ops = _aws(state_machine_arn)
        if not ops.is_standard():
            raise _fail(f"{ops.state_machine_arn} is an Express workflow: Step Functions cannot redrive it")
        rows = ops.list_executions(status=status, since=started_after, limit=10_000)
    else:
        runner = _runner(verbose)
        rows = [
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
            for ex in runner.executions.list(
                status=status, since=started_after, state_machine_name=workflow, limit=10_000, include_history=False
            )
        ]
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
        if aws:
            try:
                when = ops.redrive(row.arn)
            except Exception as exc:  # botocore ClientError etc.: report it against the execution, go on
                still_failing += 1
                console.print(f"  [red]✗[/] {row.name}: {exc}")
                continue
            console.print(f"  [green]↻[/] {row.name} redriven at {when.isoformat()}")
        else:
            try:
                execution = runner.redrive(row.arn)
            except (ExecutionNotFoundError, RedriveError) as exc:
                still_failing += 1
                console.print(f"  [red]✗[/] {row.name}: {exc}")
                continue
            ok = execution.status == "SUCCEEDED"
            still_failing += not ok
            mark = "[green]✓[/]" if ok else "[red]✗[/]"
            console.print(f"  {mark} {row.name}: {execution.status} {execution.error or ''}")
    if still_failing:
        console.print(f"[bold red]{still_failing} of {len(matching)} did not succeed[/]")
        raise typer.Exit(code=1)


def _redrive_one(execution_id: str, *, aws: bool, state_machine_arn: str | None, verbose: bool) -> None:
    if aws:
        ops = _aws(state_machine_arn)
        try:
            when = ops.redrive(execution_id)
        except Exception as exc:  # botocore ClientError: AWS's own reason (e.g. ExecutionNotRedrivable)
            raise _fail(f"{exc}\n{REDRIVE_RULE}") from exc
        console.print(f"redriven at {when.isoformat()}: {ops.arn_for(execution_id)}")
        return
    from familyplus_local.cli import show_result  # cli imports this module: import late

    runner = _runner(verbose)
    try:
        previous = runner.executions.get(execution_id)
        refusal = redrive_refusal(previous.status, previous.start_date, datetime.now(UTC))
        if refusal:
            raise RedriveError(f"cannot redrive {previous.name}: {refusal}")
        execution = runner.redrive(execution_id, listener=LiveProgress())
    except (ExecutionNotFoundError, RedriveError) as exc:
        raise _fail(str(exc)) from exc
    show_result(runner, execution)
    if execution.status != "SUCCEEDED":
        raise typer.Exit(code=1)


# --- scheduled jobs and families ------------------------------------------------------------------------


JOBS = ("daily-quote", "daily-podcasts")


@schedule_app.command("run")
def schedule_run(
    job: Annotated[str, typer.Argument(help="daily-quote or daily-podcasts")],
    at: Annotated[
        str | None, typer.Option(help="daily-quote: pretend it is this instant (ISO 8601 with offset).")
    ] = None,
    family: Annotated[str | None, typer.Option(help="daily-quote: only this family.")] = None,
    limit: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=500,
            help="daily-podcasts: at most this many stories this run (never above FAMILYPLUS_DAILY_PODCAST_LIMIT).",
        ),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show the handlers' Powertools logs.")] = False,
) -> None:
    """Run a scheduled job once, now, as EventBridge Scheduler would: daily-quote through its Lambda handler's
    stage (or --at an instant), daily-podcasts as its workflow (podcasts for stories that have none)."""
    if job == "daily-podcasts":
        if at or family:
            raise _fail("--at and --family apply to daily-quote only")
        _run_daily_podcasts(limit, verbose)
        return
    if job != "daily-quote":
        raise _fail(f"unknown job {job!r}; known: {', '.join(JOBS)}")
    if limit is not None:
        raise _fail("--limit applies to daily-podcasts only")
    try:
        event = DailyQuoteEvent.model_validate({"now": at, "familyId": family} if at else {"familyId": family})
    except ValidationError as exc:
        raise _fail(f"--at/--family: {exc.errors()[0]['msg']}") from exc
    runner = _runner()
    output = deliver_daily_quotes.deliver(event, runner.adapters)
    console.print(
        f"daily-quote at {output.now}: {output.due} due, {output.sent} sent, {output.failed} failed "
        f"[dim](local hour {runner.settings.quote_send_hour:02d}:00 in each family's timezone; notifier "
        f"{runner.adapters.notifier.channel})[/]"
    )
    for r in output.results:
        console.print(f"  {r.family_id} {r.local_date}: {r.outcome} {r.error or ''}")
    if output.failed:
        raise typer.Exit(code=1)


def _run_daily_podcasts(limit: int | None, verbose: bool) -> None:
    runner = _runner(verbose)
    payload: dict[str, Any] = {"now": datetime.now(UTC).isoformat()}  # what the schedule sends
    if limit is not None:
        payload["limit"] = limit
    console.print("[bold]▶ daily_podcasts[/] [dim](batch lane: the Map starts at most 2 generate_podcast at a time)[/]")
    execution = runner.start("daily_podcasts", payload, listener=LiveProgress())
    if execution.status != "SUCCEEDED" or not isinstance(execution.output, dict):
        console.print(f"[bold red]{execution.status}[/] {execution.error}: {execution.cause}")
        raise typer.Exit(code=1)
    out = execution.output
    console.print(
        f"daily-podcasts: {out['selected']} stories without a podcast selected (oldest first, limit "
        f"{out['limit']}): {out['succeeded']} podcasts made, {out['failed']} failed"
    )
    for story_id in out["failedStories"]:
        console.print(
            f"  [red]✗[/] {story_id} [dim](familyplus executions list --status FAILED --workflow generate_podcast)[/]"
        )
    console.print(f"execution: {execution.execution_arn}")
    if out["failed"]:
        raise typer.Exit(code=1)


@families_app.command("add")
def families_add(
    family_id: str,
    timezone: Annotated[str, typer.Option(help="IANA timezone, e.g. Europe/Berlin.")],
    recipient: Annotated[str, typer.Option(help="Phone number (E.164) for SMS, or any address for the outbox.")],
    inactive: Annotated[bool, typer.Option("--inactive", help="Stop sending to this family.")] = False,
) -> None:
    """Add or update a family that receives the daily quote."""
    try:
        family = Family(id=family_id, timezone=timezone, recipient=recipient, active=not inactive)
    except ValidationError as exc:
        raise _fail("; ".join(f"{e['loc'][0]}: {e['msg']}" for e in exc.errors())) from exc
    _runner().adapters.families.upsert_family(family)
    console.print(f"{family.id}: {family.timezone}, {family.recipient}, {'active' if family.active else 'inactive'}")


@families_app.command("list")
def families_list() -> None:
    """Families and today's delivery status."""
    runner = _runner()
    table = Table(title="daily quote families", title_justify="left")
    for column in ("family", "timezone", "recipient", "active", "local now", "today"):
        table.add_column(column)
    now = datetime.now(UTC)
    for family in runner.adapters.families.list_families():
        from zoneinfo import ZoneInfo

        local = now.astimezone(ZoneInfo(family.timezone))
        today = runner.adapters.quote_ledger.get_delivery(family.id, date.fromisoformat(local.date().isoformat()))
        table.add_row(
            family.id,
            family.timezone,
            family.recipient,
            str(family.active),
            local.strftime("%H:%M"),
            today.status if today else "—",
        )
    console.print(table)


# --- serve and batch ------------------------------------------------------------------------------------


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8787,
    workers: Annotated[int, typer.Option(help="Executions run at the same time.")] = 2,
) -> None:
    """Local intake: POST /responses starts the workflow (202 + execution id); GET /executions/{id}."""
    from familyplus_local.serve import serve as run_server

    run_server(_runner(), host=host, port=port, workers=workers)


def batch(
    file: Annotated[
        Path, typer.Argument(help="JSON lines: one process_response input per line.", exists=True, dir_okay=False)
    ],
    concurrency: Annotated[int, typer.Option(min=1, max=32, help="Local: executions at the same time.")] = 2,
    aws: Aws = False,
    state_machine_arn: StateMachineArn = None,
    batch_state_machine_arn: Annotated[
        str | None,
        typer.Option(
            "--batch-state-machine-arn",
            envvar="FAMILYPLUS_BATCH_STATE_MACHINE_ARN",
            help="With --aws, above --threshold: the batch_responses state machine (default: derived from "
            "--state-machine-arn).",
        ),
    ] = None,
    bucket: Annotated[
        str | None,
        typer.Option(
            envvar="FAMILYPLUS_MEDIA_BUCKET",
            help="With --aws, above --threshold: S3 bucket for the manifest (the stack's MediaBucketName).",
        ),
    ] = None,
    threshold: Annotated[
        int,
        typer.Option(
            min=1,
            help="With --aws: up to this many lines, one StartExecution "
            "each; above, one Distributed Map over an S3 manifest.",
        ),
    ] = 100,
    rate: Annotated[
        float,
        typer.Option(
            min=0.1, max=300.0, help="With --aws: StartExecution calls per second at most (client-side token bucket)."
        ),
    ] = 2.0,
    tolerated_failure_percentage: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=100.0,
            help="Manifest path (--aws above --threshold, or --distributed): the batch fails "
            "only above this percentage of failed lines.",
        ),
    ] = 5.0,
    distributed: Annotated[
        bool,
        typer.Option(
            "--distributed",
            help="Local: run the file through the batch_responses Distributed Map, as --aws does above --threshold.",
        ),
    ] = False,
) -> None:
    """Process many responses: progress bar, bounded concurrency, summary; exit 1 if any failed.

    With --aws: up to --threshold lines are started one by one at most --rate per second; a larger file is
    uploaded as a manifest and processed by the batch_responses Distributed Map (5 at a time)."""
    if aws and distributed:
        raise _fail("give --aws or --distributed, not both (--aws takes the Distributed Map above --threshold)")
    if aws:
        from familyplus_local.aws_batch import AwsBatchOptions, run_aws_batch_command

        run_aws_batch_command(
            file,
            AwsBatchOptions(
                state_machine_arn=state_machine_arn,
                batch_state_machine_arn=batch_state_machine_arn,
                bucket=bucket,
                threshold=threshold,
                rate=rate,
                tolerated_failure_percentage=tolerated_failure_percentage,
            ),
            sfn=stepfunctions_client,
            s3=s3_client,
            fail=_fail,
        )
        return
    if distributed:
        _batch_distributed(file, tolerated_failure_percentage)
        return
    from familyplus_local.batch import run_batch, summary_table

    results = run_batch(_runner(), file, concurrency=concurrency, console=console)
    console.print(summary_table(results))
    if any(not r.ok for r in results):
        raise typer.Exit(code=1)


def _batch_distributed(file: Path, tolerated_failure_percentage: float) -> None:
    from familyplus_local.distributed_batch import run_distributed_batch

    runner = _runner()
    console.print("[bold]▶ batch_responses[/] [dim](Distributed Map over a local manifest, 5 at a time)[/]")
    batch = run_distributed_batch(runner, file, tolerated_failure_percentage=tolerated_failure_percentage)
    execution = batch.execution
    if execution.status == "SUCCEEDED":
        console.print(
            f"batch: {batch.succeeded} succeeded, {len(batch.failed)} failed (tolerated: "
            f"{tolerated_failure_percentage:g}%)"
        )
    else:
        console.print(f"[bold red]{execution.status}[/] {execution.error}: {execution.cause}")
    for record in batch.failed:
        line = json.loads(record.get("Input") or "{}")
        response_id = str(line.get("responseId", "?"))
        console.print(
            f"  [red]✗[/] {response_id}: {record.get('Error')} "
            f"[dim](familyplus executions show {execution_name(response_id)})[/]"
        )
    for invalid in batch.invalid:
        console.print(f"  [red]✗[/] line {invalid.line} not sent: {invalid.reason}")
    console.print(f"execution: {execution.execution_arn}")
    if execution.status != "SUCCEEDED" or batch.failed or batch.invalid:
        raise typer.Exit(code=1)
