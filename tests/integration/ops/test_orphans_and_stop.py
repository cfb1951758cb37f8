"""A killed process never leaves an execution RUNNING for ever; a running execution can be stopped.

Given a process killed (kill -9) while it runs an execution, When anyone reads the store, Then the execution
is ABORTED (its owner is gone), a redrive — or a re-submission of the same input — completes it; and a live
execution asked to stop ends ABORTED at its next step, then redrives to SUCCEEDED.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from familyplus.adapters.local.lexicon_tagger import LexiconValueTagger
from familyplus.settings import Settings
from familyplus_local.executor import (
    ExecutionLostError,
    ExecutionNotRunningError,
    HistoryEvent,
    Lease,
    LeaseKeeper,
    Owner,
    SqliteExecutionStore,
    SubjectBusyError,
    execution_arn,
)
from familyplus_local.runtime.runner import LocalRunner
from tests.support import response

PROCESS = "process_response"
_REPO = Path(__file__).resolve().parents[3]

#: A child process that starts process_response with a tagger that never returns (a hung provider call).
_HANGING_RUN = textwrap.dedent(
    """
    import sys, threading
    from familyplus import bootstrap
    from familyplus.settings import Settings
    from familyplus_local.runtime.runner import LocalRunner

    class Hang:
        def tag(self, text, vocabulary):
            threading.Event().wait()

    settings = Settings(profile="local", data_dir=sys.argv[1], _env_file=None)
    runner = LocalRunner(settings, adapters=bootstrap.build(settings, tagger=Hang()))
    runner.start("process_response", {payload}, name="response-k1")
    """
)


class GatedTagger:
    """Blocks inside the TagValues call until released, so a test can act while the execution runs."""

    def __init__(self) -> None:
        self.inner = LexiconValueTagger()
        self.entered, self.release = threading.Event(), threading.Event()

    def tag(self, text: str, vocabulary: Any) -> Any:
        self.entered.set()
        self.release.wait(30)
        return self.inner.tag(text, vocabulary)


def _wait_for(condition: Callable[[], bool], seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.05)


def _started(store: SqliteExecutionStore, name: str) -> bool:
    return any(e.name == name for e in store.list(state_machine_name=PROCESS, include_history=False))


def test_an_execution_of_a_killed_process_is_aborted_then_resubmitting_it_completes_it(
    settings: Settings, make_runner: Callable[..., LocalRunner]
) -> None:
    payload = response("k1")
    child = subprocess.Popen(
        [sys.executable, "-c", _HANGING_RUN.replace("{payload}", repr(payload)), str(settings.data_dir)],
        cwd=_REPO,
        env={**os.environ, "POWERTOOLS_LOG_LEVEL": "ERROR"},
    )
    try:
        store = SqliteExecutionStore(settings.database_path)
        _wait_for(lambda: _started(store, "response-k1") and "TagValues" in _states(store, "response-k1"))
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()

    orphan = store.get("response-k1")  # any read notices that the owner is gone
    assert orphan.status == "ABORTED"
    assert orphan.cause is not None and "orphaned" in orphan.cause and str(child.pid) in orphan.cause

    runner = make_runner()
    done = runner.start_or_resume(PROCESS, payload, name="response-k1")  # the re-POST / re-run of the batch
    assert (done.status, done.redrive_count) == ("SUCCEEDED", 1)
    assert runner.adapters.store.get_response("k1").status == "completed"


def test_a_lease_not_renewed_in_time_makes_the_execution_an_orphan(tmp_path: Path) -> None:
    now = [datetime(2026, 1, 1, tzinfo=UTC)]
    store = SqliteExecutionStore(tmp_path / "x.db", now=lambda: now[0])
    arn = execution_arn("wf", "e1")
    far = Owner("another-host", 4242, "abc")  # not this machine: only its lease can tell
    store.append_event(arn, _started_event(now[0]), Lease(far, seconds=30))
    now[0] += timedelta(seconds=29)
    assert store.get(arn).status == "RUNNING"
    now[0] += timedelta(seconds=2)
    aborted = store.get(arn)
    assert aborted.status == "ABORTED" and "has not renewed its lease" in (aborted.cause or "")
    assert aborted.history[-1].type == "ExecutionAborted"
    # the owner that lost it cannot write on
    with pytest.raises(ExecutionLostError):
        store.append_event(arn, HistoryEvent(id=2, type="PassStateEntered", timestamp=now[0]), Lease(far))
    assert store.heartbeat(arn, far) is not None


def test_stop_ends_a_live_execution_aborted_then_it_redrives_to_success(
    make_runner: Callable[..., LocalRunner],
) -> None:
    tagger = GatedTagger()
    runner = make_runner(tagger=tagger)
    result: dict[str, Any] = {}
    thread = threading.Thread(
        target=lambda: result.update(ex=runner.start(PROCESS, response("s1"), name="response-s1")), daemon=True
    )
    thread.start()
    assert tagger.entered.wait(30)
    assert runner.stop("response-s1", cause="operator").status == "RUNNING"  # asked; it stops at its next step
    tagger.release.set()
    thread.join(30)
    stopped = result["ex"]
    assert stopped.status == "ABORTED"
    assert runner.executions.get("response-s1").status == "ABORTED"
    with pytest.raises(ExecutionNotRunningError):
        runner.stop("response-s1")
    redriven = runner.redrive("response-s1")
    assert (redriven.status, redriven.redrive_count) == ("SUCCEEDED", 1)


def test_the_owner_hears_a_stop_request_on_its_next_heartbeat(tmp_path: Path) -> None:
    """The path a `familyplus stop` from another process takes: the request waits in the store, the owner's
    heartbeat brings it back and the owner sets its run's stop event."""
    store = SqliteExecutionStore(tmp_path / "x.db")
    arn, me = execution_arn("wf", "e3"), Owner.this_process()
    store.append_event(arn, _started_event(datetime.now(UTC)), Lease(me))
    heard = threading.Event()
    with LeaseKeeper(lambda: store.heartbeat(arn, me), lambda _why: heard.set(), interval=0.01):
        assert store.stop(arn, "from the console") == "RUNNING"
        assert heard.wait(30)


def test_stop_of_an_orphan_aborts_it_at_once(tmp_path: Path) -> None:
    store = SqliteExecutionStore(tmp_path / "x.db")
    arn = execution_arn("wf", "e2")
    store.append_event(arn, _started_event(datetime.now(UTC)), Lease(Owner("another-host", 1, "t"), seconds=3600))
    assert store.stop(arn, "cleanup") == "RUNNING"  # a live owner elsewhere is asked
    assert store.heartbeat(arn, Owner("another-host", 1, "t")) == "cleanup"
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # its pid is free now: an owner of this host that is known dead
    dead = execution_arn("wf", "e4")
    store.append_event(
        dead,
        _started_event(datetime.now(UTC)),
        Lease(Owner(socket.gethostname(), gone.pid, "t"), seconds=3600),
    )
    assert store.stop(dead, "cleanup") == "ABORTED"
    assert store.get(dead).status == "ABORTED"


def test_two_live_executions_never_work_on_one_response(tmp_path: Path) -> None:
    store = SqliteExecutionStore(tmp_path / "x.db")
    me = Owner.this_process()
    store.append_event(execution_arn(PROCESS, "a"), _started_event(datetime.now(UTC)), Lease(me, subject="response r"))
    with pytest.raises(SubjectBusyError, match="response r is being processed by execution"):
        store.append_event(
            execution_arn(PROCESS, "b"), _started_event(datetime.now(UTC)), Lease(me, subject="response r")
        )
    # another state machine, or another response, is free
    store.append_event(execution_arn("other", "c"), _started_event(datetime.now(UTC)), Lease(me, subject="response r"))
    store.append_event(execution_arn(PROCESS, "d"), _started_event(datetime.now(UTC)), Lease(me, subject="response q"))


def _started_event(when: datetime) -> HistoryEvent:
    return HistoryEvent(id=1, type="ExecutionStarted", timestamp=when, input={})


def _states(store: SqliteExecutionStore, name: str) -> set[str]:
    return {e.state for e in store.get(name).history if e.state}


def test_serve_runs_again_a_body_whose_execution_was_orphaned(make_runner: Callable[..., LocalRunner]) -> None:
    """Given serve accepted a body and its process was killed, When the same body is posted again, Then it is
    202 and the work is done — not a 202 pointing at a dead execution."""
    from fastapi.testclient import TestClient

    from familyplus_local.serve import IntakeBody, create_app

    runner = make_runner()
    body = {"familyId": "fam-1", "mediaType": "text", "responseId": "o1", "content": response("o1")["text"]}
    payload = IntakeBody.model_validate(body).workflow_input("o1")
    arn = execution_arn(PROCESS, "response-o1")
    dead = Owner("another-host", 7, "gone")
    runner.executions.append_event(
        arn, HistoryEvent(1, "ExecutionStarted", datetime.now(UTC), input=payload), Lease(dead, seconds=0.01)
    )
    time.sleep(0.05)
    with TestClient(create_app(runner, workers=1)) as client:
        assert client.get("/executions/response-o1").json()["status"] == "ABORTED"
        answer = client.post("/responses", json=body)
        assert answer.status_code == 202
        client.app.state.intake.wait()  # type: ignore[attr-defined]
        status = client.get("/executions/response-o1").json()
    assert (status["status"], status["redriveCount"]) == ("SUCCEEDED", 1), status
