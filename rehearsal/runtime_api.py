"""A local Lambda Runtime API (the 2018-06-01 interface that `awslambdaric` polls) for one execution environment.

The function process asks `GET /runtime/invocation/next` for work; the rehearsal hands it one event at a
time with the headers Lambda sends (request id, deadline, invoked ARN, trace id); the process answers on
`/response` or `/error`, or `/init/error` when its handler cannot be loaded. Init ends, as Lambda counts it,
when the process first asks for work.
"""

from __future__ import annotations

import json
import queue
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PREFIX = "/2018-06-01/runtime"


@dataclass
class Invocation:
    request_id: str
    payload: bytes
    deadline_ms: int
    function_arn: str
    done: threading.Event = field(default_factory=threading.Event)
    result: bytes | None = None
    error: dict[str, Any] | None = None


class RuntimeApi:
    """One environment's Runtime API on 127.0.0.1; `address` is what AWS_LAMBDA_RUNTIME_API is set to."""

    def __init__(self) -> None:
        self._pending: queue.Queue[Invocation] = queue.Queue()
        self._current: dict[str, Invocation] = {}
        self.ready = threading.Event()  # the process asked for its first event: init is over
        self.init_error: dict[str, Any] | None = None
        self.init_done_at: float | None = None
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                if self.path != f"{PREFIX}/invocation/next":
                    self._reply(404, {"errorMessage": f"unknown path {self.path}"})
                    return
                if not api.ready.is_set():
                    api.init_done_at = time.monotonic()
                    api.ready.set()
                invocation = api._pending.get()
                api._current[invocation.request_id] = invocation
                self.send_response(200)
                self.send_header("Lambda-Runtime-Aws-Request-Id", invocation.request_id)
                self.send_header("Lambda-Runtime-Deadline-Ms", str(invocation.deadline_ms))
                self.send_header("Lambda-Runtime-Invoked-Function-Arn", invocation.function_arn)
                trace = (
                    f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Parent={uuid.uuid4().hex[:16]};Sampled=0"
                )
                self.send_header("Lambda-Runtime-Trace-Id", trace)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(invocation.payload)))
                self.end_headers()
                self.wfile.write(invocation.payload)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path == f"{PREFIX}/init/error":
                    api.init_error = _error(body, self.headers.get("Lambda-Runtime-Function-Error-Type"))
                    api.ready.set()
                    self._reply(202, {})
                    return
                parts = self.path.removeprefix(f"{PREFIX}/invocation/").split("/")
                invocation = api._current.pop(parts[0], None) if len(parts) == 2 else None
                if invocation is None or parts[1] not in ("response", "error"):
                    self._reply(404, {"errorMessage": f"unknown invocation path {self.path}"})
                    return
                if parts[1] == "response":
                    invocation.result = body
                else:
                    invocation.error = _error(body, self.headers.get("Lambda-Runtime-Function-Error-Type"))
                invocation.done.set()
                self._reply(202, {})

            def _reply(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the environment keeps the function's own log."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="runtime-api", daemon=True)
        self._thread.start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self._server.server_address[1]}"

    def submit(self, payload: bytes, *, timeout_s: float, function_arn: str) -> Invocation:
        invocation = Invocation(
            request_id=str(uuid.uuid4()),
            payload=payload,
            deadline_ms=int((time.time() + timeout_s) * 1000),
            function_arn=function_arn,
        )
        self._pending.put(invocation)
        return invocation

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _error(body: bytes, error_type: str | None) -> dict[str, Any]:
    try:
        parsed = json.loads(body or b"{}")
    except ValueError:
        parsed = {"errorMessage": body.decode("utf-8", "replace")}
    if not isinstance(parsed, dict):
        parsed = {"errorMessage": str(parsed)}
    parsed.setdefault("errorType", error_type or "Unhandled")
    return parsed
