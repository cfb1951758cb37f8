"""What every stage handler does around its stage: Powertools logging, tracing and metrics; event parsing
into the stage's pydantic model; and the error boundary.

Cold start: a handler module imports only what every invocation needs (Powertools Logger and Metrics, the
stage, its models). The composition root (settings, adapters) is imported by the first invocation, which is
the first to use it, and so is X-Ray: where tracing is on (in Lambda, as the template's active tracing has it,
unless POWERTOOLS_TRACE_DISABLED), the first invocation creates the Tracer, which patches the two clients the
adapters call through (botocore, httpx); elsewhere (local runtime, tests) no tracer is made at all.

The boundary matters because Step Functions matches Retry/Catch on the exception's *class name*: only
`TransientError` (retried) and `PermanentError` (caught, never retried) may leave a handler, each prefixed
with the stage name so `mark_failed` can record which stage failed.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import ValidationError

from familyplus.errors import FamilyplusError, PermanentError, TransientError, describe_validation
from familyplus.models.base import WireModel

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from familyplus import bootstrap

logger = Logger(service="familyplus")
metrics = Metrics(service="familyplus")
#: The clients every provider call goes through (boto3 for AWS, httpx for Supabase, OpenAI, Cartesia, Twilio).
TRACED_MODULES = ("botocore", "httpx")

E = TypeVar("E", bound=WireModel)
O = TypeVar("O", bound=WireModel)  # noqa: E741


class Handler(Protocol):
    """A stage's Lambda handler; `adapters` is for callers that own theirs (see `stage_handler`)."""

    def __call__(
        self, event: dict[str, Any], context: LambdaContext, adapters: bootstrap.Adapters | None = None
    ) -> dict[str, object]: ...


def tracing_enabled() -> bool:
    """Powertools Tracer's own rule: on inside Lambda (LAMBDA_TASK_ROOT), off under SAM CLI or Chalice local and
    when POWERTOOLS_TRACE_DISABLED is true."""
    if os.environ.get("POWERTOOLS_TRACE_DISABLED", "false").strip().lower() in ("1", "true", "yes", "on"):
        return False
    local = os.environ.get("AWS_SAM_LOCAL") or os.environ.get("AWS_CHALICE_CLI_MODE")
    return bool(os.environ.get("LAMBDA_TASK_ROOT")) and not local


_tracer_lock = threading.Lock()
_tracer: Tracer | None = None


def tracer() -> Tracer | None:
    """The process's Tracer, made on first use where tracing is on; None where it is off."""
    global _tracer
    if not tracing_enabled():
        return None
    with _tracer_lock:
        if _tracer is None:
            from aws_lambda_powertools import Tracer

            _tracer = Tracer(service="familyplus", patch_modules=TRACED_MODULES)
        return _tracer


def _parse(event: Any, model: type[E]) -> E:
    """What Powertools' `parse` does for a model without an envelope (a JSON string is decoded first), without
    importing its parser package and every AWS event model it carries."""
    return model.model_validate_json(event) if isinstance(event, str) else model.model_validate(event)


def _boundary(stage: str, exc: Exception) -> FamilyplusError:
    """Normalise any exception to exactly TransientError or PermanentError, tagged with the stage."""
    if isinstance(exc, FamilyplusError):
        kind: type[FamilyplusError] = TransientError if isinstance(exc, TransientError) else PermanentError
        return kind(exc.message, stage=exc.stage or stage, field=exc.field)
    if isinstance(exc, ValidationError):
        return PermanentError(describe_validation(exc), stage=stage)
    # A bug or an unmapped library error: retrying will not fix it; say exactly what it was.
    return PermanentError(f"unexpected {type(exc).__name__}: {exc}", stage=stage)


def stage_handler(stage: str, run: Callable[[E, Any], O], event_model: type[E]) -> Handler:
    """Build the Lambda handler for one stage.

    Lambda calls `handler(event, context)`: the stage then runs on the process's adapters, built once per cold
    start (`bootstrap.current()`). A caller that owns its adapters (the local runtime) passes them:
    `handler(event, context, adapters=...)`, with the same logging, metrics and error boundary."""

    @metrics.log_metrics
    def measured(
        event: dict[str, Any], context: LambdaContext, adapters: bootstrap.Adapters | None = None
    ) -> dict[str, object]:
        metrics.clear_metrics()  # one module-level Metrics serves every stage when run in one process (local)
        metrics.add_dimension(name="stage", value=stage)
        ids = {k: event.get(k) for k in ("responseId", "storyId", "familyId") if isinstance(event, dict)}
        logger.append_keys(stage=stage, **ids)  # ids only: a family's words never go to the logs
        started = time.monotonic()
        logger.info("stage started")
        try:
            if adapters is None:
                from familyplus import bootstrap  # settings and adapters: the first invocation builds them

                adapters = bootstrap.current()
            adapters.register_lambda_context(context)  # idempotency records expire with this invocation
            parsed = _parse(event, event_model)
            output = run(parsed, adapters)
        except Exception as exc:
            error = _boundary(stage, exc)
            metrics.add_metric(name="StageFailed", unit=MetricUnit.Count, value=1)
            logger.warning("stage failed", extra={"error_type": type(error).__name__, "reason": error.message})
            raise error from exc
        metrics.add_metric(name="StageSucceeded", unit=MetricUnit.Count, value=1)
        logger.info("stage succeeded", extra={"duration_ms": round(1000 * (time.monotonic() - started), 1)})
        return output.wire()

    traced: list[Callable[..., dict[str, object]]] = []

    @logger.inject_lambda_context(clear_state=True)
    def handler(
        event: dict[str, Any], context: LambdaContext, adapters: bootstrap.Adapters | None = None
    ) -> dict[str, object]:
        if not traced:  # the first invocation decides, once: tracing is on or off for the process's life
            found = tracer()
            traced.append(measured if found is None else found.capture_lambda_handler(measured, capture_response=False))
        return traced[0](event, context, adapters=adapters)

    handler.__name__ = f"{stage}_handler"
    return handler
