"""What the console's pages show, computed from executions: the graph with outcomes, the state details, the
event history rows, the children, and the metrics. Plain data for the templates (and for `/api/...` JSON).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import quantiles
from typing import Any

from familyplus_local.asl_states import all_states
from familyplus_local.console.graph import workflow_layout
from familyplus_local.console.svg import render
from familyplus_local.executor import Execution
from familyplus_local.state_outcomes import CAUGHT, FAILED, one_line, state_outcomes


def duration(execution: Execution) -> float | None:
    return (execution.stop_date - execution.start_date).total_seconds() if execution.stop_date else None


def execution_row(execution: Execution) -> dict[str, Any]:
    """One line of the executions list (ids only from the input: never a family's words)."""
    data = execution.input if isinstance(execution.input, dict) else {}
    return {
        "arn": execution.execution_arn,
        "name": execution.name,
        "workflow": execution.state_machine_name,
        "status": execution.status,
        "start": execution.start_date.isoformat(timespec="seconds"),
        "seconds": duration(execution),
        "redrives": execution.redrive_count,
        "responseId": data.get("responseId"),
        "familyId": data.get("familyId"),
        "error": execution.error,
        "cause": one_line(execution.cause, 120),
    }


def graph_svg(definition: dict[str, Any], execution: Execution) -> str:
    outcomes = {name: o.outcome for name, o in state_outcomes(execution).items()}
    return render(workflow_layout(definition), outcomes)


def states_detail(execution: Execution) -> dict[str, Any]:
    return {name: o.to_dict() for name, o in state_outcomes(execution).items()}


def history_rows(execution: Execution) -> list[dict[str, Any]]:
    start = execution.start_date
    return [
        {
            "id": e.id,
            "type": e.type,
            "path": e.path or e.state or "",
            "offset": (e.timestamp - start).total_seconds(),
            "attempt": e.attempt + 1 if e.state else None,
            "error": e.error or "",
            "cause": one_line(e.cause, 120),
        }
        for e in execution.history
    ]


def children(execution: Execution) -> list[dict[str, str]]:
    """Executions and map runs this execution started, with the state that started them."""
    found: list[dict[str, str]] = []
    for name, outcome in state_outcomes(execution).items():
        for visit in outcome.visits:
            for arn in visit.children:
                kind = "map run" if ":mapRun:" in arn else "execution"
                found.append({"arn": arn, "state": name, "path": visit.path, "kind": kind})
    return found


def map_iterations(execution: Execution) -> list[dict[str, Any]]:
    """Map iterations (inline and distributed children), one row per item index, from the event paths."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for event in execution.history:
        if event.type.startswith("MapIteration") and event.path:
            key = (event.state or "", event.path)
            row = rows.setdefault(key, {"map": event.state, "path": event.path, "status": "RUNNING"})
            if event.type != "MapIterationStarted":
                row["status"] = event.type.removeprefix("MapIteration").upper()
                row["error"] = event.error or ""
    return list(rows.values())


# ---- metrics ---------------------------------------------------------------------------------------


@dataclass
class StageStats:
    state: str
    runs: int = 0
    failures: int = 0  # failed or caught: a caught failure is a failure
    retries: int = 0
    seconds: list[float] = field(default_factory=list)

    @property
    def failure_rate(self) -> float:
        return self.failures / self.runs if self.runs else 0.0

    def percentile(self, q: int) -> float | None:
        if not self.seconds:
            return None
        if len(self.seconds) == 1:
            return self.seconds[0]
        return quantiles(self.seconds, n=100, method="inclusive")[q - 1]


def stage_stats(executions: list[Execution], task_states: set[str]) -> list[StageStats]:
    stats: dict[str, StageStats] = {}
    for execution in executions:
        for name, outcome in state_outcomes(execution).items():
            if name not in task_states:
                continue
            entry = stats.setdefault(name, StageStats(state=name))
            for visit in outcome.visits:
                entry.runs += 1
                entry.failures += (
                    visit.failed_error is not None
                    or visit.caught_error is not None
                    or (visit.exited is not None and bool(visit.attempts) and visit.attempts[-1].error is not None)
                )
                entry.retries += sum(1 for a in visit.attempts if a.error and a.retry_delay is not None)
                if visit.seconds is not None:
                    entry.seconds.append(visit.seconds)
    return sorted(stats.values(), key=lambda s: s.state)


def per_day(executions: list[Execution], now: datetime, days: int) -> dict[str, list[dict[str, Any]]]:
    """For each workflow, one bucket per day (oldest first): executions started and how many did not succeed."""
    start_day = (now - timedelta(days=days - 1)).date()
    series: dict[str, list[dict[str, Any]]] = {}
    for execution in executions:
        buckets = series.setdefault(
            execution.state_machine_name,
            [{"day": (start_day + timedelta(days=i)).isoformat(), "total": 0, "failed": 0} for i in range(days)],
        )
        index = (execution.start_date.date() - start_day).days
        if 0 <= index < days:
            buckets[index]["total"] += 1
            buckets[index]["failed"] += execution.status in ("FAILED", "TIMED_OUT", "ABORTED")
    return dict(sorted(series.items()))


def task_state_names(definition: dict[str, Any]) -> set[str]:
    return {name for name, state in all_states(definition) if state.get("Type") == "Task"}


def lane_limits(definition: dict[str, Any]) -> list[dict[str, Any]]:
    """The Map states that bound a workflow's fan-out (its lane): name and MaxConcurrency."""
    return [
        {
            "map": name,
            "limit": state.get("MaxConcurrency")
            if state.get("MaxConcurrency") is not None
            else state.get("MaxConcurrencyPath"),
        }
        for name, state in all_states(definition)
        if state.get("Type") == "Map"
    ]


def is_failure(outcome: str) -> bool:
    return outcome in (FAILED, CAUGHT)
