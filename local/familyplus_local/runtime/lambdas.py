"""Runs the Lambda handlers in process, the way the Lambda service would call them.

The local executor calls `LocalLambda.invoke(function_arn, payload)` for each Task; this resolves the ARN
to the stage's handler (from `familyplus.catalog`) and calls it with the payload, a Lambda-like context and
the runner's adapters. Payloads cross with one JSON round trip each way, as Lambda's serialisation does: the
executor marshals each task's payload to JSON and back before the call, and the result after it (see
`executor.integrations`), so nothing can leak between states by reference; copying again here would only
repeat that work.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from familyplus.bootstrap import Adapters
from familyplus.catalog import STAGES, WORKFLOWS, StageSpec
from familyplus.faults import FaultPlan, FunctionTimedOutError, UnavailableStore
from familyplus_local.executor import TaskError

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from familyplus.handlers._lambda import Handler

REGION = "local"
ACCOUNT = "000000000000"

# Powertools outside Lambda: no EMF metrics on stdout, quiet logs: the CLI shows progress and failures itself
# (as a red ✗ with one line); `-v` turns the handlers' structured logs on (INFO).
LOCAL_ENVIRONMENT = {
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "ERROR",
    "POWERTOOLS_SERVICE_NAME": "familyplus",
}


def prepare_environment(*, verbose: bool = False) -> None:
    for key, value in LOCAL_ENVIRONMENT.items():
        os.environ.setdefault(key, value)
    if verbose:
        os.environ["POWERTOOLS_LOG_LEVEL"] = "INFO"
        loaded = sys.modules.get("familyplus.handlers._lambda")
        if loaded is not None:  # its Logger read the level when it was imported: set it again
            loaded.logger.setLevel("INFO")


def function_name(spec: StageSpec) -> str:
    return f"familyplus-{spec.name.replace('_', '-')}"


def function_arn(spec: StageSpec, *, region: str = REGION, account: str = ACCOUNT) -> str:
    return f"arn:aws:lambda:{region}:{account}:function:{function_name(spec)}"


def state_machine_arn(name: str, *, region: str = REGION, account: str = ACCOUNT) -> str:
    return f"arn:aws:states:{region}:{account}:stateMachine:{name}"


def substitutions(*, region: str = REGION, account: str = ACCOUNT) -> dict[str, str]:
    """The same `${...}` keys CDK fills in, mapped to local (or given region/account) ARNs."""
    values = {spec.arn_key: function_arn(spec, region=region, account=account) for spec in STAGES}
    values.update({wf.arn_key: state_machine_arn(wf.name, region=region, account=account) for wf in WORKFLOWS})
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
    """`invoke(function_arn, payload)` for the executor: in-process handler calls with the given adapters."""

    def __init__(self, adapters: Adapters, *, faults: FaultPlan | None = None) -> None:
        self.faults = faults if faults is not None else FaultPlan()
        self.adapters: Adapters = _FaultyAdapters(adapters, self.faults) if self.faults.store else adapters
        # Keyed by function *name*, so any ARN form (local, or a test's us-east-1 ARN) resolves the same way.
        self._specs = {function_name(spec): spec for spec in STAGES}
        self._handlers: dict[str, Handler] = {}

    def handler_for(self, arn: str) -> tuple[StageSpec, Handler]:
        name = arn.rsplit(":", 1)[-1]
        spec = self._specs.get(name)
        if spec is None:
            raise UnknownFunctionError(f"no local function for {arn!r}")
        if name not in self._handlers:
            module_name, _, attribute = spec.handler.rpartition(".")
            self._handlers[name] = getattr(importlib.import_module(module_name), attribute)
        return spec, self._handlers[name]

    def invoke(self, arn: str, payload: Any) -> Any:
        spec, handler = self.handler_for(arn)
        context = LocalContext(
            function_name=arn.rsplit(":", 1)[-1],
            invoked_function_arn=arn,
            memory_limit_in_mb=spec.memory_mb,
            timeout_s=spec.timeout_s,
        )
        try:
            self.faults.before(spec.name, spec.timeout_s)
        except FunctionTimedOutError as exc:  # as Lambda reports a function that overran its timeout
            raise TaskError(
                exc.error_type, json.dumps({"errorType": exc.error_type, "errorMessage": str(exc)})
            ) from exc
        # LocalContext has every attribute of Lambda's context that Powertools and the handlers read.
        output = handler(payload, cast("LambdaContext", context), adapters=self.adapters)
        return self.faults.after(spec.name, output)


class _FaultyAdapters:
    """The runner's adapters with the store replaced by one that fails as the fault plan says."""

    def __init__(self, adapters: Adapters, faults: FaultPlan) -> None:
        self._adapters = adapters
        self.store = UnavailableStore(adapters.store, faults)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._adapters, name)
