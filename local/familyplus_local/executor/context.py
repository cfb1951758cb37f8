"""Per-run machinery shared by the state implementations: the run context (hooks, clock, deadline, events,
the state loop), frames (where a state runs: nesting path, cancellation, Map item) and the context object
(`$$`)."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .clock import Clock, is_real_time, iso_millis
from .definition.model import Machine, StateMachine
from .errors import AbortedSignal, ExecutionTimedOutSignal, StatesFailure
from .expressions.env import Env
from .history import Execution, HistoryEvent, Recorder
from .names import state_machine_arn
from .objects import ObjectStore
from .variables import Scope

Invoke = Callable[[str, Any], Any]
StartExecution = Callable[[str, Any, str | None, bool], dict[str, Any]]

# The state loop (`states.machine.run_machine`), handed to the run context by the engine so that composite
# states (Parallel, Map) run their branches without importing the loop that dispatches to them.
StateLoop = Callable[["RunContext", Machine, Any, "Frame", str | None], Any]

_SLEEP_SLICE = 0.25  # real sleeps are sliced so that a failed sibling branch can stop a Wait promptly


class CancelToken:
    """Set when a sibling branch/iteration failed or the run was interrupted; inherited by nested scopes."""

    __slots__ = ("_event", "parent")

    def __init__(self, parent: CancelToken | None = None, *, event: threading.Event | None = None):
        # `event`: set from outside the run to stop it (StopExecution); the root token of a run may take one.
        self._event = event if event is not None else threading.Event()
        self.parent = parent

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        token: CancelToken | None = self
        while token is not None:
            if token._event.is_set():
                return True
            token = token.parent
        return False


@dataclass(frozen=True)
class ChildExecution:
    """A child workflow execution of a distributed Map: what `$$.Execution` / `$$.StateMachine` show in it."""

    arn: str
    name: str
    input: Any
    start: datetime
    state_machine_arn: str
    state_machine_name: str


@dataclass(frozen=True)
class Frame:
    """Where states run: `prefix` of event paths ("" at top level, "Analyze/branch 0/", "ChunkMap/3/"),
    the cancellation token of the enclosing branch, the Map item (index, value) if inside a Map, and the
    child execution if inside a distributed Map."""

    prefix: str
    cancel: CancelToken
    map_item: tuple[int, Any] | None = None
    child: ChildExecution | None = None
    scope: Scope = field(default_factory=Scope)  # the workflow variables states here read and assign


class RunContext:
    def __init__(
        self,
        machine: StateMachine,
        execution: Execution,
        *,
        invoke: Invoke,
        start_execution: StartExecution | None,
        objects: ObjectStore | None = None,
        clock: Clock,
        rng: random.Random,
        max_workers: int,
        recorder: Recorder,
        started: datetime,
        state_loop: StateLoop,
        variables: dict[str, Any] | None = None,
        completed: dict[str, Any] | None = None,
        stop: threading.Event | None = None,
    ):
        self.machine = machine
        self.execution = execution
        self.invoke = invoke
        self.start_execution = start_execution
        self.objects = objects
        self.clock = clock
        self.rng = rng
        self.max_workers = max_workers
        self.recorder = recorder
        self.deadline = started + timedelta(seconds=machine.timeout_seconds) if machine.timeout_seconds else None
        self.root = Frame("", CancelToken(event=stop), scope=Scope(values=variables))
        self._machine_arn = state_machine_arn(execution.state_machine_name)
        self._state_loop = state_loop
        self._entered_ids: dict[str, int] = {}
        # On a redrive: outputs of the resumed Parallel's branches / Map's iterations that already succeeded,
        # by event path ("Analyze/branch 0", "ChunkMap/3"); each is used once instead of running it again.
        self.completed: dict[str, Any] = dict(completed or {})

    def run_machine(self, machine: Machine, data: Any, frame: Frame, start_at: str | None = None) -> Any:
        """Run a branch or item processor from its StartAt (or `start_at`, a redriven child execution's state)
        in `frame`; returns its output (failures raise)."""
        return self._state_loop(self, machine, data, frame, start_at)

    # ---- events ----
    def emit(
        self, type: str, frame: Frame, state: str, attempt: int = 0, path: str | None = None, **fields: Any
    ) -> HistoryEvent:
        """Record an event of `state` running in `frame` (its path is the frame prefix + the state name)."""
        path = frame.prefix + state if path is None else path
        event = self.recorder.emit(type, state=state, path=path, attempt=attempt, **fields)
        if type.endswith("StateEntered"):
            self._entered_ids[path] = event.id  # AWS's error messages name the event that entered the state
        return event

    def evaluation_failed(self, frame: Frame, state: str, failure: StatesFailure, attempt: int = 0) -> None:
        """Record EvaluationFailed for a States.QueryEvaluationError of `state`; its cause, and the execution's if
        it fails the run, begin as AWS's do: "An error occurred while executing the state 'X' (entered at the
        event id #N)." (the innermost state that failed, once)."""
        if failure.located_cause is None:
            entered = self._entered_ids.get(frame.prefix + state)
            where = f" (entered at the event id #{entered})" if entered is not None else ""
            failure.located_cause = f"An error occurred while executing the state '{state}'{where}. {failure.cause}"
        self.emit("EvaluationFailed", frame, state, attempt=attempt, error=failure.error, cause=failure.located_cause)

    # ---- time ----
    def check(self, frame: Frame) -> None:
        """Stop here if the execution timed out or this branch was cancelled."""
        if frame.cancel.cancelled:
            raise AbortedSignal()
        if self.deadline is not None and self.clock.now() > self.deadline:
            raise ExecutionTimedOutSignal()

    def remaining(self) -> float | None:
        if self.deadline is None:
            return None
        return (self.deadline - self.clock.now()).total_seconds()

    def sleep(self, seconds: float, frame: Frame) -> None:
        """Sleep on the clock, but never past the execution deadline and (on real clocks) stop early when
        the branch is cancelled."""
        remaining = self.remaining()
        times_out = remaining is not None and seconds > remaining
        if times_out:
            seconds = max(0.0, remaining or 0.0)
        if not is_real_time(self.clock):
            self.clock.sleep(seconds)
        else:
            while seconds > 0:
                if frame.cancel.cancelled:
                    raise AbortedSignal()
                step = min(seconds, _SLEEP_SLICE)
                self.clock.sleep(step)
                seconds -= step
        if times_out:
            raise ExecutionTimedOutSignal()
        self.check(frame)

    # ---- context object ----
    def env(self, frame: Frame, state: str, entered: datetime, retry_count: int | None = None) -> Env:
        """The environment of one step of `state`. `retry_count` is given by the states that can retry (Task,
        Parallel, Map): AWS shows `$$.State.RetryCount` only there, and leaves it out of Pass, Choice, Wait,
        Succeed and Fail."""

        def context() -> dict[str, Any]:
            execution, child = self.execution, frame.child
            ctx: dict[str, Any] = {
                "Execution": {
                    "Id": child.arn if child else execution.execution_arn,
                    "Name": child.name if child else execution.name,
                    "Input": child.input if child else execution.input,
                    "StartTime": iso_millis(child.start if child else execution.start_date),
                    "RedriveCount": 0 if child else execution.redrive_count,
                    "RoleArn": "arn:aws:iam::000000000000:role/local-executor",
                },
                "StateMachine": {
                    "Id": child.state_machine_arn if child else self._machine_arn,
                    "Name": child.state_machine_name if child else execution.state_machine_name,
                },
                "State": {"Name": state, "EnteredTime": iso_millis(entered)},
            }
            if retry_count is not None:
                ctx["State"]["RetryCount"] = retry_count
            if frame.map_item is not None:
                ctx["Map"] = {"Item": {"Index": frame.map_item[0], "Value": frame.map_item[1]}}
            return ctx

        env = Env(context, self.rng, frame.scope)
        env.state, env.entered_id = state, self._entered_ids.get(frame.prefix + state)
        env.now = self.clock.now()
        return env
