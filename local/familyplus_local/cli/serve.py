"""`serve`: the local intake endpoint (`familyplus_local.serve`)."""

from __future__ import annotations

from typing import Annotated

import typer

from familyplus_local.cli import common
from familyplus_local.serve import DEFAULT_WORKERS


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8787,
    workers: Annotated[int, typer.Option(help="Executions run at the same time.")] = DEFAULT_WORKERS,
) -> None:
    """Local intake: POST /responses starts the workflow (202 + execution id); GET /executions/{id}."""
    from familyplus_local.serve import serve as run_server

    run_server(common.runner(), host=host, port=port, workers=workers)
