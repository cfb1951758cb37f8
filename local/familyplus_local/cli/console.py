"""`console`: the operations console in the browser (`familyplus_local.console`)."""

from __future__ import annotations

from typing import Annotated

import typer

from familyplus_local.cli import common
from familyplus_local.cli.common import Verbose


def console_command(
    host: Annotated[str, typer.Option(help="Interface to listen on (beyond 127.0.0.1 a --token is required).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(help="TCP port.")] = 8788,
    token: Annotated[
        str | None,
        typer.Option(envvar="FAMILYPLUS_CONSOLE_TOKEN", help="Required by every request (needed off 127.0.0.1)."),
    ] = None,
    aws: common.Aws = False,
    state_machine_arn: common.StateMachineArn = None,
    verbose: Verbose = False,
) -> None:
    """The operations console in the browser: executions, their graphs, redrive/stop, metrics, workflows.
    Local executions, or with --aws those of the deployed stack (from its process_response ARN)."""
    from familyplus_local.aws_clients import AwsSetupError, client
    from familyplus_local.console.aws_backend import AwsConsoleBackend
    from familyplus_local.console.backend import ConsoleBackend, LocalConsoleBackend
    from familyplus_local.console.server import ConsoleSecurityError, check_binding, run_console

    try:
        check_binding(host, token)
    except ConsoleSecurityError as exc:
        raise common.fail(str(exc)) from exc
    backend: ConsoleBackend
    if aws:
        if not state_machine_arn:
            raise common.fail("--aws needs --state-machine-arn (process_response's) or FAMILYPLUS_STATE_MACHINE_ARN")
        try:
            backend = AwsConsoleBackend(client("stepfunctions", state_machine_arn), state_machine_arn)
        except AwsSetupError as exc:
            raise common.fail(str(exc)) from exc
    else:
        backend = LocalConsoleBackend(common.runner(verbose))
    try:
        run_console(backend, host=host, port=port, token=token)
    finally:
        backend.close()
