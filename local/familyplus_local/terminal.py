"""What the CLI prints about executions (rich): live progress, the history of one execution, the executions
list, and their `--json` forms — all from `state_outcomes`, so a caught failure is a red ✗ here as in the
console, never a green tick.

Causes are one line (Lambda's errorMessage, never its stackTrace JSON) unless `verbose`; execution names are
never cut (they are what `show`, `redrive` and `stop` take), other columns wrap to fit 80 columns.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime
from typing import Any

from rich import box
from rich.console import Console, RenderableType
from rich.live import Live
from rich.table import Table
from rich.text import Text

from familyplus_local.executor import Execution, HistoryEvent
from familyplus_local.state_outcomes import (
    CAUGHT,
    FAILED,
    NOT_REACHED,
    RETRIED,
    RUNNING,
    SUCCEEDED,
    StateVisit,
    one_line,
    state_visits,
)

_MARK = {
    SUCCEEDED: "[green]✓[/]",
    FAILED: "[bold red]✗[/]",
    CAUGHT: "[bold red]✗[/]",
    RETRIED: "[yellow]↻[/]",
    RUNNING: "[cyan]…[/]",
    NOT_REACHED: " ",
}
_STATUS_STYLE = {
    "SUCCEEDED": "green",
    "FAILED": "bold red",
    "TIMED_OUT": "bold red",
    "ABORTED": "red",
    "RUNNING": "cyan",
}
_WORK_STATES = ("TaskStateEntered", "MapStateEntered", "ParallelStateEntered")


def cause_text(cause: str | None, verbose: bool) -> str:
    """The cause as shown: one line, or whole (stack trace and all) with -v."""
    if verbose:
        return cause or ""
    return one_line(cause)


class LiveProgress:
    """An executor listener: one line per state that finished (✓, or a red ✗ with the error when it failed or
    was caught), every failed attempt, the child executions started; and, on a terminal, a live line with the
    states running now and their elapsed time. Off a terminal (logs, tests) it prints a line as each work
    state starts instead. Use as a context manager around the run, or plainly as a listener."""

    def __init__(self, out: Console, *, verbose: bool = False) -> None:
        self.out = out
        self.verbose = verbose
        self._running: dict[str, float] = {}  # path -> monotonic start
        self._lock = threading.Lock()
        self._live: Live | None = None

    # ---- the live line ----
    def __rich__(self) -> RenderableType:
        with self._lock:
            running = list(self._running.items())
        now = time.monotonic()
        if not running:
            return Text("")
        parts = [f"{path} {now - started:.1f}s" for path, started in running]
        return Text.from_markup(f"  [cyan]⠿ running:[/] {', '.join(parts)}")

    def __enter__(self) -> LiveProgress:
        if self.out.is_terminal:
            self._live = Live(self, console=self.out, refresh_per_second=8, transient=True)
            self._live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None

    # ---- the listener ----
    def __call__(self, event: HistoryEvent) -> None:
        where = event.path or event.state or ""
        kind = event.type
        if kind in _WORK_STATES:
            with self._lock:
                self._running[where] = time.monotonic()
            if self._live is None:
                self.out.print(f"  [cyan]…[/] {where} [dim]running[/]")
        elif kind.endswith("StateExited"):
            with self._lock:
                started = self._running.pop(where, None)
            seconds = f" [dim]{time.monotonic() - started:.2f}s[/]" if started is not None else ""
            if event.error:
                cause = cause_text(event.cause, self.verbose)
                self.out.print(f"  [bold red]✗ {where}[/] [red]{event.error}[/]: {cause} [dim](caught)[/]{seconds}")
            else:
                self.out.print(f"  [green]✓[/] {where}{seconds}")
        elif kind in ("TaskFailed", "TaskTimedOut", "LambdaFunctionFailed"):
            retry = f" — retrying in {event.retry_delay:.2f}s" if event.retry_delay is not None else ""
            cause = cause_text(event.cause, self.verbose)
            self.out.print(f"  [red]✗[/] {where} attempt {event.attempt + 1}: [red]{event.error}[/]: {cause}{retry}")
        elif kind == "TaskSucceeded" and isinstance(event.output, dict) and "ExecutionArn" in event.output:
            self.out.print(f"  [magenta]↳[/] {where} started {_child_label(str(event.output['ExecutionArn']))}")
        elif kind in ("MapRunStarted", "MapRunRedriven") and isinstance(event.output, dict):
            self.out.print(f"  [magenta]↳[/] {where} map run {event.output.get('MapRunArn', '')}")
        elif kind == "MapIterationStarted":
            self.out.print(f"  [magenta]↳[/] {where} [dim]child execution started[/]")
        elif kind in ("ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted"):
            with self._lock:
                self._running.clear()
            cause = cause_text(event.cause, self.verbose)
            self.out.print(f"  [bold red]execution {kind[9:].lower()}[/]: [red]{event.error}[/]: {cause}")
        elif kind == "ExecutionRedriven":
            self.out.print("  [yellow]↻ redriven[/]")


def _child_label(arn: str) -> str:
    """`workflow:name` of an execution ARN (what `executions show` takes is the name)."""
    parts = arn.split(":")
    return f"{parts[-2]} execution {parts[-1]}" if len(parts) >= 2 else arn


def _visit_result(visit: StateVisit, outcome: str, verbose: bool) -> str:
    if outcome in (FAILED, CAUGHT):
        label = "caught" if outcome == CAUGHT else "failed"
        return f"[bold red]✗ {label}[/] [red]{visit.error}[/]: {cause_text(visit.cause, verbose)}"
    if outcome == RETRIED:
        errors = [a.error for a in visit.attempts if a.error]
        return f"[yellow]↻ ok after {len(errors)} failed attempt(s)[/]: {', '.join(e or '' for e in errors)}"
    if outcome == RUNNING:
        return "[cyan]… running[/]"
    return "[green]✓ ok[/]"


def visit_outcome(visit: StateVisit, execution: Execution) -> str:
    return visit.outcome(execution.status == "RUNNING")


def history_table(execution: Execution, *, verbose: bool = False) -> Table:
    """State by state: offset from the start, duration, attempts and the outcome, failures in red."""
    style = _STATUS_STYLE.get(execution.status, "")
    table = Table(title=f"{execution.name} — [{style}]{execution.status}[/]", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("state", overflow="fold")
    table.add_column("started", justify="right", no_wrap=True)
    table.add_column("took", justify="right", no_wrap=True)
    table.add_column("tries", justify="right", no_wrap=True)
    table.add_column("result", overflow="fold")
    start = execution.start_date
    for visit in state_visits(execution):
        outcome = visit_outcome(visit, execution)
        offset = (visit.entered - start).total_seconds()
        took = f"{visit.seconds:.3f}s" if visit.seconds is not None else "—"
        table.add_row(
            f"{_MARK[outcome]} {visit.path}",
            f"+{offset:.3f}s",
            took,
            str(len(visit.attempts) or ""),
            _visit_result(visit, outcome, verbose),
        )
    return table


def execution_footer(execution: Execution, *, verbose: bool = False) -> str | None:
    if not execution.error:
        return None
    return f"[bold red]{execution.status}[/] [red]{execution.error}[/]: {cause_text(execution.cause, verbose)}"


def _duration(execution: Execution) -> str:
    if execution.stop_date is None:
        return "running" if execution.status == "RUNNING" else "—"
    return f"{(execution.stop_date - execution.start_date).total_seconds():.2f}s"


def executions_table(executions: list[Execution], title: str = "executions (newest first)") -> Table:
    """Readable at 80 columns: the whole execution name on its own line with the workflow under it, the status
    with its duration, the start, and the error (wrapped)."""
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    longest = max((len(e.name) for e in executions), default=9)
    table.add_column("execution", no_wrap=True, min_width=min(longest, 60))
    table.add_column("status", no_wrap=True)
    table.add_column("started (UTC)", no_wrap=True)
    table.add_column("error", overflow="fold", ratio=1)
    for ex in executions:
        style = _STATUS_STYLE.get(ex.status, "")
        redrives = f" · {ex.redrive_count} redrive(s)" if ex.redrive_count else ""
        table.add_row(
            f"{ex.name}\n[dim]{ex.state_machine_name}{redrives}[/]",
            f"[{style}]{ex.status}[/]\n[dim]{_duration(ex)}[/]",
            f"{ex.start_date:%Y-%m-%d}\n{ex.start_date:%H:%M:%S}",
            f"[red]{ex.error}[/]" if ex.error else "",
        )
    return table


# ---- --json ----------------------------------------------------------------------------------------------


def execution_summary_json(execution: Execution) -> dict[str, Any]:
    data = execution.input if isinstance(execution.input, dict) else {}
    return {
        "executionArn": execution.execution_arn,
        "name": execution.name,
        "workflow": execution.state_machine_name,
        "status": execution.status,
        "startDate": execution.start_date.isoformat(),
        "stopDate": execution.stop_date.isoformat() if execution.stop_date else None,
        "redriveCount": execution.redrive_count,
        "responseId": data.get("responseId"),
        "familyId": data.get("familyId"),
        "error": execution.error,
        "cause": one_line(execution.cause) or None,
    }


def execution_detail_json(execution: Execution, *, verbose: bool = False) -> dict[str, Any]:
    """The execution with one entry per state visit. `ok` is false for a failed or caught state: a caught
    failure is never reported as a success."""
    states = []
    for visit in state_visits(execution):
        outcome = visit_outcome(visit, execution)
        states.append(
            {
                "state": visit.state,
                "path": visit.path,
                "outcome": outcome,
                "ok": outcome in (SUCCEEDED, RETRIED),
                "entered": visit.entered.isoformat(),
                "seconds": visit.seconds,
                "attempts": len(visit.attempts),
                "error": visit.error,
                "cause": cause_text(visit.cause, verbose) or None,
                "children": visit.children,
            }
        )
    return {**execution_summary_json(execution), "states": states}


def print_json(data: Any) -> None:
    """JSON on stdout, unstyled and never wrapped (pipe it to jq)."""
    print(json.dumps(data, default=_default, ensure_ascii=False, indent=2))


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")
