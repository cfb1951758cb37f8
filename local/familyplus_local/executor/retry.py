"""Retry and Catch: error matching and back-off delays, as AWS Step Functions computes them."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from .errors import STATES_ALL, STATES_DATA_LIMIT_EXCEEDED, STATES_RUNTIME, STATES_TASK_FAILED, STATES_TIMEOUT
from .expressions.jsonpath.paths import JsonPath


@dataclass(frozen=True)
class Retrier:
    error_equals: tuple[str, ...]
    interval_seconds: float = 1.0
    max_attempts: int = 3
    backoff_rate: float = 2.0
    max_delay_seconds: float | None = None
    jitter: str = "NONE"  # "NONE" | "FULL"

    def delay(self, retry_number: int, rng: random.Random) -> float:
        """Seconds to wait before retry `retry_number` (1-based):
        min(IntervalSeconds × BackoffRate^(n−1), MaxDelaySeconds), then uniform in [0, delay] with FULL jitter."""
        delay = self.interval_seconds * self.backoff_rate ** (retry_number - 1)
        if self.max_delay_seconds is not None:
            delay = min(delay, self.max_delay_seconds)
        if self.jitter == "FULL":
            delay = rng.uniform(0.0, delay)
        return delay


@dataclass(frozen=True)
class Catcher:
    error_equals: tuple[str, ...]
    next: str
    result_path: JsonPath | None  # None: ResultPath null (keep the state input, discard the error)
    assign: Any = None  # states.assign.AssignSpec, evaluated with the error output
    output: Any = None  # JSONata Output (default: $states.errorOutput)


def matches(error_equals: tuple[str, ...], error: str) -> bool:
    """Does an ErrorEquals list match `error`?

    - States.Runtime is never caught nor retried (AWS: it always fails the execution);
    - States.ALL matches every other error but States.DataLimitExceeded, which only its own name catches;
    - States.TaskFailed matches every other error except States.Timeout;
    - anything else matches by exact name.
    """
    if error == STATES_RUNTIME:
        return False
    for name in error_equals:
        if name == error or (name == STATES_ALL and error != STATES_DATA_LIMIT_EXCEEDED):
            return True
        if name == STATES_TASK_FAILED and error != STATES_TIMEOUT:
            return True
    return False


class RetryCounter:
    """Attempts made so far per retrier, for one entry into a state (each retrier counts separately)."""

    def __init__(self, retriers: tuple[Retrier, ...]):
        self.retriers = retriers
        self.counts = [0] * len(retriers)

    def next_delay(self, error: str, rng: random.Random) -> float | None:
        """The delay before retrying after `error`, or None if no retrier allows another attempt.
        Only the first retrier whose ErrorEquals matches is considered (AWS semantics)."""
        for index, retrier in enumerate(self.retriers):
            if matches(retrier.error_equals, error):
                if self.counts[index] >= retrier.max_attempts:
                    return None
                self.counts[index] += 1
                return retrier.delay(self.counts[index], rng)
        return None


def find_catcher(catchers: tuple[Catcher, ...], error: str) -> Catcher | None:
    for catcher in catchers:
        if matches(catcher.error_equals, error):
            return catcher
    return None
