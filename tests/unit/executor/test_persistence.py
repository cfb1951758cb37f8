"""SqliteExecutionStore: round trip, live events, lookups, list filters, sharing a database file."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from familyplus_local.executor import (
    AmbiguousExecutionError,
    Execution,
    ExecutionAlreadyExistsError,
    ExecutionNotFoundError,
    SqliteExecutionStore,
    TaskError,
    VirtualClock,
    execution_arn,
)

from .support import START, Functions, chain, run, task

DEFINITION = chain(("Prepare", {"Type": "Pass", "ResultPath": "$.p", "Result": [1]}), ("Call", task("call")))


def execute(name: str, *, fail: bool = False, machine: str = "local", hours: int = 0, **options: Any) -> Execution:
    invoke = Functions(call=[TaskError("PermanentError", "no")] if fail else lambda p: {"ok": p})
    return run(
        DEFINITION,
        {"n": name},
        invoke=invoke,
        name=name,
        state_machine_name=machine,
        clock=VirtualClock(START + timedelta(hours=hours)),
        **options,
    )


def test_save_and_get_round_trip(tmp_path: Path) -> None:
    store = SqliteExecutionStore(tmp_path / "app.db")
    execution = execute("response-1")
    store.save(execution)
    store.save(execution)  # idempotent
    by_arn = store.get(execution.execution_arn)
    by_name = store.get("response-1")
    assert by_arn.to_dict() == execution.to_dict() == by_name.to_dict()
    assert by_arn == execution  # dataclass equality, histories included
    assert Execution.from_dict(execution.to_dict()) == execution


def test_live_events_keep_the_row_current(tmp_path: Path) -> None:
    # Given the store's listener, and a probe reading the store while the task runs
    store = SqliteExecutionStore(tmp_path / "app.db")
    arn = execution_arn("local", "live-1")
    seen: list[str] = []
    listener = store.listener(arn)

    def probe(event: Any) -> None:
        listener(event)
        if event.type == "TaskStarted":
            seen.append(store.get(arn).status)

    execution = execute("live-1", fail=True, listener=probe)

    # Then the row was RUNNING during the run, and FAILED with the error afterwards — without save()
    assert seen == ["RUNNING"]
    stored = store.get(arn)
    assert (stored.status, stored.error, stored.cause) == ("FAILED", "PermanentError", "no")
    assert [e.to_dict() for e in stored.history] == [e.to_dict() for e in execution.history]


def test_reusing_a_name_with_the_listener_is_refused(tmp_path: Path) -> None:
    store = SqliteExecutionStore(tmp_path / "app.db")
    arn = execution_arn("local", "dup")
    execute("dup", listener=store.listener(arn))
    with pytest.raises(ExecutionAlreadyExistsError, match="already exists"):
        execute("dup", listener=store.listener(arn))
    assert store.get(arn).status == "SUCCEEDED"


def test_get_unknown_and_ambiguous(tmp_path: Path) -> None:
    store = SqliteExecutionStore(tmp_path / "app.db")
    with pytest.raises(ExecutionNotFoundError, match="'nope'") as caught:
        store.get("nope")
    assert isinstance(caught.value, KeyError)
    store.save(execute("same", machine="one"))
    store.save(execute("same", machine="two"))
    with pytest.raises(AmbiguousExecutionError, match="use the ARN"):
        store.get("same")
    assert store.get("same", state_machine_name="two").state_machine_name == "two"


def test_list_filters_newest_first(tmp_path: Path) -> None:
    store = SqliteExecutionStore(tmp_path / "app.db")
    for hours, name, fail, machine in [
        (0, "a", False, "m1"),
        (1, "b", True, "m1"),
        (2, "c", False, "m2"),
        (3, "d", True, "m2"),
    ]:
        store.save(execute(name, fail=fail, machine=machine, hours=hours))

    def names(**filters: Any) -> list[str]:
        return [e.name for e in store.list(**filters)]

    assert names() == ["d", "c", "b", "a"]
    assert names(status="FAILED") == ["d", "b"]
    assert names(state_machine_name="m1") == ["b", "a"]
    assert names(since=START + timedelta(hours=2)) == ["d", "c"]
    assert names(status="SUCCEEDED", state_machine_name="m2") == ["c"]
    assert names(limit=2) == ["d", "c"]
    with pytest.raises(ValueError, match="unknown execution status 'DONE'"):
        store.list(status="DONE")
    assert store.list(limit=1)[0].history  # histories are loaded
    assert store.list(limit=1, include_history=False)[0].history == []


def test_tables_are_prefixed_and_wal_mode_shares_the_file(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    app = sqlite3.connect(path)
    app.execute("CREATE TABLE responses (id TEXT PRIMARY KEY)")
    app.commit()
    store = SqliteExecutionStore(path)
    store.save(execute("x"))
    tables = {row[0] for row in app.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == {"responses", "sfn_executions", "sfn_history_events"}
    assert app.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    # a second store on the same file sees the executions
    assert SqliteExecutionStore(path).get("x").status == "SUCCEEDED"
