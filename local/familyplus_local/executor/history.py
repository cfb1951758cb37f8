"""Executions and their event history (AWS history event type names), JSON round-trippable."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .clock import Clock

RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED = "RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"
STATUSES = (RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED)

# Events that mark the start of one attempt of a state (used by Execution.attempts).
ATTEMPT_EVENTS = frozenset({"TaskScheduled", "ParallelStateStarted", "MapStateStarted"})
_OPTIONAL = ("state", "path", "input", "output", "error", "cause", "retry_delay", "resource", "variables")


@dataclass
class HistoryEvent:
    """One history event. `path` locates nested states ("Analyze/branch 0/Embed", "ChunkMap/3/Transcribe");
    `attempt` is the 0-based retry count of that entry into the state; `retry_delay` is set (seconds) on a
    failure that will be retried. An *Exited event with `error` set means the state's error was caught."""

    id: int
    type: str
    timestamp: datetime
    state: str | None = None
    path: str | None = None
    attempt: int = 0
    input: Any = None
    output: Any = None
    error: str | None = None
    cause: str | None = None
    retry_delay: float | None = None
    resource: str | None = None
    variables: dict[str, Any] | None = None  # on *StateExited: the workflow variables the state assigned

    @property
    def top_level(self) -> bool:
        return self.state is not None and self.path == self.state

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type, "timestamp": self.timestamp.isoformat()}
        if self.attempt:
            data["attempt"] = self.attempt
        for key in _OPTIONAL:
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HistoryEvent:
        return cls(
            id=int(data["id"]),
            type=data["type"],
            timestamp=datetime.fromisoformat(data["timestamp"]),
            attempt=int(data.get("attempt", 0)),
            **{key: data.get(key) for key in _OPTIONAL},
        )


@dataclass
class Execution:
    """An execution of a state machine: its status, result and full event history."""

    execution_arn: str
    name: str
    state_machine_name: str
    status: str
    input: Any
    start_date: datetime
    output: Any = None
    error: str | None = None
    cause: str | None = None
    stop_date: datetime | None = None
    history: list[HistoryEvent] = field(default_factory=list)
    redrive_count: int = 0
    redrive_date: datetime | None = None

    def attempts(self, state_name: str) -> int:
        """How many times the work of a Task/Parallel/Map state was started (1 + retries, over every entry
        into it). `state_name` is a state name (matches nested occurrences too) or an exact event path."""
        return sum(1 for e in self.history if e.type in ATTEMPT_EVENTS and state_name in (e.state, e.path))

    def events(self, type: str | None = None, state: str | None = None) -> list[HistoryEvent]:
        """History events filtered by type and/or state name (or exact path)."""
        return [
            e
            for e in self.history
            if (type is None or e.type == type) and (state is None or state in (e.state, e.path))
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "execution_arn": self.execution_arn,
            "name": self.name,
            "state_machine_name": self.state_machine_name,
            "status": self.status,
            "input": self.input,
            "output": self.output,
            "error": self.error,
            "cause": self.cause,
            "start_date": self.start_date.isoformat(),
            "stop_date": self.stop_date.isoformat() if self.stop_date else None,
            "redrive_count": self.redrive_count,
            "redrive_date": self.redrive_date.isoformat() if self.redrive_date else None,
            "history": [event.to_dict() for event in self.history],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Execution:
        def when(key: str) -> datetime | None:
            return datetime.fromisoformat(data[key]) if data.get(key) else None

        start = when("start_date")
        if start is None:
            raise ValueError("an execution needs a start_date")
        return cls(
            execution_arn=data["execution_arn"],
            name=data["name"],
            state_machine_name=data["state_machine_name"],
            status=data["status"],
            input=data.get("input"),
            output=data.get("output"),
            error=data.get("error"),
            cause=data.get("cause"),
            start_date=start,
            stop_date=when("stop_date"),
            history=[HistoryEvent.from_dict(e) for e in data.get("history", [])],
            redrive_count=int(data.get("redrive_count", 0)),
            redrive_date=when("redrive_date"),
        )


Listener = Callable[[HistoryEvent], None]


class Recorder:
    """Appends events to an execution's history and hands each to the listener, in order, thread-safely."""

    def __init__(self, execution: Execution, clock: Clock, listener: Listener | None):
        self.execution = execution
        self.clock = clock
        self.listener = listener
        self._lock = threading.Lock()
        self._next_id = len(execution.history) + 1

    def emit(self, type: str, **fields: Any) -> HistoryEvent:
        # The listener runs under the lock so that it sees events exactly in history order.
        with self._lock:
            event = HistoryEvent(id=self._next_id, type=type, timestamp=self.clock.now(), **fields)
            self._next_id += 1
            self.execution.history.append(event)
            if self.listener is not None:
                self.listener(event)
        return event
