"""The SQLite plumbing the local adapters share: one WAL connection per adapter, safe across threads (the
local executor runs Parallel branches and Map iterations in threads), and transactions that land whole or
not at all. A busy database is a `TransientError`, so the state machine retries it."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from familyplus.errors import TransientError

_BUSY_MS = 10_000  # how long a statement waits for another writer
_OPEN_BUSY_MS = 500


class SqliteDatabase:
    """Base of the SQLite adapters: `schema` is created on open (idempotent `CREATE ... IF NOT EXISTS`)."""

    schema: str = ""
    #: How long opening waits for another process's lock (creating the file, switching it to WAL, creating
    #: the tables) before giving up with a TransientError the state machine retries.
    open_timeout_s: float = 30.0

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, timeout=_BUSY_MS / 1000, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._opened()

    def _opened(self) -> None:
        """WAL mode and the schema, retried while another process holds the database: SQLite's busy timeout
        does not cover `journal_mode=WAL` (two processes creating one new file fail at once), and a lock held
        before the tables exist would otherwise surface as an unexplained failure, never retried."""
        deadline = time.monotonic() + self.open_timeout_s
        pause = 0.02
        self._db.execute(f"PRAGMA busy_timeout = {_OPEN_BUSY_MS}")  # short waits, so this loop decides
        while True:
            try:
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA foreign_keys=ON")
                self._db.executescript(self.schema)
                self._db.execute(f"PRAGMA busy_timeout = {_BUSY_MS}")
                return
            except sqlite3.OperationalError as exc:
                if not _busy(exc):
                    raise
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                if time.monotonic() >= deadline:
                    raise TransientError(f"database busy while opening {self.path.name}: {exc}") from exc
                time.sleep(pause)
                pause = min(pause * 2, 0.5)

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE: writers queue instead of failing half-way)."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                yield self._db
                self._db.execute("COMMIT")
            except BaseException as exc:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                if isinstance(exc, sqlite3.OperationalError) and _busy(exc):
                    raise TransientError(f"database busy: {exc}") from exc
                raise

    def _one(self, sql: str, *params: object) -> sqlite3.Row | None:
        with self._lock:
            row: sqlite3.Row | None = self._db.execute(sql, params).fetchone()
            return row

    def _all(self, sql: str, *params: object) -> list[sqlite3.Row]:
        with self._lock:
            return list(self._db.execute(sql, params).fetchall())


def _busy(exc: sqlite3.OperationalError) -> bool:
    return "locked" in str(exc) or "busy" in str(exc)
