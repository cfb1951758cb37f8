"""Time for the executor: a Clock protocol, the real `SystemClock` and the instant `VirtualClock`.

Every wait (Wait states, retry back-off) and every time measurement (task and execution timeouts) goes
through the clock, so tests run hours of retries in microseconds with a `VirtualClock`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    """What the executor needs from time. `now()` returns an aware UTC datetime."""

    def now(self) -> datetime: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """Wall-clock time; `sleep` really blocks."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


class VirtualClock:
    """Simulated time: `sleep` advances the clock instantly. Thread-safe.

    Concurrent sleepers (Map iterations, Parallel branches) share one timeline, so their sleeps add up in
    `now()`. Task durations are therefore measured per thread (see `stopwatch`): a task times out only when
    its *own* thread slept longer than TimeoutSeconds, whatever its siblings did meanwhile.
    """

    def __init__(self, start: datetime | None = None):
        # Default: the current time, so that executions recorded in virtual time still sort sensibly.
        start = start or datetime.now(UTC)
        if start.tzinfo is None:
            raise ValueError("VirtualClock start must be timezone-aware (UTC)")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()
        self._local = threading.local()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def sleep(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"cannot sleep a negative time ({seconds} s)")
        with self._lock:
            self._now += timedelta(seconds=seconds)
        self._local.slept = self.slept_in_thread() + seconds

    advance = sleep

    def slept_in_thread(self) -> float:
        """Total seconds slept by the calling thread since the clock was created."""
        return float(getattr(self._local, "slept", 0.0))


def stopwatch(clock: Clock) -> Callable[[], float]:
    """Start measuring a duration on `clock`; the returned function gives the seconds elapsed so far."""
    if isinstance(clock, VirtualClock):
        begin = clock.slept_in_thread()
        return lambda: clock.slept_in_thread() - begin
    if isinstance(clock, SystemClock):
        t0 = time.monotonic()
        return lambda: time.monotonic() - t0
    start = clock.now()
    return lambda: (clock.now() - start).total_seconds()


def is_real_time(clock: Clock) -> bool:
    """Does `clock` follow wall time? Only then is real waiting bounded by threads and are long sleeps sliced
    so that cancellation can interrupt them. `SystemClock` does; a custom clock may say so with a
    `real_time = True` attribute. Any other clock is treated as simulated time."""
    return isinstance(clock, SystemClock) or bool(getattr(clock, "real_time", False))


def iso_millis(moment: datetime) -> str:
    """AWS's timestamp format in the context object: 2024-01-01T00:00:00.000Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
