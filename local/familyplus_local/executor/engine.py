"""Public entry points: `run_state_machine` and `redrive_execution`."""

from __future__ import annotations

import contextlib
import json
import random
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from .clock import Clock, SystemClock
from .context import Invoke, RunContext, StartExecution
from .definition import StateMachine, load_definition
from .errors import (
    STATES_TIMEOUT,
    AbortedSignal,
    ExecutionTimedOutSignal,
    MissingHookError,
    RedriveError,
    StatesFailure,
)
from .history import ABORTED, FAILED, RUNNING, SUCCEEDED, TIMED_OUT, Execution, HistoryEvent, Recorder
from .names import execution_arn, validate_name
from .objects import ObjectStore
from .redrive import completed_work, resume_point, resume_variables
from .states.machine import run_machine

Definition = StateMachine | str | Path | Mapping[str, Any]
Listener = Callable[[HistoryEvent], None]


def run_state_machine(
    definition: Definition,
    input: Any,
    *,
    invoke: Invoke,
    start_execution: StartExecution | None = None,
    objects: ObjectStore | None = None,
    clock: Clock | None = None,
    name: str | None = None,
    state_machine_name: str = "local",
    listener: Listener | None = None,
    rng: random.Random | None = None,
    max_workers: int = 8,
    stop: threading.Event | None = None,
) -> Execution:
    """Run a state machine to completion in this process and return the finished Execution.

    Hooks: `invoke(function, payload)` runs Lambda functions; `start_execution(arn, input, name, wait)` runs
    `states:startExecution` tasks; `objects` (an ObjectStore: `get_object(bucket, key) -> bytes`,
    `put_object(bucket, key, data)`) serves a distributed Map's ItemReader and ResultWriter.

    Raises DefinitionError (bad definition), MissingHookError (e.g. startExecution used without
    `start_execution`, an ItemReader/ResultWriter without `objects`), InvalidNameError (bad name) or
    ValueError (input not JSON) before anything runs; failures *of the workflow* are reported in the returned
    Execution (status FAILED/TIMED_OUT).

    `stop`: set it (from any thread) to stop the run, as StopExecution does: it ends ABORTED at its next
    step; a task already running finishes first.
    """
    machine = _prepare(definition, invoke, start_execution, objects, max_workers)
    validate_name(state_machine_name, "state machine name")
    name = validate_name(name if name is not None else str(uuid.uuid4()))
    clock = clock or SystemClock()
    data = _json_copy(input)
    started = clock.now()
    execution = Execution(
        execution_arn=execution_arn(state_machine_name, name),
        name=name,
        state_machine_name=state_machine_name,
        status=RUNNING,
        input=data,
        start_date=started,
    )
    recorder = Recorder(execution, clock, listener)
    recorder.emit("ExecutionStarted", input=data)
    hooks = _Hooks(invoke, start_execution, objects)
    return _drive(
        machine, execution, recorder, hooks, clock, rng, max_workers, machine.start_at, data, started, stop=stop
    )


def redrive_execution(
    definition: Definition,
    execution: Execution,
    *,
    invoke: Invoke,
    start_execution: StartExecution | None = None,
    objects: ObjectStore | None = None,
    clock: Clock | None = None,
    listener: Listener | None = None,
    rng: random.Random | None = None,
    max_workers: int = 8,
    stop: threading.Event | None = None,
) -> Execution:
    """Resume a FAILED / TIMED_OUT / ABORTED execution in place (same ARN and name, history kept,
    redrive_count + 1, an ExecutionRedriven event appended) and run it to completion; returns `execution`.

    Resumes at the top-level state where it stopped, with that state's input; see `redrive` for how a Fail
    reached through a Catch is handled and which Parallel/Map work runs again. The execution TimeoutSeconds
    counts from the redrive. Raises RedriveError if the execution is SUCCEEDED or RUNNING.
    """
    if execution.status not in (FAILED, TIMED_OUT, ABORTED):
        raise RedriveError(
            f"execution {execution.execution_arn} is {execution.status}: only FAILED, TIMED_OUT "
            "or ABORTED executions can be redriven"
        )
    machine = _prepare(definition, invoke, start_execution, objects, max_workers)
    state, data = resume_point(machine, execution)
    completed = completed_work(machine, execution, state)  # read before this run's events are added
    clock = clock or SystemClock()
    now = clock.now()
    execution.status, execution.output, execution.error, execution.cause = RUNNING, None, None, None
    execution.stop_date, execution.redrive_date = None, now
    execution.redrive_count += 1
    recorder = Recorder(execution, clock, listener)
    recorder.emit("ExecutionRedriven", state=state, input=data)
    hooks = _Hooks(invoke, start_execution, objects)
    return _drive(
        machine,
        execution,
        recorder,
        hooks,
        clock,
        rng,
        max_workers,
        state,
        data,
        now,
        resume_variables(execution),
        stop=stop,
        completed=completed,
    )


@dataclass(frozen=True)
class _Hooks:
    invoke: Invoke
    start_execution: StartExecution | None
    objects: ObjectStore | None


def _prepare(
    definition: Definition,
    invoke: Invoke,
    start_execution: StartExecution | None,
    objects: ObjectStore | None,
    max_workers: int,
) -> StateMachine:
    machine = definition if isinstance(definition, StateMachine) else load_definition(definition)
    if not callable(invoke):
        raise MissingHookError("invoke must be a callable (function name or ARN, payload) -> result")
    if machine.uses_start_execution and start_execution is None:
        raise MissingHookError(
            "the definition uses arn:aws:states:::states:startExecution but no start_execution "
            "hook was given (start_execution=(state_machine_arn, input, name, wait) -> dict)"
        )
    if machine.uses_objects and objects is None:
        raise MissingHookError(
            "the definition has a distributed Map with an ItemReader (s3:getObject) or a ResultWriter "
            "(s3:putObject) but no objects hook was given (objects=DirectoryObjectStore(root), or any object "
            "with get_object(bucket, key) -> bytes and put_object(bucket, key, data))"
        )
    if objects is not None and not (
        callable(getattr(objects, "get_object", None)) and callable(getattr(objects, "put_object", None))
    ):
        raise MissingHookError("objects must have get_object(bucket, key) and put_object(bucket, key, data)")
    if not isinstance(max_workers, int) or max_workers < 1:
        raise ValueError(f"max_workers must be a positive integer, got {max_workers!r}")
    return machine


def _json_copy(value: Any) -> Any:
    try:
        return json.loads(json.dumps(value))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"execution input must be JSON-serialisable: {exc}") from None


def _drive(
    machine: StateMachine,
    execution: Execution,
    recorder: Recorder,
    hooks: _Hooks,
    clock: Clock,
    rng: random.Random | None,
    max_workers: int,
    start_at: str,
    data: Any,
    started: datetime,
    variables: dict[str, Any] | None = None,
    stop: threading.Event | None = None,
    completed: dict[str, Any] | None = None,
) -> Execution:
    rc = RunContext(
        machine,
        execution,
        invoke=hooks.invoke,
        start_execution=hooks.start_execution,
        objects=hooks.objects,
        clock=clock,
        rng=rng or random.Random(),
        max_workers=max_workers,
        recorder=recorder,
        started=started,
        state_loop=run_machine,
        variables=variables,
        stop=stop,
        completed=completed,
    )

    def finish(status: str, event: str, **fields: Any) -> None:
        execution.status, execution.stop_date = status, clock.now()
        execution.output = fields.get("output")
        execution.error, execution.cause = fields.get("error"), fields.get("cause")
        recorder.emit(event, **fields)

    try:
        output = run_machine(rc, machine, data, rc.root, start_at)
    except StatesFailure as failure:
        finish(FAILED, "ExecutionFailed", error=failure.error or None, cause=failure.located_cause or failure.cause)
    except ExecutionTimedOutSignal:
        finish(
            TIMED_OUT,
            "ExecutionTimedOut",
            error=STATES_TIMEOUT,
            cause=f"The execution timed out after {machine.timeout_seconds:g} seconds",
        )
    except AbortedSignal:
        finish(ABORTED, "ExecutionAborted", error="States.Aborted", cause="the execution was stopped")
    except BaseException as exc:  # KeyboardInterrupt, a failing listener, a bug: record, stop branches, re-raise
        rc.root.cancel.cancel()
        with contextlib.suppress(Exception):  # the original exception is what the caller must see
            finish(ABORTED, "ExecutionAborted", error=type(exc).__name__, cause=str(exc) or None)
        raise
    else:
        finish(SUCCEEDED, "ExecutionSucceeded", output=output)
    return execution
