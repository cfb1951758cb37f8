"""What the console reads and does, behind one Protocol: the local execution store (through LocalRunner, as
the CLI) or AWS Step Functions (`--aws`, through boto3).

Actions follow AWS's rules in both: redrive only FAILED/ABORTED/TIMED_OUT executions of the last 14 days,
stop only RUNNING ones; a refused action raises `ActionRefusedError` saying why and changes nothing.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, Protocol

from familyplus.catalog import WORKFLOWS
from familyplus_local.console.filters import ExecutionFilter
from familyplus_local.executor import Execution, ExecutionNotRunningError
from familyplus_local.ops.executions import redrive_refusal
from familyplus_local.runtime.runner import LocalRunner
from familyplus_local.runtime.workflows import statemachines_dir


class ActionRefusedError(Exception):
    """Redrive or stop of an execution whose state does not allow it (nothing was changed)."""


class ConsoleBackend(Protocol):
    label: str

    def workflows(self) -> list[str]: ...

    def definition(self, workflow: str) -> dict[str, Any]: ...

    def list(self, where: ExecutionFilter, *, offset: int, limit: int) -> tuple[list[Execution], int]: ...

    def get(self, execution_id: str) -> Execution: ...

    def redrive(self, execution_id: str) -> str: ...

    def stop(self, execution_id: str) -> str: ...

    def close(self) -> None: ...


class LocalConsoleBackend:
    """The local store, as the CLI sees it. Redrives run on a small pool so a request returns at once and the
    page follows the execution live."""

    label = "local"

    #: How long a stop waits for the execution's process to end it ABORTED before answering.
    STOP_WAIT_SECONDS = 5.0

    def __init__(self, runner: LocalRunner, *, workers: int = 1) -> None:
        self.runner = runner
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="console")
        self._lock = threading.Lock()
        self._running: dict[str, Future[Execution]] = {}

    def workflows(self) -> list[str]:
        return [wf.name for wf in WORKFLOWS]

    def definition(self, workflow: str) -> dict[str, Any]:
        path = statemachines_dir() / f"{workflow}.asl.json"
        definition: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return definition

    def list(self, where: ExecutionFilter, *, offset: int, limit: int) -> tuple[list[Execution], int]:
        store = self.runner.executions
        args: dict[str, Any] = {
            "status": where.status,
            "since": where.since,
            "state_machine_name": where.workflow,
            "until": where.until,
            "response_id": where.response_id,
            "family_id": where.family_id,
            "search": where.search,
        }
        rows = store.list(**args, limit=limit, offset=offset, include_history=False)
        return rows, store.count(**args)

    def get(self, execution_id: str) -> Execution:
        return self.runner.executions.get(execution_id)

    def redrive(self, execution_id: str) -> str:
        execution = self.get(execution_id)
        refusal = redrive_refusal(execution.status, execution.start_date, datetime.now(UTC))
        with self._lock:
            busy = self._running.get(execution.execution_arn)
            if busy is not None and not busy.done():
                refusal = "a redrive of it is already running"
            if refusal:
                raise ActionRefusedError(f"cannot redrive {execution.name}: {refusal}")
            self._running[execution.execution_arn] = self.pool.submit(self.runner.redrive, execution.execution_arn)
        return f"redrive of {execution.name} started"

    def stop(self, execution_id: str) -> str:
        execution = self.get(execution_id)
        if execution.status != "RUNNING":
            raise ActionRefusedError(
                f"cannot stop {execution.name}: status {execution.status} (only RUNNING executions can be stopped)"
            )
        try:
            stopped = self.runner.stop(
                execution.execution_arn, cause="stopped from the console", wait_seconds=self.STOP_WAIT_SECONDS
            )
        except ExecutionNotRunningError as exc:  # it ended meanwhile
            raise ActionRefusedError(f"cannot stop {execution.name}: {exc}") from exc
        if stopped.status == "RUNNING":
            return f"stop of {execution.name} requested: it ends ABORTED at its next step"
        return f"{execution.name} stopped ({stopped.status})"

    def wait(self) -> None:
        """Block until every redrive started here has finished (tests, shutdown)."""
        for future in list(self._running.values()):
            future.result()

    def close(self) -> None:
        self.pool.shutdown(wait=True)
