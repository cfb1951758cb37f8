"""One error mapping for every provider (DESIGN.md §3).

Throttling, 5xx and timeouts become `TransientError` (the state machine retries them); authentication
errors, other 4xx and content refusals become `PermanentError` carrying the provider's own message.
"""

from __future__ import annotations

from familyplus.errors import FamilyplusError, PermanentError, TransientError

#: 408 request timeout, 409 conflict (a concurrent write), 425 too early, 429 throttled.
RETRYABLE_4XX = frozenset({408, 409, 425, 429})


def for_status(provider: str, status: int | None, message: str) -> FamilyplusError:
    """The error for an HTTP answer: `None` status means the request never got one (network, timeout)."""
    text = f"{provider}: {message}" if status is None else f"{provider} HTTP {status}: {message}"
    if status is None or status >= 500 or status in RETRYABLE_4XX:
        return TransientError(text)
    return PermanentError(text)


def refused(provider: str, reason: str) -> PermanentError:
    """The provider declined the content (guardrail, content filter): retrying the same words cannot help."""
    return PermanentError(f"{provider} refused the content: {reason}")
