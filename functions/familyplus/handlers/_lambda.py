"""What every stage handler does around its stage: Powertools logging, tracing and metrics; event parsing
into the stage's pydantic model; and the error boundary.

The boundary matters because Step Functions matches Retry/Catch on the exception's *class name*: only
`TransientError` (retried) and `PermanentError` (caught, never retried) may leave a handler, each prefixed
with the stage name so `mark_failed` can record which stage failed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from familyplus import bootstrap
from familyplus.errors import FamilyplusError, PermanentError, TransientError, describe_validation
from familyplus.models.base import WireModel

logger = Logger(service="familyplus")
tracer = Tracer(service="familyplus")
metrics = Metrics(service="familyplus")

E = TypeVar("E", bound=WireModel)
O = TypeVar("O", bound=WireModel)  # noqa: E741


class Handler(Protocol):
    """A stage's Lambda handler; `adapters` is for callers that own theirs (see `stage_handler`)."""

    def __call__(
        self, event: dict[str, Any], context: LambdaContext, adapters: bootstrap.Adapters | None = None
    ) -> dict[str, object]: ...


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

    @logger.inject_lambda_context(clear_state=True)
    @tracer.capture_lambda_handler(capture_response=False)
    @metrics.log_metrics
    def handler(
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
                adapters = bootstrap.current()
            adapters.register_lambda_context(context)  # idempotency records expire with this invocation
            parsed = parse(event=event, model=event_model)
            output = run(parsed, adapters)
        except Exception as exc:
            error = _boundary(stage, exc)
            metrics.add_metric(name="StageFailed", unit=MetricUnit.Count, value=1)
            logger.warning("stage failed", extra={"error_type": type(error).__name__, "reason": error.message})
            raise error from exc
        metrics.add_metric(name="StageSucceeded", unit=MetricUnit.Count, value=1)
        logger.info("stage succeeded", extra={"duration_ms": round(1000 * (time.monotonic() - started), 1)})
        return output.wire()

    handler.__name__ = f"{stage}_handler"
    return handler
