"""Busy database on first use: opening waits for another process's lock instead of failing, and a lock that
outlasts the wait is a TransientError (retried by the state machine), never an unexplained failure."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from familyplus.adapters.local.sqlite_store import SqliteStore
from familyplus.errors import TransientError
from familyplus_local.executor import SqliteExecutionStore

_REPO = Path(__file__).resolve().parents[3]


def _hold_lock(path: Path, seconds: float) -> threading.Thread:
    """Another writer holding the (still empty) database exclusively for `seconds`."""
    ready = threading.Event()

    def hold() -> None:
        db = sqlite3.connect(path, isolation_level=None)
        db.execute("BEGIN EXCLUSIVE")
        ready.set()
        time.sleep(seconds)
        db.execute("ROLLBACK")
        db.close()

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    assert ready.wait(10)
    return thread


def test_a_lock_held_before_the_tables_exist_is_waited_for(tmp_path: Path) -> None:
    path = tmp_path / "familyplus.db"
    holder = _hold_lock(path, 0.5)
    store = SqliteStore(path)  # waits, then creates its tables
    executions = SqliteExecutionStore(path)
    holder.join()
    assert store.list_value_tags("nobody") == [] and executions.list() == []


def test_a_lock_that_outlasts_the_wait_is_a_transient_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "familyplus.db"
    monkeypatch.setattr(SqliteStore, "open_timeout_s", 0.3)
    holder = _hold_lock(path, 2.0)
    with pytest.raises(TransientError, match="database busy while opening"):
        SqliteStore(path)
    holder.join()


_OPEN = textwrap.dedent(
    """
    import sys
    from familyplus.adapters.local.sqlite_store import SqliteStore
    from familyplus_local.executor import SqliteExecutionStore
    SqliteStore(sys.argv[1]); SqliteExecutionStore(sys.argv[1])
    """
)


def test_processes_creating_one_new_data_dir_at_once_all_succeed(tmp_path: Path) -> None:
    for attempt in range(1):
        path = tmp_path / f"new-{attempt}" / "familyplus.db"
        children = [
            subprocess.Popen([sys.executable, "-c", _OPEN, str(path)], cwd=_REPO, stderr=subprocess.PIPE)
            for _ in range(4)
        ]
        for child in children:
            _, err = child.communicate(timeout=120)
            assert child.returncode == 0, err.decode()
        assert sqlite3.connect(path).execute("PRAGMA integrity_check").fetchone() == ("ok",)
