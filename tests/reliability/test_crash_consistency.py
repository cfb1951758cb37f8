"""Crash consistency: `familyplus run` killed with SIGKILL at many points of a text run and of a recording's run
(prepare, each chunk of the transcription Map, the merge), then recovered.

Given a process killed after its N-th history event, or right after its k-th store write (the stage's data
committed, its result not yet recorded), When another process reads the executions, Then the execution is an
orphan (ABORTED), a redrive completes it, the stored data equals an uninterrupted run's exactly, and the
database passes `PRAGMA integrity_check`.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.reliability import counts
from tests.reliability.support import PROCESS, audio_payload, runner_for, stored
from tests.support import response

_REPO = Path(__file__).resolve().parents[2]
PAYLOAD = response("crash-1")
NAME = "response-crash-1"

_CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from tests.reliability.support import runner_for

    data_dir, where, point, payload = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), eval(sys.argv[4])
    runner = runner_for(data_dir, audio=sys.argv[6] == "audio")
    seen = {"events": 0, "writes": 0}

    def die() -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    def on_event(event) -> None:
        seen["events"] += 1
        if where == "event" and seen["events"] == point:
            die()

    store = runner.adapters.store
    for name in [n for n in dir(store) if n.startswith(("save_", "replace_", "update_", "upsert_", "complete_"))]:
        real = getattr(store, name)

        def wrapped(*args, _real=real, **kwargs):
            result = _real(*args, **kwargs)
            seen["writes"] += 1
            if where == "write" and seen["writes"] == point:
                die()
            return result

        setattr(store, name, wrapped)
    runner.start("process_response", payload, name=sys.argv[5], listener=on_event)
    sys.exit(3)  # not killed: the point lies beyond the run
    """
)

KILL_POINTS = [("text", "event", n) for n in (3, 9, 15, 22)] + [("text", "write", k) for k in (2, 5)]
# The recording's run (tests/reliability/support.py: three chunks, one at a time): PrepareAudio started, chunk 0
# started, chunk 1 done but not yet recorded, chunk 2 started, MergeTranscript scheduled; after the writes of
# AcceptResponse+PrepareAudio and of MergeTranscript.
KILL_POINTS += [("audio", "event", n) for n in (11, 21, 29, 35, 42)] + [("audio", "write", k) for k in (2, 3)]
AUDIO_ID = "crash-a"


@pytest.fixture(scope="module")
def baselines(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    text = runner_for(tmp_path_factory.mktemp("uninterrupted"))
    assert text.start(PROCESS, PAYLOAD, name=NAME).status == "SUCCEEDED"
    audio = runner_for(tmp_path_factory.mktemp("uninterrupted-audio"), audio=True)
    assert audio.start(PROCESS, audio_payload(audio, AUDIO_ID), name=f"response-{AUDIO_ID}").status == "SUCCEEDED"
    return {"text": stored(text, "crash-1"), "audio": stored(audio, AUDIO_ID)}


@pytest.mark.parametrize(("kind", "where", "point"), KILL_POINTS, ids=[f"{k}-{w}-{p}" for k, w, p in KILL_POINTS])
def test_kill_9_then_orphan_detection_and_redrive_restore_the_uninterrupted_result(
    tmp_path: Path, baselines: dict[str, dict[str, Any]], kind: str, where: str, point: int
) -> None:
    audio = kind == "audio"
    response_id, payload = ("crash-1", PAYLOAD) if not audio else (AUDIO_ID, None)
    if audio:  # the recording is uploaded before the run, as the intake does
        payload = audio_payload(runner_for(tmp_path, audio=True), AUDIO_ID)
    name = f"response-{response_id}"
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, str(tmp_path), where, str(point), repr(payload), name, kind],
        cwd=_REPO,
        env={**os.environ, "POWERTOOLS_LOG_LEVEL": "CRITICAL"},
        capture_output=True,
        timeout=300,
    )
    assert child.returncode == -9, child.stderr.decode()[-2000:]
    counts.add("kill points")
    counts.add(f"kill points ({kind})")

    runner = runner_for(tmp_path, audio=audio)
    orphan = runner.executions.get(name)
    assert orphan.status == "ABORTED" and "orphaned" in (orphan.cause or "")
    recovered = runner.redrive(name)
    assert recovered.status == "SUCCEEDED", (recovered.error, recovered.cause)
    assert stored(runner, response_id) == baselines[kind]
    with sqlite3.connect(runner.settings.database_path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
