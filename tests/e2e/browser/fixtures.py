"""The console under test: a data folder with a succeeded, a caught-failure and a failed (to be redriven)
execution, and one console server on a free loopback port."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import uvicorn

from familyplus import bootstrap
from familyplus.adapters.local.lexicon_tagger import LexiconValueTagger
from familyplus.settings import Settings
from familyplus_local.console.app import create_console
from familyplus_local.console.backend import LocalConsoleBackend
from familyplus_local.console.server import allowed_hosts
from familyplus_local.executor import VirtualClock
from familyplus_local.runtime.runner import LocalRunner
from tests.support import FlakyPort, response


class Gate:
    """Wraps a port so that its calls wait while the gate is closed: an execution stays RUNNING until the
    test opens it."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.open = threading.Event()
        self.open.set()
        self.waiting = threading.Event()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.inner, name)
        if not callable(attribute):
            return attribute

        def gated(*args: Any, **kwargs: Any) -> Any:
            if not self.open.is_set():
                self.waiting.set()
                self.open.wait(timeout=60)
            return attribute(*args, **kwargs)

        return gated


@dataclass
class ConsoleUnderTest:
    url: str
    runner: LocalRunner
    backend: LocalConsoleBackend
    gate: Gate


def populate(data_dir: Path) -> tuple[LocalRunner, Gate]:
    """Four executions: `response-flaky` FAILED (its tagger failed three times: Analyze caught it →
    MarkFailed), `response-ok` SUCCEEDED, `response-bad` and `response-bulk` FAILED at AcceptResponse (blank
    text, caught). The tagger is behind a `Gate` (open) for tests that need a RUNNING execution."""
    settings = Settings(profile="local", data_dir=data_dir, _env_file=None)
    gate = Gate(FlakyPort(LexiconValueTagger(), "tag", failures=3))
    # Virtual time from now: retries take no time, and the dates are today's (redrive looks 14 days back).
    runner = LocalRunner(
        settings, adapters=bootstrap.build(settings, tagger=gate), clock=VirtualClock(datetime.now(UTC))
    )
    runner.start("process_response", response("flaky", familyId="family-okafor"), name="response-flaky")
    runner.start("process_response", response("ok", familyId="family-okafor"), name="response-ok")
    runner.start("process_response", response("bad", familyId="family-lee", text="   "), name="response-bad")
    runner.start("process_response", response("bulk", familyId="family-kim", text="   "), name="response-bulk")
    return runner, gate


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def console_server(runner: LocalRunner, gate: Gate, token: str | None = None) -> Iterator[ConsoleUnderTest]:
    port = free_port()
    backend = LocalConsoleBackend(runner)
    app = create_console(backend, token=token, allowed_hosts=allowed_hosts("127.0.0.1", port))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the console server did not start")
        time.sleep(0.05)
    try:
        yield ConsoleUnderTest(url=f"http://127.0.0.1:{port}", runner=runner, backend=backend, gate=gate)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        backend.close()
