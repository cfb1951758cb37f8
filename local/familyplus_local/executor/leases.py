"""Who runs an execution, and how the others tell that it is still alive.

A local execution is run by one process (`familyplus run`, `serve`, `batch`). If that process is killed
(kill -9, a power cut) nothing ever writes the execution's end: on AWS the service itself runs executions,
here nobody would. So each RUNNING execution records an owner and renews a lease while it runs
(`LeaseKeeper`, a heartbeat thread). Any reader of the store that finds a RUNNING execution whose owner is
gone — a dead process on this host, or a lease not renewed in time on any host — records it ABORTED, which
makes it redrivable like any stopped execution.

The same heartbeat carries stop requests back to the owner: `stop` marks the row, the owner's next heartbeat
sees the mark and cancels the run, which ends ABORTED at its next step (as AWS StopExecution does; a Lambda
call already in flight finishes first).
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass

#: How long an owner may go without renewing its lease before its executions count as orphaned.
DEFAULT_LEASE_SECONDS = 30.0
#: How often an owner renews: several renewals fit in one lease, so a busy machine does not lose it.
DEFAULT_HEARTBEAT_SECONDS = 5.0


@dataclass(frozen=True)
class Owner:
    """One process running executions: `host:pid:token` (the token tells a reused pid apart)."""

    host: str
    pid: int
    token: str

    @classmethod
    def this_process(cls) -> Owner:
        return cls(socket.gethostname(), os.getpid(), uuid.uuid4().hex[:12])

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}:{self.token}"

    @classmethod
    def parse(cls, text: str) -> Owner | None:
        host, _, rest = text.rpartition(":")
        host, _, pid = host.rpartition(":")
        if not host or not pid.isdigit():
            return None
        return cls(host, int(pid), rest)

    def is_dead_here(self) -> bool:
        """True only when this owner is known dead: a process of this host that no longer exists."""
        if self.host != socket.gethostname():
            return False  # another machine: only its lease can tell
        if self.pid == os.getpid():
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:  # exists, owned by another user
            return False
        return _is_zombie(self.pid)


def _is_zombie(pid: int) -> bool:
    """A killed child not yet reaped by its parent still answers kill(0): read its state (Linux)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[-1].split()[0] in ("Z", "X")
    except OSError:
        return False


@dataclass(frozen=True)
class Lease:
    """What the store records for an execution this process starts: its owner, lease length and subject
    (what the execution works on, e.g. one response; two RUNNING executions never share a subject)."""

    owner: Owner
    seconds: float = DEFAULT_LEASE_SECONDS
    subject: str | None = None


class LeaseKeeper:
    """Renews one execution's lease every `interval` seconds while the run lasts; calls `on_stop(cause)` once
    when the store says the execution was asked to stop (or is no longer this owner's)."""

    def __init__(
        self,
        renew: Callable[[], str | None],
        on_stop: Callable[[str], None],
        *,
        interval: float = DEFAULT_HEARTBEAT_SECONDS,
    ) -> None:
        self._renew = renew
        self._on_stop = on_stop
        self._interval = interval
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="execution-lease", daemon=True)

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join(timeout=self._interval + 5)

    def _loop(self) -> None:
        while not self._done.wait(self._interval):
            try:
                stop = self._renew()
            except Exception:  # a busy database: the next beat tries again; the lease outlasts a few misses
                continue
            if stop is not None:
                self._on_stop(stop)
                return
