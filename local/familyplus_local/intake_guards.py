"""What stands between the network and `familyplus serve`'s handlers: a body-size cap, a per-client rate limit,
validation answers that name the problem without echoing the body, and JSON answers that any stored text
can be written in.

Why each: a 10 MB body was read whole and echoed back whole in the 422; a `NaN` literal or a lone surrogate
(`"\\ud800"`) in a body made FastAPI's default 422 unrenderable, so the client got a 500 and the server log
a traceback holding the family's words; an execution whose input held a lone surrogate could not be shown.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: A text answer is at most 40,000 characters (≤ 160 KB in UTF-8); the rest of a body is small.
DEFAULT_MAX_BODY_BYTES = 256 * 1024
#: Requests per client per minute: far above a family's use, far below a flood.
DEFAULT_REQUESTS_PER_MINUTE = 120


class BodyTooLargeError(Exception):
    pass


class BodyLimit:
    """Refuses (413) a body larger than `max_bytes`, by its Content-Length or as it streams in."""

    def __init__(self, app: ASGIApp, *, max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLargeError
            return message

        try:
            await self.app(scope, counted, send)
        except BodyTooLargeError:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        answer = JSONResponse({"detail": f"request body is larger than {self.max_bytes} bytes"}, status_code=413)
        await answer(scope, receive, send)


class RateLimit:
    """A token bucket per client address: `per_minute` requests, refilled continuously; over it → 429."""

    def __init__(self, app: ASGIApp, *, per_minute: int = DEFAULT_REQUESTS_PER_MINUTE) -> None:
        self.app = app
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def _take(self, client: str) -> bool:
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(client, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            allowed = tokens >= 1.0
            self._buckets[client] = (tokens - 1.0 if allowed else tokens, now)
            return allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            client = (scope.get("client") or ("unknown", 0))[0]
            if not self._take(str(client)):
                answer = JSONResponse(
                    {"detail": f"too many requests: at most {self.capacity:.0f} a minute"},
                    status_code=429,
                    headers={"Retry-After": str(max(1, round(1 / self.rate)))},
                )
                await answer(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def validation_answer(request: Request, exc: Exception) -> Response:
    """422 naming each field and rule broken, without the `input` the default answer echoes (the whole body,
    or a value no JSON answer can hold)."""
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    detail = [
        {"loc": [str(part) for part in error.get("loc", ())], "msg": error.get("msg", ""), "type": error.get("type")}
        for error in errors
    ]
    return JSONResponse({"detail": detail}, status_code=422)


class SafeJSONResponse(JSONResponse):
    """JSON with non-ASCII escaped: a lone surrogate in stored text is written as its `\\udxxx` escape
    instead of failing to encode; NaN/Infinity are refused by the JSON standard, so they become null."""

    def render(self, content: Any) -> bytes:
        return json.dumps(_finite(content), ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode()


def _finite(value: Any) -> Any:
    if (isinstance(value, float) and value != value) or value in (float("inf"), float("-inf")):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def guard(app: FastAPI, *, max_body_bytes: int, requests_per_minute: int) -> None:
    """Install the guards on `app` (the rate limit runs first, then the size cap)."""
    app.add_exception_handler(RequestValidationError, validation_answer)
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
    app.add_middleware(RateLimit, per_minute=requests_per_minute)
