"""SqliteExecutionStore: executions and their histories in SQLite (stdlib sqlite3), so that executions can be
listed, shown and redriven across processes, like the Step Functions console.

Tables are prefixed `sfn_` so the store can share a database file with the application's own tables; the
database runs in WAL mode so readers (the CLI) do not block a running execution.

Live persistence: pass `listener=store.listener(arn)` (or `functools.partial(store.append_event, arn)`) to
`run_state_machine` with a name you chose (the ARN is `execution_arn(state_machine_name, name)`); each event
is written as it happens and the execution row follows the status. Call `save(execution)` at the end too
(cheap and idempotent).

Ownership: `listener(arn, lease=Lease(owner, ...))` records who runs the execution; the owner renews the lease
with `heartbeat` (see `leases.LeaseKeeper`). Every read (`get`, `list`) first records as ABORTED the RUNNING
executions whose owner is gone (`reap_orphans`), so a killed process never leaves an execution RUNNING for
ever; `stop` asks the owner to stop (or aborts an orphan at once). An owner whose execution was taken from it
cannot write to it any more (`ExecutionLostError`). A lease's `subject` (e.g. one response) is held by at most
one RUNNING execution of a state machine at a time (`SubjectBusyError`).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .errors import (
    AmbiguousExecutionError,
    ExecutionAlreadyExistsError,
    ExecutionLostError,
    ExecutionNotFoundError,
    ExecutionNotRunningError,
    SubjectBusyError,
)
from .history import ABORTED, FAILED, RUNNING, STATUSES, SUCCEEDED, TIMED_OUT, Execution, HistoryEvent
from .leases import Lease, Owner
from .names import split_execution_arn

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sfn_executions (
    execution_arn      TEXT PRIMARY KEY,
    name               TEXT NOT NULL,
    state_machine_name TEXT NOT NULL,
    status             TEXT NOT NULL,
    input              TEXT NOT NULL,
    output             TEXT,
    error              TEXT,
    cause              TEXT,
    start_date         TEXT NOT NULL,
    stop_date          TEXT,
    redrive_count      INTEGER NOT NULL DEFAULT 0,
    redrive_date       TEXT
);
CREATE INDEX IF NOT EXISTS sfn_executions_by_name ON sfn_executions (name);
CREATE INDEX IF NOT EXISTS sfn_executions_by_start ON sfn_executions (start_date);
CREATE TABLE IF NOT EXISTS sfn_history_events (
    execution_arn TEXT NOT NULL,
    id            INTEGER NOT NULL,
    type          TEXT NOT NULL,
    timestamp     TEXT NOT NULL,
    body          TEXT NOT NULL,
    PRIMARY KEY (execution_arn, id)
);
"""
#: Added after the first release: created on old databases by `_migrate`.
_LEASE_COLUMNS = {
    "owner": "TEXT",
    "heartbeat_at": "TEXT",
    "lease_seconds": "REAL",
    "stop_requested": "TEXT",
    "subject": "TEXT",
}
_ORPHANED = "States.Aborted"
_COLUMNS = (
    "execution_arn",
    "name",
    "state_machine_name",
    "status",
    "input",
    "output",
    "error",
    "cause",
    "start_date",
    "stop_date",
    "redrive_count",
    "redrive_date",
)
_TERMINAL = {
    "ExecutionSucceeded": SUCCEEDED,
    "ExecutionFailed": FAILED,
    "ExecutionTimedOut": TIMED_OUT,
    "ExecutionAborted": ABORTED,
}


def _when(moment: datetime | None) -> str | None:
    """Fixed-width UTC text, so that SQL string order is time order."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def _parse_when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _where(
    status: str | None,
    since: datetime | None,
    until: datetime | None,
    state_machine_name: str | None,
    response_id: str | None,
    family_id: str | None,
    search: str | None,
) -> tuple[str, list[Any]]:
    if status is not None and status not in STATUSES:
        raise ValueError(f"unknown execution status {status!r} (one of {', '.join(STATUSES)})")
    clauses: list[str] = []
    args: list[Any] = []
    for clause, value in (
        ("status = ?", status),
        ("start_date >= ?", _when(since)),
        ("start_date < ?", _when(until)),
        ("state_machine_name = ?", state_machine_name),
        ("json_extract(input, '$.responseId') = ?", response_id),
        ("json_extract(input, '$.familyId') = ?", family_id),
    ):
        if value is not None:
            clauses.append(clause)
            args.append(value)
    if search:
        # instr, not LIKE: the search text is matched literally (no % or _ wildcards)
        clauses.append(
            "(instr(name, ?) > 0 OR instr(coalesce(json_extract(input, '$.responseId'), ''), ?) > 0"
            " OR instr(coalesce(json_extract(input, '$.familyId'), ''), ?) > 0)"
        )
        args.extend([search] * 3)
    return (f"WHERE {' AND '.join(clauses)}" if clauses else ""), args


class SqliteExecutionStore:
    """Executions and their event histories in a SQLite file. Thread-safe (one connection behind a lock)."""

    def __init__(self, path: str | Path, *, now: Callable[[], datetime] | None = None):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._now = now or (lambda: datetime.now(UTC))
        self._lock = threading.RLock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        with self._lock:
            self._opened()

    def _opened(self, timeout_s: float = 30.0) -> None:
        """WAL mode, schema and columns, retried while another process holds the file: the busy timeout does
        not cover `journal_mode=WAL`, so two processes creating one new database would fail at once."""
        deadline, pause = time.monotonic() + timeout_s, 0.02
        while True:
            try:
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
                self._db.executescript(_SCHEMA)  # executescript manages its own transaction
                self._migrate()
                return
            except sqlite3.OperationalError as exc:
                if ("locked" not in str(exc) and "busy" not in str(exc)) or time.monotonic() >= deadline:
                    raise
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                time.sleep(pause)
                pause = min(pause * 2, 0.5)

    def _migrate(self) -> None:
        with self._tx() as db:
            present = {row[1] for row in db.execute("PRAGMA table_info(sfn_executions)")}
            for column, kind in _LEASE_COLUMNS.items():
                if column not in present:
                    db.execute(f"ALTER TABLE sfn_executions ADD COLUMN {column} {kind}")
            db.execute(
                "CREATE INDEX IF NOT EXISTS sfn_executions_running "
                "ON sfn_executions (status, state_machine_name, subject)"
            )

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> SqliteExecutionStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- writing ----
    def save(self, execution: Execution) -> None:
        """Insert or update the execution and all its history events."""
        row = (
            execution.execution_arn,
            execution.name,
            execution.state_machine_name,
            execution.status,
            json.dumps(execution.input),
            json.dumps(execution.output),
            execution.error,
            execution.cause,
            _when(execution.start_date),
            _when(execution.stop_date),
            execution.redrive_count,
            _when(execution.redrive_date),
        )
        updates = ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS[1:])
        with self._tx() as db:
            db.execute(
                f"INSERT INTO sfn_executions ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))}) "
                f"ON CONFLICT (execution_arn) DO UPDATE SET {updates}",
                row,
            )
            db.executemany(
                "INSERT OR REPLACE INTO sfn_history_events (execution_arn, id, type, timestamp, body) "
                "VALUES (?, ?, ?, ?, ?)",
                [(execution.execution_arn, *self._event_row(e)) for e in execution.history],
            )
            db.execute(
                "DELETE FROM sfn_history_events WHERE execution_arn = ? AND id > ?",
                (execution.execution_arn, len(execution.history)),
            )

    def append_event(self, execution_arn: str, event: HistoryEvent, lease: Lease | None = None) -> None:
        """Persist one event as it happens; Execution* events also keep the execution row's status current.
        With a `lease`, the run's owner is recorded at its start and checked at every later event."""
        with self._tx() as db:
            if lease is not None and event.type not in ("ExecutionStarted", "ExecutionRedriven"):
                self._fence(db, execution_arn, lease.owner)
            db.execute(
                "INSERT OR REPLACE INTO sfn_history_events (execution_arn, id, type, timestamp, body) "
                "VALUES (?, ?, ?, ?, ?)",
                (execution_arn, *self._event_row(event)),
            )
            self._follow(db, execution_arn, event, lease)

    def listener(self, execution_arn: str, lease: Lease | None = None) -> Callable[[HistoryEvent], None]:
        """A `listener=` for run_state_machine/redrive_execution that persists events of that execution."""
        return lambda event: self.append_event(execution_arn, event, lease)

    # ---- ownership ----
    def heartbeat(self, execution_arn: str, owner: Owner) -> str | None:
        """Renew `owner`'s lease on a RUNNING execution. Returns why the owner must stop — a stop was requested,
        or the execution is no longer this owner's — or None to go on."""
        with self._tx() as db:
            row = db.execute(
                "SELECT status, owner, stop_requested FROM sfn_executions WHERE execution_arn = ?", (execution_arn,)
            ).fetchone()
            if row is None:
                return "the execution is no longer in the store"
            status, current, stop = row
            if status != RUNNING or current != str(owner):
                return f"the execution is {status}, no longer run by this process"
            db.execute(
                "UPDATE sfn_executions SET heartbeat_at = ? WHERE execution_arn = ?",
                (_when(self._now()), execution_arn),
            )
            return str(stop) if stop is not None else None

    def stop(self, execution_arn: str, cause: str = "stopped by request") -> str:
        """StopExecution: ask a RUNNING execution's owner to stop it (returns RUNNING: it ends ABORTED at its
        next step), or record an orphaned or ownerless one ABORTED at once (returns ABORTED).
        Raises ExecutionNotFoundError, or ExecutionNotRunningError when it already ended."""
        with self._tx() as db:
            row = db.execute(
                "SELECT status, owner, heartbeat_at, lease_seconds, start_date FROM sfn_executions "
                "WHERE execution_arn = ?",
                (execution_arn,),
            ).fetchone()
            if row is None:
                raise ExecutionNotFoundError(f"no execution with ARN {execution_arn!r} in {self.path}")
            status, owner, *_ = row
            if status != RUNNING:
                raise ExecutionNotRunningError(
                    f"execution {execution_arn} is {status}: only a RUNNING execution can be stopped"
                )
            if owner is None or self._orphan_reason(*row[1:]) is not None:
                self._abort(db, execution_arn, f"the execution was stopped: {cause}")
                return ABORTED
            db.execute("UPDATE sfn_executions SET stop_requested = ? WHERE execution_arn = ?", (cause, execution_arn))
            return RUNNING

    def reap_orphans(self) -> list[str]:
        """Record as ABORTED every RUNNING execution whose owner is gone; returns their ARNs."""
        with self._lock:
            rows = self._db.execute(
                "SELECT execution_arn, owner, heartbeat_at, lease_seconds, start_date FROM sfn_executions "
                "WHERE status = ? AND owner IS NOT NULL",
                (RUNNING,),
            ).fetchall()
        orphans = [(arn, why) for arn, *lease in rows if (why := self._orphan_reason(*lease)) is not None]
        reaped: list[str] = []
        for arn, why in orphans:
            with self._tx() as db:
                still = db.execute(
                    "SELECT owner, heartbeat_at, lease_seconds, start_date FROM sfn_executions "
                    "WHERE execution_arn = ? AND status = ?",
                    (arn, RUNNING),
                ).fetchone()
                if still is None or self._orphan_reason(*still) is None:
                    continue  # finished, or renewed, meanwhile
                self._abort(db, arn, f"orphaned: {why}; redrive it to resume where it stopped")
                reaped.append(arn)
        return reaped

    def _orphan_reason(
        self, owner: str | None, heartbeat_at: str | None, lease_seconds: float | None, start_date: str
    ) -> str | None:
        if owner is None:
            return None  # recorded without an owner (before leases, or by save()): nobody to outlive
        parsed = Owner.parse(owner)
        if parsed is not None and parsed.is_dead_here():
            return f"its process {parsed.pid} on {parsed.host} is gone"
        last = _parse_when(heartbeat_at or start_date)
        if last is not None and lease_seconds is not None:
            silent = (self._now() - last).total_seconds()
            if silent > lease_seconds:
                return f"its owner {owner} has not renewed its lease for {silent:.0f} s (lease {lease_seconds:g} s)"
        return None

    def _abort(self, db: sqlite3.Connection, arn: str, cause: str) -> None:
        (last,) = db.execute(
            "SELECT COALESCE(MAX(id), 0) FROM sfn_history_events WHERE execution_arn = ?", (arn,)
        ).fetchone()
        now = self._now()
        event = HistoryEvent(id=int(last) + 1, type="ExecutionAborted", timestamp=now, error=_ORPHANED, cause=cause)
        db.execute(
            "INSERT INTO sfn_history_events (execution_arn, id, type, timestamp, body) VALUES (?, ?, ?, ?, ?)",
            (arn, *self._event_row(event)),
        )
        db.execute(
            "UPDATE sfn_executions SET status = ?, error = ?, cause = ?, stop_date = ?, output = 'null' "
            "WHERE execution_arn = ?",
            (ABORTED, _ORPHANED, cause, _when(now), arn),
        )

    @staticmethod
    def _fence(db: sqlite3.Connection, arn: str, owner: Owner) -> None:
        row = db.execute("SELECT status, owner FROM sfn_executions WHERE execution_arn = ?", (arn,)).fetchone()
        if row is None or row[0] != RUNNING or row[1] != str(owner):
            status = row[0] if row else "gone"
            raise ExecutionLostError(
                f"execution {arn} is {status} and no longer run by this process (it was stopped, or taken for an "
                "orphan after this process stopped renewing its lease): its remaining events are not recorded"
            )

    def _claim(self, db: sqlite3.Connection, arn: str, machine: str, lease: Lease | None, when: str | None) -> None:
        """Record the owner of a run that starts; refuse it while another live execution holds its subject."""
        if lease is None:
            return
        if lease.subject is not None:
            rows = db.execute(
                "SELECT execution_arn, owner, heartbeat_at, lease_seconds, start_date FROM sfn_executions "
                "WHERE status = ? AND state_machine_name = ? AND subject = ? AND execution_arn != ?",
                (RUNNING, machine, lease.subject, arn),
            ).fetchall()
            for other, *other_lease in rows:
                why = self._orphan_reason(*other_lease)
                if why is None:
                    raise SubjectBusyError(
                        f"{lease.subject} is being processed by execution {other}: wait for it to end, or stop it"
                    )
                self._abort(db, other, f"orphaned: {why}; redrive it to resume where it stopped")
        db.execute(
            "UPDATE sfn_executions SET owner = ?, heartbeat_at = ?, lease_seconds = ?, stop_requested = NULL, "
            "subject = ? WHERE execution_arn = ?",
            (str(lease.owner), when, lease.seconds, lease.subject, arn),
        )

    @staticmethod
    def _event_row(event: HistoryEvent) -> tuple[int, str, str | None, str]:
        return event.id, event.type, _when(event.timestamp), json.dumps(event.to_dict())

    def _follow(self, db: sqlite3.Connection, arn: str, event: HistoryEvent, lease: Lease | None = None) -> None:
        when = _when(event.timestamp)
        if event.type == "ExecutionStarted":
            machine, name = split_execution_arn(arn)
            if db.execute("SELECT 1 FROM sfn_executions WHERE execution_arn = ?", (arn,)).fetchone():
                raise ExecutionAlreadyExistsError(
                    f"execution {arn} already exists: choose another name, or redrive it if it failed"
                )
            db.execute(
                "INSERT INTO sfn_executions (execution_arn, name, state_machine_name, status, input, "
                "start_date) VALUES (?, ?, ?, ?, ?, ?)",
                (arn, name, machine, RUNNING, json.dumps(event.input), when),
            )
            self._claim(db, arn, machine, lease, _when(self._now()))
        elif event.type == "ExecutionRedriven":
            machine, _ = split_execution_arn(arn)
            row = db.execute("SELECT status FROM sfn_executions WHERE execution_arn = ?", (arn,)).fetchone()
            if row is not None and row[0] == RUNNING:
                raise ExecutionAlreadyExistsError(f"execution {arn} is RUNNING: it cannot be redriven twice at once")
            db.execute(
                "UPDATE sfn_executions SET status = ?, output = NULL, error = NULL, cause = NULL, stop_date = NULL,"
                " redrive_count = redrive_count + 1, redrive_date = ? WHERE execution_arn = ?",
                (RUNNING, when, arn),
            )
            self._claim(db, arn, machine, lease, _when(self._now()))
        elif event.type in _TERMINAL:
            db.execute(
                "UPDATE sfn_executions SET status = ?, output = ?, error = ?, cause = ?, stop_date = ? "
                "WHERE execution_arn = ?",
                (_TERMINAL[event.type], json.dumps(event.output), event.error, event.cause, when, arn),
            )

    # ---- reading ----
    def get(self, arn_or_name: str, state_machine_name: str | None = None) -> Execution:
        """The execution with this ARN, or with this name (optionally within one state machine).
        Raises ExecutionNotFoundError, or AmbiguousExecutionError if a bare name is used by several."""
        self.reap_orphans()
        if arn_or_name.startswith("arn:"):
            where, args = "execution_arn = ?", [arn_or_name]
        else:
            where, args = "name = ?", [arn_or_name]
            if state_machine_name is not None:
                where += " AND state_machine_name = ?"
                args.append(state_machine_name)
        with self._lock:
            rows = self._db.execute(f"SELECT {', '.join(_COLUMNS)} FROM sfn_executions WHERE {where}", args).fetchall()
            if not rows:
                raise ExecutionNotFoundError(f"no execution with ARN or name {arn_or_name!r} in {self.path}")
            if len(rows) > 1:
                arns = ", ".join(r[0] for r in rows)
                raise AmbiguousExecutionError(f"{arn_or_name!r} names several executions ({arns}): use the ARN")
            return self._load(rows[0], with_history=True)

    def list(
        self,
        status: str | None = None,
        since: datetime | None = None,
        state_machine_name: str | None = None,
        limit: int = 100,
        *,
        include_history: bool = True,
        until: datetime | None = None,
        response_id: str | None = None,
        family_id: str | None = None,
        search: str | None = None,
        offset: int = 0,
    ) -> list[Execution]:
        """Executions, newest first, optionally filtered by status, start date (since <= start < until), state
        machine, the input's responseId/familyId, and `search` (a part of the name, responseId or familyId)."""
        where, args = _where(status, since, until, state_machine_name, response_id, family_id, search)
        self.reap_orphans()
        with self._lock:
            rows = self._db.execute(
                f"SELECT {', '.join(_COLUMNS)} FROM sfn_executions {where} ORDER BY start_date DESC, rowid DESC "
                "LIMIT ? OFFSET ?",
                [*args, limit, offset],
            ).fetchall()
            return [self._load(row, with_history=include_history) for row in rows]

    def count(
        self,
        status: str | None = None,
        since: datetime | None = None,
        state_machine_name: str | None = None,
        *,
        until: datetime | None = None,
        response_id: str | None = None,
        family_id: str | None = None,
        search: str | None = None,
    ) -> int:
        """How many executions `list` would return with these filters and no limit."""
        where, args = _where(status, since, until, state_machine_name, response_id, family_id, search)
        self.reap_orphans()
        with self._lock:
            (total,) = self._db.execute(f"SELECT COUNT(*) FROM sfn_executions {where}", args).fetchone()
            return int(total)

    def _load(self, row: tuple[Any, ...], with_history: bool) -> Execution:
        data = dict(zip(_COLUMNS, row, strict=True))
        history = []
        if with_history:
            bodies = self._db.execute(
                "SELECT body FROM sfn_history_events WHERE execution_arn = ? ORDER BY id", (data["execution_arn"],)
            ).fetchall()
            history = [HistoryEvent.from_dict(json.loads(body)) for (body,) in bodies]
        start = _parse_when(data["start_date"])
        assert start is not None
        return Execution(
            execution_arn=data["execution_arn"],
            name=data["name"],
            state_machine_name=data["state_machine_name"],
            status=data["status"],
            input=json.loads(data["input"]),
            output=json.loads(data["output"]) if data["output"] is not None else None,
            error=data["error"],
            cause=data["cause"],
            start_date=start,
            stop_date=_parse_when(data["stop_date"]),
            history=history,
            redrive_count=data["redrive_count"],
            redrive_date=_parse_when(data["redrive_date"]),
        )
