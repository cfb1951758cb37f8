"""Runs the Lambda handlers in process, the way the Lambda service would call them.

The local executor calls `LocalLambda.invoke(function_arn, payload)` for each Task; this resolves the ARN
to the stage's handler (from `familyplus.catalog`), passes a JSON round-tripped copy of the payload and a
Lambda-like context, and returns the JSON round-tripped result — so nothing can leak between states by
reference, exactly as across real Lambda invocations.
"""

from __future__ import annotations

import importlib
import json
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from familyplus.catalog import STAGES, WORKFLOWS, StageSpec

REGION = "local"
ACCOUNT = "000000000000"

# Powertools outside Lambda: no EMF metrics on stdout, quiet logs (the CLI shows progress itself).
LOCAL_ENVIRONMENT = {
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
    "POWERTOOLS_SERVICE_NAME": "familyplus",
}


def prepare_environment(*, verbose: bool = False) -> None:
    for key, value in LOCAL_ENVIRONMENT.items():
        os.environ.setdefault(key, value)
    if verbose:
        os.environ["POWERTOOLS_LOG_LEVEL"] = "INFO"


def function_arn(spec: StageSpec) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:familyplus-{spec.name.replace('_', '-')}"


def state_machine_arn(name: str) -> str:
    return f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{name}"


def substitutions() -> dict[str, str]:
    """The same `${...}` keys CDK fills in, mapped to local ARNs."""
    values = {spec.arn_key: function_arn(spec) for spec in STAGES}
    values.update({wf.arn_key: state_machine_arn(wf.name) for wf in WORKFLOWS})
    return values


@dataclass
class LocalContext:
    """The attributes of Lambda's context object that Powertools and our handlers read."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    timeout_s: int
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = "local"
    log_stream_name: str = "local"
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class UnknownFunctionError(LookupError):
    """Raised when a Task names a function ARN that no stage in the catalog answers to."""


class LocalLambda:
    """`invoke(function_arn, payload)` for the executor: in-process handler calls."""

    def __init__(self) -> None:
        self._specs = {function_arn(spec): spec for spec in STAGES}
        self._handlers: dict[str, Callable[[Any, Any], Any]] = {}

    def handler_for(self, arn: str) -> tuple[StageSpec, Callable[[Any, Any], Any]]:
        spec = self._specs.get(arn)
        if spec is None:
            raise UnknownFunctionError(f"no local function for {arn!r}")
        if arn not in self._handlers:
            module_name, _, attribute = spec.handler.rpartition(".")
            self._handlers[arn] = getattr(importlib.import_module(module_name), attribute)
        return spec, self._handlers[arn]

    def invoke(self, arn: str, payload: Any) -> Any:
        spec, handler = self.handler_for(arn)
        context = LocalContext(
            function_name=arn.rsplit(":", 1)[-1],
            invoked_function_arn=arn,
            memory_limit_in_mb=spec.memory_mb,
            timeout_s=spec.timeout_s,
        )
        result = handler(json.loads(json.dumps(payload)), context)
        return json.loads(json.dumps(result))
