"""The local composition root: workflows + in-process Lambdas + the executor + persistence.

`LocalRunner` is what the CLI (and the e2e tests) use to start, inspect and redrive executions on one
machine, with no AWS account: the same `.asl.json` files, the same handlers, the local adapters. The runner
hands its adapters to the handlers it invokes (`LocalLambda`); nothing goes through a process-wide global.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from familyplus import bootstrap
from familyplus.errors import ExecutionAlreadyExistsError
from familyplus.faults import FaultPlan
from familyplus.settings import Settings, load_settings
from familyplus_local import executor
from familyplus_local.executor import (
    ABORTED,
    FAILED,
    RUNNING,
    TIMED_OUT,
    Clock,
    DirectoryObjectStore,
    Execution,
    ExecutionNotFoundError,
    HistoryEvent,
    Lease,
    LeaseKeeper,
    Owner,
    SqliteExecutionStore,
    StateMachine,
    TaskError,
    execution_arn,
    redrive_execution,
    run_state_machine,
)
from familyplus_local.executor.leases import DEFAULT_HEARTBEAT_SECONDS, DEFAULT_LEASE_SECONDS
from familyplus_local.runtime.lambdas import LocalLambda, prepare_environment, substitutions
from familyplus_local.runtime.workflows import WorkflowRegistry

Listener = Callable[[HistoryEvent], None]
_RUN_STARTS = ("ExecutionStarted", "ExecutionRedriven")


class LocalRunner:
    def __init__(
        self,
        settings: Settings | None = None,
        *,
        adapters: bootstrap.Adapters | None = None,
        clock: Clock | None = None,
        verbose: bool = False,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
        heartbeat_seconds: float = DEFAULT_HEARTBEAT_SECONDS,
    ) -> None:
        prepare_environment(verbose=verbose)
        self.settings = settings or load_settings()
        self.adapters = adapters or bootstrap.build(self.settings)
        self.clock = clock
        self.lambdas = LocalLambda(self.adapters, faults=FaultPlan.parse(self.settings.faults))
        self.executions = SqliteExecutionStore(self.settings.database_path)
        # This process owns the executions it starts: it renews their leases while they run, so that another
        # process can tell when it was killed and record them ABORTED (then redrivable).
        self.owner = Owner.this_process()
        self.lease_seconds = lease_seconds
        self.heartbeat_seconds = heartbeat_seconds
        self._running: dict[str, threading.Event] = {}  # this process's executions: their stop events
        # Distributed Map's ItemReader/ResultWriter (S3 on AWS): buckets are folders under <data_dir>/s3.
        self.objects = DirectoryObjectStore(self.settings.data_dir / "s3")
        self.workflows = WorkflowRegistry(substitutions())

    def definition(self, workflow: str) -> StateMachine:
        return self.workflows.definition(workflow)

    def start(
        self,
        workflow: str,
        payload: dict[str, Any],
        *,
        name: str | None = None,
        listener: Listener | None = None,
    ) -> Execution:
        """Run an execution to its end and persist it (history is appended live, event by event).

        AWS StartExecution's rule for a name in use: the same input returns that execution, another input is
        refused (ExecutionAlreadyExistsError) — also when two processes start the same name at the same moment.
        While another live execution of `workflow` works on the same response, the start is refused
        (SubjectBusyError): two runs of one response would mix their results."""
        if name is None:
            return self._run(workflow, payload, str(uuid.uuid4()), listener)
        existing = self.find(name, workflow)
        if existing is not None:
            return self._same_input(existing, workflow, payload)
        return self._run(workflow, payload, name, listener)

    def start_new(
        self, workflow: str, payload: dict[str, Any], *, name: str, listener: Listener | None = None
    ) -> Execution:
        """Run a new execution named `name`, or `name-2`, `name-3`, … when that name was used before (a replay of
        the same input): each name is looked up once."""
        candidate, n = name, 1
        while self.find(candidate, workflow) is not None:
            n += 1
            candidate = f"{name}-{n}"
        return self._run(workflow, payload, candidate, listener)

    def _run(self, workflow: str, payload: dict[str, Any], name: str, listener: Listener | None) -> Execution:
        try:
            return self._persisted(
                execution_arn(workflow, name),
                listener,
                self._lease(payload),
                lambda on_event, stop: run_state_machine(
                    self.definition(workflow),
                    payload,
                    invoke=self.lambdas.invoke,
                    start_execution=self._start_child,
                    objects=self.objects,
                    clock=self.clock,
                    name=name,
                    state_machine_name=workflow,
                    listener=on_event,
                    stop=stop,
                ),
            )
        except executor.ExecutionAlreadyExistsError:  # another process started this name first (the store refused)
            existing = self.find(name, workflow)
            if existing is None:
                raise
            return self._same_input(existing, workflow, payload)

    def start_or_resume(
        self, workflow: str, payload: dict[str, Any], *, name: str, listener: Listener | None = None
    ) -> Execution:
        """`start`, except that an execution of that name and input which was stopped or orphaned (ABORTED)
        is redriven: work that was accepted once is not lost when the process running it was killed."""
        existing = self.find(name, workflow)
        if existing is not None and existing.status == ABORTED and existing.input == payload:
            return self.redrive(existing.execution_arn, listener=listener)
        return self.start(workflow, payload, name=name, listener=listener)

    def redrive(self, execution_id: str, *, listener: Listener | None = None) -> Execution:
        """Resume a failed execution from the state that failed (AWS RedriveExecution semantics)."""
        previous = self.executions.get(execution_id)
        return self._persisted(
            previous.execution_arn,
            listener,
            self._lease(previous.input),
            lambda on_event, stop: redrive_execution(
                self.definition(previous.state_machine_name),
                previous,
                invoke=self.lambdas.invoke,
                start_execution=self._start_child,
                objects=self.objects,
                clock=self.clock,
                listener=on_event,
                stop=stop,
            ),
        )

    def stop(self, execution_id: str, *, cause: str = "stopped by request", wait_seconds: float = 0.0) -> Execution:
        """StopExecution, locally: the execution ends ABORTED (then it can be redriven).

        An execution run by a live process is asked to stop — that process stops it at its next step, within
        a heartbeat — and, with `wait_seconds`, this call waits for that; one whose process is gone is
        recorded ABORTED at once. Raises ExecutionNotFoundError, or ExecutionNotRunningError if it ended."""
        arn = self.executions.get(execution_id).execution_arn
        self.executions.stop(arn, cause)
        mine = self._running.get(arn)
        if mine is not None:  # run by this process: no need to wait for its heartbeat
            mine.set()
        deadline = time.monotonic() + wait_seconds
        while True:
            execution = self.executions.get(arn)
            if execution.status != RUNNING or time.monotonic() >= deadline:
                return execution
            time.sleep(min(0.1, self.heartbeat_seconds))

    def _same_input(self, existing: Execution, workflow: str, payload: dict[str, Any]) -> Execution:
        if existing.input == payload:
            return existing
        raise ExecutionAlreadyExistsError(
            f"execution {existing.name!r} of {workflow} already exists with a different input"
        )

    def _lease(self, payload: Any) -> Lease:
        response_id = payload.get("responseId") if isinstance(payload, dict) else None
        subject = f"response {response_id}" if isinstance(response_id, str) and response_id else None
        return Lease(self.owner, self.lease_seconds, subject)

    def find(self, name: str, workflow: str) -> Execution | None:
        """The execution of `workflow` named `name`, or None."""
        try:
            return self.executions.get(name, state_machine_name=workflow)
        except ExecutionNotFoundError:
            return None

    def _persisted(
        self,
        arn: str,
        listener: Listener | None,
        lease: Lease,
        run: Callable[[Listener, threading.Event], Execution],
    ) -> Execution:
        persist = self.executions.listener(arn, lease)  # live: a crash mid-run still leaves its history
        stop = threading.Event()

        def on_event(event: HistoryEvent) -> None:
            persist(event)
            if listener is not None:
                listener(event)

        keeper = LeaseKeeper(
            lambda: self.executions.heartbeat(arn, lease.owner),
            lambda _why: stop.set(),
            interval=self.heartbeat_seconds,
        )
        self._running[arn] = stop
        try:
            with keeper:
                execution = run(on_event, stop)
        finally:
            self._running.pop(arn, None)
        self.executions.save(execution)
        self._record_uncaught_end(execution)
        return execution

    def _record_uncaught_end(self, execution: Execution) -> None:
        """An execution that ended FAILED, TIMED_OUT or ABORTED without passing through MarkFailed — a
        States.Runtime error (which no Catch on States.ALL catches), the execution timeout, a stop — would
        leave its response `processing` for ever. Record it as the Catch would have, with the same payload.
        (On AWS an EventBridge rule on the execution's status change does this.)"""
        if execution.status not in (FAILED, TIMED_OUT, ABORTED):
            return
        begin = max((i for i, e in enumerate(execution.history) if e.type in _RUN_STARTS), default=0)
        if any(e.type == "TaskStateEntered" and e.state == "MarkFailed" for e in execution.history[begin:]):
            return
        if "MarkFailed" not in self.definition(execution.state_machine_name).states:
            return
        payload = {"input": execution.input, "error": execution.error, "cause": execution.cause}
        with contextlib.suppress(Exception):  # best effort: the execution's own record stands regardless
            self.lambdas.invoke(substitutions()["MarkFailedFunctionArn"], payload)

    def _start_child(self, arn: str, payload: Any, name: str | None, wait: bool) -> dict[str, Any]:
        """`states:startExecution` locally: the child runs in process, to its end, before the parent goes on."""
        workflow = self.workflows.workflow_for_arn(arn)
        if workflow is None:
            raise TaskError("StateMachineDoesNotExist", f"no local workflow for {arn}")
        child_input = json.loads(payload) if isinstance(payload, str) else payload
        if name is not None and self.find(name, workflow) is not None:
            # As the states:startExecution integration does for a closed execution of that name.
            raise TaskError(
                "StepFunctions.ExecutionAlreadyExistsException",
                f"Execution Already Exists: '{execution_arn(workflow, name)}'",
            )
        child = self._run(workflow, child_input, name if name is not None else str(uuid.uuid4()), None)
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
