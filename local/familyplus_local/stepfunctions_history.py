"""Step Functions' DescribeExecution + GetExecutionHistory, read into our `Execution` and `HistoryEvent`s, so
the console's graph, the state outcomes and the CLI read AWS executions exactly as local ones.

Step Functions names the state only on its Entered/Exited events; every other event (TaskScheduled,
TaskFailed, …) belongs to the state its `previousEventId` chain leads back to. Map iterations carry their
index (`mapIterationStartedEventDetails`), which becomes the path `<Map>/<index>/<State>` as locally.
"""

from __future__ import annotations

import json
from typing import Any

from familyplus_local.executor import Execution, HistoryEvent
from familyplus_local.ops.stepfunctions import aware


def _json(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


def _details(event: dict[str, Any]) -> dict[str, Any]:
    for key, value in event.items():
        if key.endswith("EventDetails") and isinstance(value, dict):
            return value
    return {}


def history_events(events: list[dict[str, Any]]) -> list[HistoryEvent]:
    state_of: dict[int, tuple[str | None, str]] = {}  # event id -> (state, path prefix of its scope)
    converted: list[HistoryEvent] = []
    for raw in sorted(events, key=lambda e: int(e["id"])):
        event_id, kind, details = int(raw["id"]), str(raw["type"]), _details(raw)
        state, prefix = state_of.get(int(raw.get("previousEventId") or 0), (None, ""))
        path: str | None = None
        if kind == "MapIterationStarted":
            prefix = f"{prefix}{details.get('name', '')}/{details.get('index', 0)}/"
            state, path = details.get("name"), prefix.rstrip("/")
        elif kind.startswith("MapIteration"):  # Succeeded/Failed/Aborted: back in the Map's own scope
            own = f"{details.get('name', '')}/{details.get('index', 0)}/"
            prefix = prefix.removesuffix(own)
            state, path = details.get("name"), prefix + own.rstrip("/")
        elif kind.endswith("StateEntered"):
            state = details.get("name")
        elif kind.endswith("StateExited"):
            state = details.get("name", state)
        state_of[event_id] = (state, prefix)
        if kind.startswith("Execution"):
            state, path = None, None
        elif path is None and state is not None:
            path = f"{prefix}{state}"
        output = details.get("output")
        if kind == "MapRunStarted":
            output = {"MapRunArn": details.get("mapRunArn")}
        elif kind == "MapRunRedriven":
            output = {"MapRunArn": details.get("mapRunArn"), "RedriveCount": details.get("redriveCount")}
        converted.append(
            HistoryEvent(
                id=event_id,
                type=kind,
                timestamp=aware(raw["timestamp"]),
                state=state,
                path=path,
                input=_json(details.get("input")),
                output=_json(output),
                error=details.get("error"),
                cause=details.get("cause"),
                resource=details.get("resource"),
            )
        )
    return converted


def execution_from_stepfunctions(described: dict[str, Any], events: list[dict[str, Any]]) -> Execution:
    """`described`: DescribeExecution's answer; `events`: every GetExecutionHistory event, in any order."""
    arn = described["executionArn"]
    machine = str(described.get("stateMachineArn", arn)).rsplit(":", 1)[-1]
    return Execution(
        execution_arn=arn,
        name=described["name"],
        state_machine_name=machine,
        status=described["status"],
        input=_json(described.get("input")),
        start_date=aware(described["startDate"]),
        output=_json(described.get("output")),
        error=described.get("error"),
        cause=described.get("cause"),
        stop_date=aware(described["stopDate"]) if described.get("stopDate") else None,
        history=history_events(events),
        redrive_count=int(described.get("redriveCount", 0)),
        redrive_date=aware(described["redriveDate"]) if described.get("redriveDate") else None,
    )
