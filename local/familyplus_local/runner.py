"""The local composition root: workflows + in-process Lambdas + the executor + persistence.

`LocalRunner` is what the CLI (and the e2e tests) use to start, inspect and redrive executions on one
machine, with no AWS account: the same `.asl.json` files, the same handlers, the local adapters.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from familyplus import bootstrap
from familyplus.catalog import WORKFLOWS
from familyplus.settings import Settings, load_settings
from familyplus_local.executor import (
    Clock,
    DirectoryObjectStore,
    Execution,
    ExecutionNotFoundError,
    HistoryEvent,
    SqliteExecutionStore,
    TaskError,
    execution_arn,
    load_definition,
    redrive_execution,
    run_state_machine,
)
from familyplus_local.lambda_runtime import LocalLambda, prepare_environment, substitutions
from familyplus_local.workflows import load_workflow

Listener = Callable[[HistoryEvent], None]


class ExecutionExistsError(ValueError):
    """Raised when an execution name is reused with a different input (AWS: ExecutionAlreadyExists)."""


class LocalRunner:
    def __init__(
        self,
        settings: Settings | None = None,
        *,
        adapters: bootstrap.Adapters | None = None,
        clock: Clock | None = None,
        verbose: bool = False,
    ) -> None:
        prepare_environment(verbose=verbose)
        self.settings = settings or load_settings()
        self.adapters = adapters or bootstrap.Adapters(self.settings)
        bootstrap.install(self.adapters)
        self.clock = clock
        self.lambdas = LocalLambda()
        self.executions = SqliteExecutionStore(self.settings.database_path)
        # Distributed Map's ItemReader/ResultWriter (S3 on AWS): buckets are folders under <data_dir>/s3.
        self.objects = DirectoryObjectStore(self.settings.data_dir / "s3")
        self._values = substitutions()
        self._arn_to_workflow = {self._values[wf.arn_key]: wf.name for wf in WORKFLOWS}

    def definition(self, workflow: str) -> Any:
        return load_definition(load_workflow(workflow, self._values))

    def start(
        self,
        workflow: str,
        payload: dict[str, Any],
        *,
        name: str | None = None,
        listener: Listener | None = None,
    ) -> Execution:
        """Run an execution to its end and persist it (history is appended live, event by event)."""
        if name is None:
            name = str(uuid.uuid4())
        else:
            existing = self.find(name, workflow)
            if existing is not None:
                # AWS StartExecution: same name and input → the same execution; different input → refused.
                if existing.input == payload:
                    return existing
                raise ExecutionExistsError(f"execution {name!r} of {workflow} already exists with a different input")
        return self._persisted(
            execution_arn(workflow, name),
            listener,
            lambda on_event: run_state_machine(
                self.definition(workflow),
                payload,
                invoke=self.lambdas.invoke,
                start_execution=self._start_child,
                objects=self.objects,
                clock=self.clock,
                name=name,
                state_machine_name=workflow,
                listener=on_event,
            ),
        )

    def redrive(self, execution_id: str, *, listener: Listener | None = None) -> Execution:
        """Resume a failed execution from the state that failed (AWS RedriveExecution semantics)."""
        previous = self.executions.get(execution_id)
        return self._persisted(
            previous.execution_arn,
            listener,
            lambda on_event: redrive_execution(
                self.definition(previous.state_machine_name),
                previous,
                invoke=self.lambdas.invoke,
                start_execution=self._start_child,
                objects=self.objects,
                clock=self.clock,
                listener=on_event,
            ),
        )

    def find(self, name: str, workflow: str) -> Execution | None:
        """The execution of `workflow` named `name`, or None."""
        try:
            return self.executions.get(name, state_machine_name=workflow)
        except ExecutionNotFoundError:
            return None

    def _persisted(self, arn: str, listener: Listener | None, run: Callable[[Listener], Execution]) -> Execution:
        persist = self.executions.listener(arn)  # live: a crash mid-run still leaves its history

        def on_event(event: HistoryEvent) -> None:
            persist(event)
            if listener is not None:
                listener(event)

        execution = run(on_event)
        self.executions.save(execution)
        return execution

    def _start_child(self, arn: str, payload: Any, name: str | None, wait: bool) -> dict[str, Any]:
        """`states:startExecution` locally: the child runs in process, to its end, before the parent goes on."""
        workflow = self._arn_to_workflow.get(arn)
        if workflow is None:
            raise TaskError("StateMachineDoesNotExist", f"no local workflow for {arn}")
        child_input = json.loads(payload) if isinstance(payload, str) else payload
        if name is not None and self.find(name, workflow) is not None:
            # As the states:startExecution integration does for a closed execution of that name.
            raise TaskError(
                "StepFunctions.ExecutionAlreadyExistsException",
                f"Execution Already Exists: '{execution_arn(workflow, name)}'",
            )
        child = self.start(workflow, child_input, name=name)
        if not wait:
            return {"ExecutionArn": child.execution_arn, "StartDate": child.start_date.isoformat()}
        if child.status != "SUCCEEDED":
            raise TaskError(
                "States.TaskFailed",
                json.dumps(
                    {
                        "ExecutionArn": child.execution_arn,
                        "Status": child.status,
                        "Error": child.error,
                        "Cause": child.cause,
                    }
                ),
            )
        return {
            "ExecutionArn": child.execution_arn,
            "Output": child.output,
            "Status": child.status,
            "StartDate": child.start_date.isoformat(),
            "StopDate": (child.stop_date or datetime.now(UTC)).isoformat(),
        }
