"""Task resources: calling the `invoke` / `start_execution` hooks the way AWS service integrations behave,
turning exceptions into ASL errors like Lambda does, and bounding a task by its timeouts."""

from __future__ import annotations

import contextlib
import json
import threading
import traceback
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from .clock import is_real_time, stopwatch
from .context import RunContext
from .definition.model import ResourceKind
from .errors import (
    STATES_RUNTIME,
    STATES_TASK_FAILED,
    STATES_TIMEOUT,
    ExecutionTimedOutSignal,
    StatesFailure,
    TaskError,
)

_SYNC_KINDS = (ResourceKind.START_EXECUTION_SYNC, ResourceKind.START_EXECUTION_SYNC2)


def failure_from(exc: BaseException) -> StatesFailure:
    """TaskError keeps its (error, cause); any other exception becomes what Lambda reports: the class name as
    the error and a JSON cause {"errorMessage", "errorType", "stackTrace"}."""
    if isinstance(exc, StatesFailure):
        return exc
    if isinstance(exc, TaskError):
        return StatesFailure(exc.error, exc.cause)
    name = type(exc).__name__
    cause = {"errorMessage": str(exc), "errorType": name, "stackTrace": traceback.format_tb(exc.__traceback__)}
    return StatesFailure(name, json.dumps(cause))


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _marshal(value: Any, what: str) -> Any:
    """A private JSON copy: hooks can neither mutate our data nor hand back something AWS could not carry."""
    try:
        return json.loads(json.dumps(value, default=_json_default))
    except (TypeError, ValueError) as exc:
        raise StatesFailure("Runtime.MarshalError", f"Unable to marshal {what}: {exc}") from None


def call_resource(rc: RunContext, kind: ResourceKind, resource: str, payload: Any) -> Any:
    """Run the task's resource with its effective parameters; returns the raw task result."""
    if kind is ResourceKind.LAMBDA_FUNCTION:
        return _invoke(rc, resource, payload)
    if not isinstance(payload, dict):
        raise StatesFailure(STATES_RUNTIME, f"{kind.value} needs object Parameters, got {json.dumps(payload)}")
    if kind is ResourceKind.LAMBDA_INVOKE:
        return _lambda_invoke(rc, payload)
    return _start_execution(rc, kind, payload)


_INVOCATION_TYPES = {"RequestResponse": 200, "Event": 202, "DryRun": 204}
_LOG_TYPES = ("None", "Tail")


def _lambda_invoke(rc: RunContext, params: dict[str, Any]) -> Any:
    """`arn:aws:states:::lambda:invoke`: the Lambda Invoke API's parameters, its response shape.

    The Payload reaches the function as Lambda would parse the request body: an object as it is, a string as
    the JSON it encodes (`"{\"a\": 1}"` arrives as {"a": 1}), no Payload (or null) as {}. InvocationType Event
    runs the function and returns 202 without its result or its error (AWS queues it); DryRun only checks the
    parameters (204). LogType Tail adds a LogResult, empty here because local functions have no Lambda log."""
    function = params.get("FunctionName")
    if not isinstance(function, str) or not function:
        raise StatesFailure(STATES_RUNTIME, f"lambda:invoke needs a FunctionName string, got {function!r}")
    invocation = params.get("InvocationType", "RequestResponse")
    log_type = params.get("LogType", "None")
    qualifier = params.get("Qualifier")
    if invocation not in _INVOCATION_TYPES or log_type not in _LOG_TYPES:
        given = f"InvocationType {invocation!r}" if invocation not in _INVOCATION_TYPES else f"LogType {log_type!r}"
        raise StatesFailure(
            "Lambda.InvalidParameterValueException",
            f"1 validation error detected: {given} failed to satisfy constraint: Member must satisfy enum value set: "
            f"{list(_INVOCATION_TYPES) if invocation not in _INVOCATION_TYPES else list(_LOG_TYPES)}",
        )
    event = _request_body(params.get("Payload"))
    result: Any = None
    if invocation == "RequestResponse":
        result = _invoke(rc, function, event)
    elif invocation == "Event":
        with contextlib.suppress(StatesFailure):  # an asynchronous invocation's failure is not the task's
            _invoke(rc, function, event)
        result = ""
    response: dict[str, Any] = {
        "ExecutedVersion": qualifier if isinstance(qualifier, str) and qualifier.isdigit() else "$LATEST",
    }
    if log_type == "Tail":
        response["LogResult"] = ""
    if invocation != "DryRun":
        response["Payload"] = result
    response.update(
        SdkHttpMetadata={"HttpStatusCode": _INVOCATION_TYPES[invocation]},
        SdkResponseMetadata={"RequestId": str(uuid.uuid4())},
        StatusCode=_INVOCATION_TYPES[invocation],
    )
    return response


def _request_body(payload: Any) -> Any:
    if payload is None:
        return {}
    if not isinstance(payload, str):
        return payload
    try:
        return json.loads(payload)
    except ValueError:
        raise StatesFailure(
            "Lambda.InvalidRequestContentException",
            "Could not parse request body into json: the Payload string is not JSON "
            "(Lambda reads a string Payload as the JSON document it encodes)",
        ) from None


def _invoke(rc: RunContext, function: str, payload: Any) -> Any:
    event = _marshal(payload, "the function payload")
    try:
        result = rc.invoke(function, event)
    except Exception as exc:
        raise failure_from(exc) from None
    return _marshal(result, f"the response of {function}")


def _start_execution(rc: RunContext, kind: ResourceKind, params: dict[str, Any]) -> Any:
    hook = rc.start_execution
    if hook is None:  # checked at run start; kept for direct callers of this module
        raise StatesFailure(STATES_RUNTIME, "no start_execution hook was given")
    arn = params.get("StateMachineArn")
    if not isinstance(arn, str) or not arn:
        raise StatesFailure(STATES_RUNTIME, f"startExecution needs a StateMachineArn string, got {arn!r}")
    name = params.get("Name")
    wait = kind in _SYNC_KINDS
    try:
        result = hook(arn, _marshal(params.get("Input", {}), "the execution input"), name, wait)
    except Exception as exc:
        raise failure_from(exc) from None
    result = _marshal(result, "the start_execution result")
    if wait:
        if isinstance(result, dict) and result.get("Status", "SUCCEEDED") != "SUCCEEDED":
            raise StatesFailure(STATES_TASK_FAILED, json.dumps(result))
        # `.sync` (v1) carries Output as a JSON string; `.sync:2` as parsed JSON.
        v1 = kind is ResourceKind.START_EXECUTION_SYNC and isinstance(result, dict)
        if v1 and "Output" in result and not isinstance(result["Output"], str):
            result["Output"] = json.dumps(result["Output"], separators=(",", ":"))
    return result


def run_bounded(rc: RunContext, work: Callable[[], Any], task_timeout: float | None) -> Any:
    """Run `work` (which raises StatesFailure or returns the result) within the task's TimeoutSeconds and the
    execution's remaining time. Durations are measured on the clock (so virtual sleeps count); with a real
    clock the wait is also bounded in real time by running the work in a daemon thread."""
    remaining = rc.remaining()
    bounds = [b for b in (task_timeout, remaining) if b is not None]
    task_first = task_timeout is not None and (remaining is None or task_timeout <= remaining)
    elapsed = stopwatch(rc.clock)
    failure: StatesFailure | None = None
    result: Any = None
    if bounds and is_real_time(rc.clock):
        finished, result, error = _in_thread(work, max(0.0, min(bounds)))
        if not finished:
            if task_first:
                raise StatesFailure(STATES_TIMEOUT)
            raise ExecutionTimedOutSignal()
        if error is not None:
            if not isinstance(error, Exception):
                raise error
            failure = failure_from(error)
    else:
        try:
            result = work()
        except StatesFailure as exc:
            failure = exc
    took = elapsed()
    if task_timeout is not None and took > task_timeout:
        # AWS reports a task's timeout with no cause (recorded: TaskTimedOut and ExecutionFailed carry only
        # the error States.Timeout).
        raise StatesFailure(STATES_TIMEOUT)
    if rc.deadline is not None and rc.clock.now() > rc.deadline:
        raise ExecutionTimedOutSignal()
    if failure is not None:
        raise failure
    return result


def _in_thread(work: Callable[[], Any], timeout: float) -> tuple[bool, Any, BaseException | None]:
    # A daemon thread: a task that never returns must not keep the process alive after it timed out.
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["result"] = work()
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=target, name="sfn-task", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        return False, None, None
    return True, box.get("result"), box.get("error")
