"""Which Task resources the executor supports, and what their Parameters must contain."""

from __future__ import annotations

import re
from typing import Any

from .model import ResourceKind
from .reader import Reader
from .substitutions import PLACEHOLDER

_LAMBDA_ARN = re.compile(
    r"^arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]+)?$"
)

_SERVICE = {kind.value: kind for kind in ResourceKind if kind.value.startswith("arn:aws:states:::")}
# Parameters each service integration accepts (a trailing `.$` is allowed on each).
_PARAMETERS = {
    ResourceKind.LAMBDA_INVOKE: (
        {"FunctionName"},
        {"FunctionName", "Payload", "ClientContext", "InvocationType", "LogType", "Qualifier"},
    ),
    ResourceKind.START_EXECUTION: ({"StateMachineArn"}, {"StateMachineArn", "Input", "Name"}),
    ResourceKind.START_EXECUTION_SYNC: ({"StateMachineArn"}, {"StateMachineArn", "Input", "Name"}),
    ResourceKind.START_EXECUTION_SYNC2: ({"StateMachineArn"}, {"StateMachineArn", "Input", "Name"}),
}


def classify_resource(r: Reader, raw: dict[str, Any], pointer: str, label: str) -> ResourceKind | None:
    resource = raw.get("Resource")
    where = f"{pointer}/Resource"
    if not isinstance(resource, str) or not resource:
        r.problem(where, f"a Task needs a Resource string, got {resource!r}", label)
        return None
    if PLACEHOLDER.search(resource):
        r.problem(where, f"Resource {resource!r} still contains a definition substitution placeholder", label)
        return None
    kind = _SERVICE.get(resource)
    if kind is None and _LAMBDA_ARN.match(resource):
        kind = ResourceKind.LAMBDA_FUNCTION
    if kind is None:
        supported = ", ".join([*_SERVICE, "arn:aws:lambda:REGION:ACCOUNT:function:NAME"])
        r.problem(where, f"unsupported Resource {resource!r} (supported: {supported})", label)
        return None
    if kind in _PARAMETERS:
        _check_parameters(r, raw, kind, pointer, label)
    return kind


def _check_parameters(r: Reader, raw: dict[str, Any], kind: ResourceKind, pointer: str, label: str) -> None:
    required, allowed = _PARAMETERS[kind]
    key = "Arguments" if "Arguments" in raw else "Parameters"  # JSONata states name them Arguments
    params = raw.get(key)
    if key == "Arguments" and isinstance(params, str):
        return  # one {% %} expression: what it gives is known only at run time
    if not isinstance(params, dict):
        r.problem(f"{pointer}/{key}", f"{kind.value} needs {key} with {sorted(required)}", label)
        return
    names = {name.removesuffix(".$") for name in params}
    for name in params:
        if name.removesuffix(".$") not in allowed:
            r.problem(
                f"{pointer}/{key}/{name}",
                f"parameter {name!r} of {kind.value} is not supported (supported: {sorted(allowed)})",
                label,
            )
    for name in sorted(required - names):
        r.problem(f"{pointer}/{key}", f"{kind.value} needs the parameter {name!r}", label)
