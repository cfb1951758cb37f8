"""The error taxonomy the state machines retry on.

Lambda reports an exception's *class name* as the Step Functions error, and a Retry's ErrorEquals
matches names exactly. So only the two classes below may leave a handler: the handler boundary
(`familyplus.handlers._lambda`) turns every other exception into one of them.
"""

from __future__ import annotations

from pydantic import ValidationError


class FamilyplusError(Exception):
    """Base of the project's errors. `stage` names the pipeline stage that raised it, when known."""

    def __init__(self, message: str, *, stage: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.stage = stage
        self.field = field

    def __str__(self) -> str:
        return f"{self.stage}: {self.message}" if self.stage else self.message


class TransientError(FamilyplusError):
    """Raised when a retry may succeed: timeouts, throttling (429), provider 5xx, a busy database.

    The state machines retry it (DESIGN.md §3)."""


class PermanentError(FamilyplusError):
    """Raised when retrying cannot help: bad input, 4xx other than 429, content rejected by a provider.

    Never retried; the workflow's Catch marks the response failed with this message."""


class NotFoundError(PermanentError):
    """Raised by a Store when a record the stage needs does not exist (a wrong or unknown id)."""


class ConfigurationError(Exception):
    """Raised at start-up (or synth) when settings are missing or invalid; names the variable or key. Not a
    stage error."""


class ExecutionAlreadyExistsError(PermanentError):
    """Raised when an execution name is used again with a different input (AWS: ExecutionAlreadyExists) —
    for process_response, the same response id sent with other content. Execution names are unique per state
    machine, so retrying cannot help: use a new name (response id), or inspect or redrive the existing one.

    Raised by `familyplus.client` and the local runner, batch and intake server. The local ASL executor's
    execution store raises its own class of the same name: the executor is a standalone engine that imports
    nothing from this package."""


class DeliveryUncertainError(TransientError):
    """Raised by a `Notifier` when a message may or may not have been delivered (a timeout after the request
    was sent). The daily quote job never re-sends such a delivery automatically: a family must not get the
    same message twice."""


def describe_validation(exc: ValidationError) -> str:
    """'responseId: Field required; text: String should have at most 40000 characters'."""
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "input"
        parts.append(f"{where}: {err['msg']}")
    return "invalid input: " + "; ".join(parts)
