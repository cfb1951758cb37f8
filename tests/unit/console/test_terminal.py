"""The CLI's renderings: a caught failure is a red ✗ with a one-line cause (the stack trace only verbose),
names are whole at 80 columns, and JSON marks a caught state as not ok."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from rich.console import Console

from familyplus_local.executor import Execution, HistoryEvent
from familyplus_local.terminal import (
    LiveProgress,
    execution_detail_json,
    executions_table,
    history_table,
)

T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)
CAUSE = json.dumps({"errorMessage": "accept_response: invalid input", "stackTrace": ['  File "x.py", line 1']})


def caught() -> Execution:
    rows: list[tuple[str, dict[str, Any]]] = [
        ("ExecutionStarted", {}),
        ("TaskStateEntered", {"state": "AcceptResponse", "path": "AcceptResponse"}),
        ("TaskScheduled", {"state": "AcceptResponse", "path": "AcceptResponse"}),
        (
            "TaskFailed",
            {"state": "AcceptResponse", "path": "AcceptResponse", "error": "PermanentError", "cause": CAUSE},
        ),
        (
            "TaskStateExited",
            {"state": "AcceptResponse", "path": "AcceptResponse", "error": "PermanentError", "cause": CAUSE},
        ),
        ("TaskStateEntered", {"state": "MarkFailed", "path": "MarkFailed"}),
        ("TaskScheduled", {"state": "MarkFailed", "path": "MarkFailed"}),
        ("TaskStateExited", {"state": "MarkFailed", "path": "MarkFailed"}),
        ("ExecutionFailed", {"error": "PermanentError", "cause": CAUSE}),
    ]
    history = [
        HistoryEvent(id=i + 1, type=t, timestamp=T0 + timedelta(seconds=i), **f) for i, (t, f) in enumerate(rows)
    ]
    return Execution(
        "arn:aws:states:local:000000000000:execution:process_response:response-sample-first-job-recording-2",
        "response-sample-first-job-recording-2",
        "process_response",
        "FAILED",
        {"responseId": "r1", "familyId": "f1"},
        T0,
        stop_date=T0 + timedelta(seconds=9),
        error="PermanentError",
        cause=CAUSE,
        history=history,
    )


def render(renderable: object, width: int = 80) -> str:
    out = Console(width=width, record=True, color_system=None)
    out.print(renderable)
    return out.export_text()


def test_history_shows_a_caught_state_as_failed_with_one_line() -> None:
    text = render(history_table(caught()))
    line = next(row for row in text.splitlines() if "AcceptResponse" in row)
    assert "✗" in line and "caught" in line and "✓" not in line
    assert "accept_response: invalid input" in text
    assert "stackTrace" not in text and "ok after" not in text
    assert "stackTrace" in render(history_table(caught(), verbose=True), width=200)


def test_list_keeps_whole_names_at_80_columns() -> None:
    text = render(executions_table([caught()]), width=80)
    assert "response-sample-first-job-recording-2" in text
    assert max(len(line) for line in text.splitlines()) <= 80


def test_json_marks_the_caught_state_not_ok() -> None:
    data = execution_detail_json(caught())
    accept = next(s for s in data["states"] if s["state"] == "AcceptResponse")
    assert (accept["outcome"], accept["ok"], accept["cause"]) == ("caught", False, "accept_response: invalid input")
    assert data["responseId"] == "r1" and data["status"] == "FAILED"


def test_live_progress_prints_running_failed_and_caught_lines() -> None:
    out = Console(width=120, record=True, color_system=None)
    progress = LiveProgress(out)
    for event in caught().history:
        progress(event)
    text = out.export_text()
    assert "… AcceptResponse running" in text
    assert "✗ AcceptResponse PermanentError: accept_response: invalid input (caught)" in text
    assert "✓ MarkFailed" in text and "stackTrace" not in text


def test_the_live_line_shows_the_running_states_with_their_elapsed_time() -> None:
    out = Console(width=120, record=True, color_system=None)
    progress = LiveProgress(out)
    events = caught().history
    progress(events[1])  # AcceptResponse entered
    line = render(progress, width=120)
    assert re.search(r"running: AcceptResponse \d+\.\ds", line), line
    progress(events[4])  # ... and exited (caught)
    assert "AcceptResponse" not in render(progress, width=120)
