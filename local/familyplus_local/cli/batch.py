"""`batch FILE.jsonl`: many responses at once — here a bounded number at a time, here through the
batch_responses Distributed Map (`--distributed`), or on AWS (`--aws`); progress, a summary, exit code 1 if
any line failed."""

from __future__ import annotations

import json
from pathlib import Path
from types import TracebackType
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from familyplus.models.keys import BATCH_RESULTS_PREFIX, execution_name
from familyplus_local.cli import common
from familyplus_local.cli.common import Aws, StateMachineArn
from familyplus_local.display import console
from familyplus_local.ops.batch.aws import (
    DEFAULT_RATE,
    DEFAULT_THRESHOLD,
    AwsBatchOptions,
    BatchConfigurationError,
    run_aws_batch,
)
from familyplus_local.ops.batch.distributed import run_distributed_batch
from familyplus_local.ops.batch.lines import DEFAULT_TOLERATED_FAILURE_PERCENTAGE, LineResult
from familyplus_local.ops.batch.local import DEFAULT_CONCURRENCY, run_batch


def batch(
    file: Annotated[
        Path, typer.Argument(help="JSON lines: one process_response input per line.", exists=True, dir_okay=False)
    ],
    concurrency: Annotated[
        int, typer.Option(min=1, max=32, help="Local: executions at the same time.")
    ] = DEFAULT_CONCURRENCY,
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
    ] = DEFAULT_THRESHOLD,
    rate: Annotated[
        float,
        typer.Option(
            min=0.1, max=300.0, help="With --aws: StartExecution calls per second at most (client-side token bucket)."
        ),
    ] = DEFAULT_RATE,
    tolerated_failure_percentage: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=100.0,
            help="Manifest path (--aws above --threshold, or --distributed): the batch fails "
            "only above this percentage of failed lines.",
        ),
    ] = DEFAULT_TOLERATED_FAILURE_PERCENTAGE,
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
        raise common.fail("give --aws or --distributed, not both (--aws takes the Distributed Map above --threshold)")
    if aws:
        _batch_aws(
            file,
            AwsBatchOptions(
                state_machine_arn=state_machine_arn,
                batch_state_machine_arn=batch_state_machine_arn,
                bucket=bucket,
                threshold=threshold,
                rate=rate,
                tolerated_failure_percentage=tolerated_failure_percentage,
            ),
        )
        return
    if distributed:
        _batch_distributed(file, tolerated_failure_percentage)
        return
    with _LineProgress() as progress:
        results = run_batch(common.runner(), file, concurrency=concurrency, progress=progress)
    console.print(summary_table(results))
    if any(not r.ok for r in results):
        raise typer.Exit(code=1)


def _batch_distributed(file: Path, tolerated_failure_percentage: float) -> None:
    runner = common.runner()
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


def _batch_aws(path: Path, options: AwsBatchOptions) -> None:
    """`run_aws_batch` with progress and a summary; exit code 1 when a line failed."""
    progress = Progress(
        TextColumn("[bold]batch --aws"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    )
    sfn = common.stepfunctions_client(options.state_machine_arn)
    try:
        with common.aws_errors(), progress:
            task = progress.add_task("start", total=None)
            report = run_aws_batch(
                path,
                options,
                sfn=sfn,
                s3=lambda: common.s3_client(options.state_machine_arn),
                on_result=lambda _: progress.update(task, advance=1),
            )
    except BatchConfigurationError as exc:
        raise common.fail(str(exc)) from exc
    submission = report.submission
    if submission is None:
        started = [r for r in report.results if r.ok]
        console.print(
            f"{len(started)} execution(s) started or found (response-<id>), at most {options.rate:g}/s "
            f"[dim](waited {report.slept:.1f} s for the rate limit)[/]"
        )
    else:
        verb = "started (or already running)" if submission.started else f"ran before ({submission.status})"
        console.print(
            f"manifest s3://{submission.bucket}/{submission.key} ({submission.lines} lines, above "
            f"--threshold {options.threshold}): batch_responses {verb}\n  {submission.execution_arn}\n"
            f"  results: s3://{submission.bucket}/{BATCH_RESULTS_PREFIX}/<map run id>/ when it ends; "
            f"follow it with `familyplus executions show {submission.execution_arn} --aws "
            "--state-machine-arn <batch_responses ARN>`"
        )
    console.print(summary_table(report.results))
    if report.failed:
        raise typer.Exit(code=1)


class _LineProgress:
    """The local batch's progress bar: one step per line, the last line's outcome beside it."""

    def __init__(self) -> None:
        self._bar = Progress(
            TextColumn("[bold]batch"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[last]}"),
            TimeElapsedColumn(),
            console=console,
        )
        self._task: TaskID | None = None

    def __enter__(self) -> _LineProgress:
        self._bar.__enter__()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._bar.__exit__(kind, error, trace)

    def begin(self, lines: int, done: int) -> None:
        self._task = self._bar.add_task("batch", total=lines, completed=done, last="")

    def advance(self, result: LineResult) -> None:
        assert self._task is not None
        self._bar.update(self._task, advance=1, last=f"line {result.line} {'ok' if result.ok else 'FAILED'}")


def summary_table(results: list[LineResult]) -> Table:
    failed = [r for r in results if not r.ok]
    table = Table(title=f"batch: {len(results) - len(failed)} succeeded, {len(failed)} failed", title_justify="left")
    for column in ("line", "response", "execution", "reason"):
        table.add_column(column)
    for r in failed:
        table.add_row(str(r.line), r.response_id or "—", r.execution or "—", r.reason or "")
    return table
