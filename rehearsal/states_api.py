"""The rehearsal's Step Functions endpoint: the JSON protocol (`AWSStepFunctions.<Operation>`) over the
executions the local executor runs, so `familyplus.client.start_processing` and the CLI's `--aws` paths run
unchanged with a boto3 client whose `endpoint_url` is the rehearsal.

Served: StartExecution, DescribeExecution, DescribeStateMachine, ListExecutions, GetExecutionHistory,
RedriveExecution, StopExecution. Every answer is checked against botocore's own `stepfunctions` service model
(required members, types, no unknown members, HistoryEventType names) before it is sent: an answer real Step
Functions could not give fails the call loudly (500) instead of teaching the CLI a shape AWS never sends.

History: the executor records AWS's event type names with a `path` per event; GetExecutionHistory renders them
as Step Functions does: numbered from 1, each event's `previousEventId` leading back to the state it belongs
to (Map iterations through their MapIterationStarted), its `<type>EventDetails`, and a distributed Map's
child executions left out (AWS keeps them in the map run's own executions, not in the parent's history).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Protocol

from familyplus_local.executor import Execution, HistoryEvent
from rehearsal.template import REGION, Deployment

JSON_HEADERS = {"Content-Type": "application/x-amz-json-1.0"}
_PAGE = 100  # GetExecutionHistory's default maxResults


@dataclass
class RunningExecution:
    arn: str
    name: str
    machine: str
    input: Any
    thread: threading.Thread | None = None
    execution: Execution | None = None
    started: float = field(default_factory=time.time)
    error: str | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    stopped_at: float | None = None
    live: list[HistoryEvent] = field(default_factory=list)  # the events so far, while the first run goes on


class Executions(Protocol):
    """What the endpoint drives: the rehearsed stack's executions and how to start/redrive them."""

    deployment: Deployment
    executions: dict[str, RunningExecution]

    def start(self, machine_arn: str, name: str, data: Any) -> RunningExecution: ...

    def redrive(self, running: RunningExecution) -> None: ...


class StatesError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@cache
def _model() -> Any:
    from botocore.session import get_session

    return get_session().get_service_model("stepfunctions")


def check_answer(operation: str, answer: dict[str, Any]) -> None:
    """Raise ValueError when `answer` is not what botocore's model says `operation` returns."""
    from botocore.exceptions import ParamValidationError
    from botocore.validate import validate_parameters

    model = _model()
    try:
        validate_parameters(answer, model.operation_model(operation).output_shape)
    except ParamValidationError as exc:
        raise ValueError(f"{operation} answer off botocore's model: {exc}") from exc
    kinds = set(model.shape_for("HistoryEventType").enum)
    statuses = set(model.shape_for("ExecutionStatus").enum)
    for event in answer.get("events", []):
        if event["type"] not in kinds:
            raise ValueError(f"{operation}: {event['type']} is no HistoryEventType")
    for row in [answer, *answer.get("executions", [])]:
        if "status" in row and row["status"] not in statuses:
            raise ValueError(f"{operation}: {row['status']} is no ExecutionStatus")


class StatesApi:
    """`handle(method, path, headers, body)`: one Step Functions JSON-protocol call."""

    def __init__(self, stack: Executions) -> None:
        self.stack = stack
        self._operations: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "StartExecution": self.start_execution,
            "DescribeExecution": lambda r: describe(self._find(r)),
            "DescribeStateMachine": self.describe_state_machine,
            "ListExecutions": self.list_executions,
            "GetExecutionHistory": self.get_execution_history,
            "RedriveExecution": self.redrive_execution,
            "StopExecution": self.stop_execution,
        }

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        operation = headers.get("x-amz-target", "").rsplit(".", 1)[-1]
        if operation not in self._operations:
            return _error("UnknownOperationException", f"the rehearsal does not serve {operation}")
        try:
            answer = self._operations[operation](json.loads(body or b"{}"))
        except StatesError as exc:
            return _error(exc.code, str(exc))
        try:
            check_answer(operation, answer)
        except ValueError as exc:
            return 500, JSON_HEADERS, json.dumps({"__type": "InternalFailure", "message": str(exc)}).encode()
        return 200, JSON_HEADERS, json.dumps(answer).encode()

    def _find(self, request: dict[str, Any]) -> RunningExecution:
        arn = str(request.get("executionArn", ""))
        found = self.stack.executions.get(arn)
        if found is None:
            raise StatesError("ExecutionDoesNotExist", f"Execution Does Not Exist: '{arn}'")
        return found

    def start_execution(self, request: dict[str, Any]) -> dict[str, Any]:
        machine_arn = request["stateMachineArn"]
        if machine_arn.rsplit(":", 1)[-1] not in self.stack.deployment.state_machines:
            raise StatesError("StateMachineDoesNotExist", f"State Machine Does Not Exist: '{machine_arn}'")
        name = request.get("name") or f"exec-{len(self.stack.executions) + 1}"
        arn = machine_arn.replace(":stateMachine:", ":execution:") + ":" + name
        existing = self.stack.executions.get(arn)
        data = json.loads(request.get("input") or "{}")
        if existing is not None:
            # AWS's idempotency: the same name and input while it still runs answers the same execution.
            running = existing.execution is None and existing.error is None
            if not (running and existing.input == data):
                raise StatesError("ExecutionAlreadyExists", f"Execution Already Exists: '{arn}'")
        else:
            self.stack.start(machine_arn, name, data)
        return {"executionArn": arn, "startDate": self.stack.executions[arn].started}

    def describe_state_machine(self, request: dict[str, Any]) -> dict[str, Any]:
        name = str(request.get("stateMachineArn", "")).rsplit(":", 1)[-1]
        machine = self.stack.deployment.state_machines.get(name)
        if machine is None:
            raise StatesError("StateMachineDoesNotExist", f"State Machine Does Not Exist: '{name}'")
        return {
            "stateMachineArn": machine.arn,
            "name": name,
            "status": "ACTIVE",
            "type": "STANDARD",
            "definition": json.dumps(machine.definition),
            "roleArn": self.stack.deployment.roles[machine.role].arn,
            "creationDate": 0,
        }

    def list_executions(self, request: dict[str, Any]) -> dict[str, Any]:
        prefix = str(request.get("stateMachineArn", "")).replace(":stateMachine:", ":execution:") + ":"
        rows = [describe(e) for e in self.stack.executions.values() if e.arn.startswith(prefix)]
        if request.get("statusFilter"):
            rows = [r for r in rows if r["status"] == request["statusFilter"]]
        keep = ("executionArn", "stateMachineArn", "name", "status", "startDate", "stopDate", "redriveCount")
        return {"executions": [{k: r[k] for k in keep if k in r} for r in reversed(rows)]}

    def get_execution_history(self, request: dict[str, Any]) -> dict[str, Any]:
        found = self._find(request)
        machine = self.stack.deployment.state_machines[found.machine]
        role_arn = self.stack.deployment.roles[machine.role].arn
        events = aws_history(found, role_arn, include_data=request.get("includeExecutionData", True))
        if request.get("reverseOrder"):
            events.reverse()
        offset = int(request.get("nextToken") or 0)
        size = int(request.get("maxResults") or _PAGE)
        page: dict[str, Any] = {"events": events[offset : offset + size]}
        if offset + size < len(events):
            page["nextToken"] = str(offset + size)
        return page

    def redrive_execution(self, request: dict[str, Any]) -> dict[str, Any]:
        found = self._find(request)
        if found.execution is None or found.execution.status not in ("FAILED", "TIMED_OUT", "ABORTED"):
            raise StatesError("ExecutionNotRedrivable", f"Execution is not redrivable: '{found.arn}'")
        self.stack.redrive(found)
        return {"redriveDate": time.time()}

    def stop_execution(self, request: dict[str, Any]) -> dict[str, Any]:
        """The run is told to stop (the executor ends it ABORTED at its next step, as AWS stops a run
        between states); an invocation in flight finishes on its own, as a Lambda does."""
        found = self._find(request)
        if describe(found)["status"] != "RUNNING":
            raise StatesError("ValidationException", f"Execution is not running: '{found.arn}'")
        found.stopped_at = time.time()
        found.stop.set()
        return {"stopDate": found.stopped_at}


def describe(found: RunningExecution) -> dict[str, Any]:
    execution = found.execution
    status = "FAILED" if found.error else execution.status if execution else "RUNNING"
    if status == "RUNNING" and found.stopped_at is not None:  # stopped: ABORTED from StopExecution on
        status = "ABORTED"
    out: dict[str, Any] = {
        "executionArn": found.arn,
        "stateMachineArn": found.arn.replace(":execution:", ":stateMachine:").rsplit(":", 1)[0],
        "name": found.name,
        "status": status,
        "startDate": found.started,
        "input": json.dumps(found.input),
        "redriveCount": execution.redrive_count if execution else 0,
    }
    if execution is not None and execution.stop_date is not None:
        out["stopDate"] = execution.stop_date.timestamp()
    elif found.stopped_at is not None:
        out["stopDate"] = found.stopped_at
    if execution is not None and execution.output is not None:
        out["output"] = json.dumps(execution.output)
    if execution is not None and execution.error:
        out["error"], out["cause"] = execution.error, execution.cause or ""
    if found.error:
        out["error"], out["cause"] = "Rehearsal.ExecutorError", found.error
    return out


# --- GetExecutionHistory ---------------------------------------------------------------------------


def _resource(arn: str | None) -> tuple[str, str]:
    """`arn:aws:states:::lambda:invoke` -> ("lambda", "invoke"), as TaskScheduledEventDetails names it."""
    service, _, resource = (arn or "").removeprefix("arn:aws:states:::").partition(":")
    return service or "unknown", resource or (arn or "unknown")


def _text(value: Any) -> str:
    return json.dumps(value)


def _details(event: HistoryEvent, resource: str | None, role_arn: str, include_data: bool) -> dict[str, Any]:
    kind = event.type
    data = (
        (lambda key, value: {key: _text(value), f"{key}Details": {"truncated": False}})
        if include_data
        else (lambda key, value: {})
    )
    failure = {k: v for k, v in (("error", event.error), ("cause", event.cause)) if v is not None}
    if kind == "ExecutionStarted":
        return {"executionStartedEventDetails": {**data("input", event.input), "roleArn": role_arn}}
    if kind == "ExecutionSucceeded":
        return {"executionSucceededEventDetails": data("output", event.output)}
    if kind in ("ExecutionFailed", "ExecutionAborted", "ExecutionTimedOut"):
        return {f"{kind[0].lower()}{kind[1:]}EventDetails": failure}
    if kind.endswith("StateEntered"):
        return {"stateEnteredEventDetails": {"name": event.state, **data("input", event.input)}}
    if kind.endswith("StateExited"):
        exited: dict[str, Any] = {"name": event.state, **data("output", event.output)}
        if event.variables and include_data:
            exited["assignedVariables"] = {k: _text(v) for k, v in event.variables.items()}
        return {"stateExitedEventDetails": exited}
    if kind.startswith("Task"):
        resource_type, name = _resource(resource)
        base = {"resourceType": resource_type, "resource": name}
        if kind == "TaskScheduled":
            return {"taskScheduledEventDetails": {**base, "region": REGION, "parameters": _text(event.input or {})}}
        if kind == "TaskStarted":
            return {"taskStartedEventDetails": base}
        if kind == "TaskSucceeded":
            return {"taskSucceededEventDetails": {**base, **data("output", event.output)}}
        if kind in ("TaskFailed", "TaskTimedOut"):
            return {f"{kind[0].lower()}{kind[1:]}EventDetails": {**base, **failure}}
        return {}
    if kind == "MapStateStarted":
        length = event.output.get("length") if isinstance(event.output, dict) else None
        return {"mapStateStartedEventDetails": {"length": int(length)}} if length is not None else {}
    if kind.startswith("MapIteration"):
        index = int(str(event.path).rsplit("/", 1)[-1])
        return {f"{kind[0].lower()}{kind[1:]}EventDetails": {"name": event.state, "index": index}}
    if kind == "MapRunStarted":
        arn = event.output.get("MapRunArn") if isinstance(event.output, dict) else None
        return {"mapRunStartedEventDetails": {"mapRunArn": arn}} if arn else {}
    if kind == "MapRunFailed":
        return {"mapRunFailedEventDetails": failure}
    if kind == "EvaluationFailed":
        return {"evaluationFailedEventDetails": {"state": event.state or "", **failure}}
    return {}  # e.g. ParallelStateSucceeded, MapStateFailed: AWS gives these no details either


def _scope(path: str) -> str:
    return path.rsplit("/", 1)[0] + "/" if "/" in path else ""


def aws_history(found: RunningExecution, role_arn: str, *, include_data: bool = True) -> list[dict[str, Any]]:
    """The execution's history as GetExecutionHistory returns it (oldest first, ids from 1)."""
    history = list(found.execution.history if found.execution is not None else found.live)
    if not history:  # started, its first event not yet recorded
        first = {"roleArn": role_arn, **({"input": _text(found.input)} if include_data else {})}
        return [
            {
                "timestamp": found.started,
                "type": "ExecutionStarted",
                "id": 1,
                "previousEventId": 0,
                "executionStartedEventDetails": first,
            }
        ]
    kinds = set(_model().shape_for("HistoryEventType").enum)
    distributed = {e.path for e in history if e.type == "MapRunStarted" and e.path}
    out: list[dict[str, Any]] = []
    last_of_path: dict[str, int] = {}  # path -> id of its latest event
    last_in_scope: dict[str, int] = {}  # scope prefix ("", "Map/3/") -> id of its latest event
    resource_of: dict[str, str | None] = {}
    redriven = 0
    for event in history:
        path = event.path or event.state or ""
        if event.type not in kinds or any(path.startswith(f"{p}/") for p in distributed):
            continue
        number = len(out) + 1
        if event.type.startswith("Execution"):
            previous = out[-1]["id"] if out else 0
        elif event.type.endswith("StateEntered"):
            previous = _opener(_scope(path), last_in_scope, last_of_path)
        elif event.type == "MapIterationStarted" and path not in last_of_path:
            previous = _opener(path, last_in_scope, last_of_path)
        elif event.type.startswith("MapIteration") and event.type != "MapIterationStarted":
            previous = last_in_scope.get(f"{path}/") or last_of_path.get(path, 0)
        else:
            previous = last_of_path.get(path) or _opener(_scope(path), last_in_scope, last_of_path)
        if event.type == "TaskScheduled":
            resource_of[path] = event.resource
        details: dict[str, Any] = _details(event, resource_of.get(path), role_arn, include_data)
        if event.type == "ExecutionRedriven":
            redriven += 1
            details = {"executionRedrivenEventDetails": {"redriveCount": redriven}}
        row: dict[str, Any] = {
            "timestamp": event.timestamp.timestamp(),
            "type": event.type,
            "id": number,
            "previousEventId": previous,
            **details,
        }
        out.append(row)
        last_of_path[path] = number
        last_in_scope[_scope(path)] = number
        if event.type == "MapIterationStarted":
            last_in_scope[f"{path}/"] = number
    return out


def _opener(scope: str, last_in_scope: dict[str, int], last_of_path: dict[str, int]) -> int:
    """The event a new one in `scope` follows: the scope's latest, else what opened it (a MapIterationStarted
    `Map/3`, a ParallelStateStarted `Analyze` for `Analyze/branch 0/`), walking out to the top."""
    if scope in last_in_scope:
        return last_in_scope[scope]
    trimmed = scope.rstrip("/")
    while trimmed:
        if trimmed in last_of_path:
            return last_of_path[trimmed]
        trimmed = trimmed.rsplit("/", 1)[0] if "/" in trimmed else ""
    return last_in_scope.get("", 0)


def _error(code: str, message: str) -> tuple[int, dict[str, str], bytes]:
    return 400, JSON_HEADERS, json.dumps({"__type": code, "message": message}).encode()
