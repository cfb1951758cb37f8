"""Terminal rendering for the CLI (rich): live progress, the execution history, stories."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from rich.console import Console
from rich.table import Table

from familyplus.models.response import Quote, StoryRecord, ValueTag, WisdomItem
from familyplus_local.executor import Execution, HistoryEvent

console = Console(highlight=False)


class LiveProgress:
    """An executor listener that prints one line per state as it finishes, and every failure/retry."""

    def __init__(self, out: Console = console) -> None:
        self.out = out
        self._entered: dict[str, datetime] = {}

    def __call__(self, event: HistoryEvent) -> None:
        where = event.path or event.state or ""
        kind = event.type
        if kind.endswith("StateEntered"):
            self._entered[where] = event.timestamp
        elif kind.endswith("StateExited"):
            started = self._entered.pop(where, event.timestamp)
            seconds = (event.timestamp - started).total_seconds()
            self.out.print(f"  [green]✓[/] {where} [dim]{seconds:.2f}s[/]")
        elif kind in ("TaskFailed", "TaskTimedOut", "LambdaFunctionFailed"):
            retry = f" — retrying in {event.retry_delay:.2f}s" if event.retry_delay is not None else ""
            self.out.print(f"  [red]✗[/] {where} attempt {event.attempt + 1}: {event.error}{retry}")
        elif kind == "ExecutionFailed" or kind == "ExecutionTimedOut":
            self.out.print(f"  [bold red]execution {kind[9:].lower()}[/]: {event.error}")
        elif kind == "ExecutionRedriven":
            self.out.print("  [yellow]↻ redriven[/]")


@dataclass
class StateRow:
    path: str
    entered: datetime
    exited: datetime | None = None
    attempts: int = 0
    errors: list[str] = field(default_factory=list)


def state_rows(execution: Execution) -> list[StateRow]:
    """Fold the event history into one row per state visit: start, duration, attempts, errors."""
    rows: list[StateRow] = []
    open_rows: dict[str, StateRow] = {}
    for event in execution.history:
        where = event.path or event.state
        if not where:
            continue
        if event.type.endswith("StateEntered"):
            row = StateRow(path=where, entered=event.timestamp)
            rows.append(row)
            open_rows[where] = row
        elif where in open_rows:
            row = open_rows[where]
            if event.type == "TaskScheduled":
                row.attempts += 1
            elif event.error and event.type != "ExecutionFailed":
                retry = f" (retry in {event.retry_delay:.2f}s)" if event.retry_delay is not None else ""
                row.errors.append(f"{event.error}{retry}")
            if event.type.endswith("StateExited"):
                row.exited = event.timestamp
                open_rows.pop(where)
    return rows


def history_table(execution: Execution) -> Table:
    table = Table(title=f"{execution.name} — {execution.status}", title_justify="left")
    for column in ("state", "started", "duration", "attempts", "result"):
        table.add_column(column)
    start = execution.start_date
    for row in state_rows(execution):
        offset = (row.entered - start).total_seconds()
        duration = f"{(row.exited - row.entered).total_seconds():.3f}s" if row.exited else "—"
        result = "; ".join(row.errors) if row.errors else ("ok" if row.exited else "did not finish")
        if row.errors and row.exited:
            result = f"ok after {result}"
        table.add_row(row.path, f"+{offset:.3f}s", duration, str(row.attempts or ""), result)
    return table


def executions_table(executions: list[Execution]) -> Table:
    table = Table(title="executions (newest first)", title_justify="left")
    for column in ("name", "workflow", "status", "started", "duration", "redrives", "error"):
        table.add_column(column)
    for ex in executions:
        duration = f"{(ex.stop_date - ex.start_date).total_seconds():.2f}s" if ex.stop_date else "—"
        table.add_row(
            ex.name,
            ex.state_machine_name,
            ex.status,
            ex.start_date.strftime("%Y-%m-%d %H:%M:%S"),
            duration,
            str(ex.redrive_count),
            ex.error or "",
        )
    return table


def print_story(story: StoryRecord, tags: list[ValueTag], wisdom: list[WisdomItem], quotes: list[Quote]) -> None:
    console.rule(f"[bold]{story.title}")
    console.print(f"[italic]{story.summary}[/]\n")
    console.print(story.narrative)
    console.print()
    console.print("[bold]Values:[/] " + ", ".join(f"{t.tag} ({t.score:.2f})" for t in tags))
    for item in wisdom:
        console.print(f"[bold]{item.kind.capitalize()}:[/] {item.text}")
    for quote in quotes:
        console.print(f"[bold]Quote:[/] “{quote.text}”")
    if story.podcast_key:
        console.print(f"[bold]Podcast:[/] {story.podcast_key} ({story.podcast_seconds or 0:.1f}s)")
