"""What every command shares: the error exit, the local runner, the options of the `--aws` commands, and the
one place that picks where executions are operated (`executions_backend`: this machine or Step Functions).

Commands call these through the module (`common.runner()`), so tests can replace one for every command."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Annotated, Any

import typer

from familyplus.errors import ConfigurationError
from familyplus_local.console.aws_backend import AwsConsoleBackend
from familyplus_local.console.backend import ConsoleBackend, LocalConsoleBackend
from familyplus_local.display import console
from familyplus_local.ops.executions import ExecutionsBackend
from familyplus_local.runtime.runner import LocalRunner

Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="Show the handlers' Powertools logs.")]
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
Json = Annotated[bool, typer.Option("--json", help="Print JSON (for scripts and jq) instead of a table.")]

_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def fail(message: str) -> typer.Exit:
    """Print the error and give the exit to raise (code 2: the command was given something it cannot use)."""
    console.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code=2)


def runner(verbose: bool = False) -> LocalRunner:
    try:
        return LocalRunner(verbose=verbose)
    except ConfigurationError as exc:
        raise fail(str(exc)) from exc


def parse_duration(text: str) -> timedelta:
    """'30m' → 30 minutes, '24h', '7d', '2w', '90s'; anything else raises ValueError naming the input."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"invalid duration {text!r}: use a number and a unit s/m/h/d/w, e.g. 30m, 24h, 7d")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def since(text: str | None, now: datetime) -> datetime | None:
    """The start of a `--since` window ending `now`; a bad duration fails the command."""
    if text is None:
        return None
    try:
        return now - parse_duration(text)
    except ValueError as exc:
        raise fail(str(exc)) from exc


def stepfunctions_client(arn: str | None = None) -> Any:
    """boto3 Step Functions client: the region from the ARN, AWS_REGION or the profile (aws_clients); no region
    or no credentials fail the command in one line."""
    return aws_client("stepfunctions", arn)


def s3_client(arn: str | None = None) -> Any:
    """boto3 S3 client (for `batch --aws` manifests and recordings), in the region of the state machine."""
    return aws_client("s3", arn)


def aws_client(service: str, arn: str | None = None) -> Any:
    from familyplus_local import aws_clients

    try:
        return aws_clients.client(service, arn)
    except aws_clients.AwsSetupError as exc:
        raise fail(str(exc)) from exc


@contextmanager
def aws_errors() -> Iterator[None]:
    """An AWS error a user can fix (no credentials, no region, access denied…) as one line, not a traceback."""
    from familyplus_local.aws_clients import describe_aws_error

    try:
        yield
    except Exception as exc:
        line = describe_aws_error(exc)
        if line is None:
            raise
        raise fail(line) from exc


def console_backend(aws: bool, state_machine_arn: str | None, verbose: bool = False) -> ConsoleBackend:
    """Where executions are listed with every filter and read with their whole history (the console's own
    backend): the local store, or the Step Functions stack of the process_response `state_machine_arn`."""
    if not aws:
        return LocalConsoleBackend(runner(verbose))
    if not state_machine_arn:
        raise fail("--aws needs --state-machine-arn or FAMILYPLUS_STATE_MACHINE_ARN")
    return AwsConsoleBackend(stepfunctions_client(state_machine_arn), state_machine_arn)


def executions_backend(aws: bool, state_machine_arn: str | None, verbose: bool = False) -> ExecutionsBackend:
    """The local execution store, or with `--aws` the Step Functions state machine `state_machine_arn`."""
    if not aws:
        from familyplus_local.ops.local import LocalExecutions

        return LocalExecutions(runner(verbose))
    if not state_machine_arn:
        raise fail("--aws needs --state-machine-arn or FAMILYPLUS_STATE_MACHINE_ARN")
    from familyplus_local.ops.stepfunctions import StepFunctionsExecutions

    return StepFunctionsExecutions(stepfunctions_client(state_machine_arn), state_machine_arn)
