"""`familyplus serve`: the local intake endpoint (the seed's `POST /responses` and `POST /test/trigger`),
on port 8787 by default as the seed's.

    POST /responses        {familyId, content, mediaType, promptId?, prompt?, responseId?} → 202 {executionArn, …}
    POST /test/trigger     {responseId} → 202: process a stored response again (404 naming an unknown id)

For `audio`, `content` may be a file on this machine (a path or a `file://` URL): it is copied into the
media store first, as `familyplus run --audio` does.
    GET  /executions/{id}  status, output, error and cause of an execution (name or ARN)

The request validates the body (FastAPI answers 422 naming the field), then the process_response workflow
runs on a small thread pool and the request returns at once with the execution id; the first state
(AcceptResponse) stores the response. The execution name is `response-<responseId>`, so posting the same
body again returns the same execution (Step Functions' StartExecution idempotency); the same responseId with
a different body is refused with 409.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, HTTPException, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from familyplus.errors import ExecutionAlreadyExistsError, NotFoundError
from familyplus.models.base import MAX_TEXT_CHARS, Id, MediaType
from familyplus.models.keys import execution_name
from familyplus.models.response import ProcessResponseInput, ResponseRecord
from familyplus_local.executor import (
    ABORTED,
    AmbiguousExecutionError,
    Execution,
    ExecutionNotFoundError,
    SubjectBusyError,
    execution_arn,
)
from familyplus_local.intake_guards import (
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_REQUESTS_PER_MINUTE,
    SafeJSONResponse,
    guard,
)
from familyplus_local.recordings import RecordingNotFoundError, local_path, store_recording
from familyplus_local.runtime.runner import LocalRunner

PROCESS = "process_response"
#: Executions the intake runs at the same time.
DEFAULT_WORKERS = 2


class IntakeBody(BaseModel):
    """The seed's body: `content` is the typed answer (text) or the recording's key/URL (audio)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    family_id: Id
    content: str = Field(min_length=1, max_length=MAX_TEXT_CHARS)
    media_type: MediaType
    prompt_id: str | None = Field(default=None, max_length=200)
    prompt: str | None = Field(default=None, max_length=500)
    response_id: Id | None = None

    def workflow_input(self, response_id: str) -> dict[str, Any]:
        media = {"text": self.content} if self.media_type == "text" else {"audioKey": self.content}
        payload = {"responseId": response_id, "familyId": self.family_id, "mediaType": self.media_type, **media}
        if self.prompt:
            payload["prompt"] = self.prompt
        if self.prompt_id:
            payload["promptId"] = self.prompt_id
        try:  # the workflow's own input rules (blank text, …), reported in FastAPI's 422 shape
            return ProcessResponseInput.model_validate(payload).wire()
        except ValidationError as exc:
            fields = {"text": "content", "audioKey": "content"}
            raise RequestValidationError(
                [{**err, "loc": ("body", fields.get(str(err["loc"][0]), err["loc"][0]))} for err in exc.errors()]
            ) from exc


class TriggerBody(BaseModel):
    """The seed's local test trigger: `{"responseId": "…"}` of a response already stored."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    response_id: Id


def stored_input(stored: ResponseRecord) -> dict[str, Any]:
    """The process_response input that re-processes a stored response (its own text or recording)."""
    if stored.media_type is None:
        raise HTTPException(422, f"response {stored.id!r} cannot be processed again: its media type was invalid")
    media = {"text": stored.text} if stored.media_type == "text" else {"audioKey": stored.audio_key}
    if not all(media.values()):
        raise HTTPException(422, f"response {stored.id!r} has no {next(iter(media))} stored to process again")
    payload: dict[str, Any] = {
        "responseId": stored.id,
        "familyId": stored.family_id,
        "mediaType": stored.media_type,
        **media,
    }
    if stored.prompt:
        payload["prompt"] = stored.prompt
    return payload


def rerun_name(runner: LocalRunner, response_id: str) -> tuple[str, Execution | None]:
    """The execution to (re)process a response as: `response-<id>`, then `-2`, `-3`, … once each earlier one
    finished (a real re-run, not Step Functions' same-name dedupe). Returns the latest one still RUNNING
    instead, if there is one (a response is processed by one execution at a time)."""
    base = execution_name(response_id)
    name, n, latest = base, 1, None
    while (found := runner.find(name, PROCESS)) is not None:
        latest = found
        n += 1
        name = f"{base}-{n}"
    if latest is not None and latest.status == "RUNNING":
        return latest.name, latest
    return name, None


class Accepted(BaseModel):
    executionArn: str
    executionName: str
    responseId: str
    status: str


class Intake:
    """Starts executions on a bounded pool and remembers the ones not yet persisted."""

    def __init__(self, runner: LocalRunner, *, workers: int = DEFAULT_WORKERS) -> None:
        self.runner = runner
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="intake")
        self._lock = threading.Lock()
        self.pending: dict[str, tuple[dict[str, Any], Future[Execution]]] = {}

    def submit(self, name: str, payload: dict[str, Any]) -> str:
        arn = execution_arn(PROCESS, name)
        with self._lock:
            known = self.pending.get(name)
            running = known is not None and not known[1].done()
            previous = known[0] if running and known else self._persisted(name)
            if previous is not None:
                inputs = previous if isinstance(previous, dict) else previous.input
                if inputs != payload:
                    raise HTTPException(409, f"execution {name!r} already exists with a different input")
                if isinstance(previous, dict) or previous.status != ABORTED:
                    return arn
            # New, or accepted before and stopped or orphaned (its process was killed): run it (again).
            future = self.pool.submit(self.runner.start_or_resume, PROCESS, payload, name=name)
            self.pending[name] = (payload, future)
        return arn

    def _persisted(self, name: str) -> Execution | None:
        try:
            return self.runner.executions.get(name, state_machine_name=PROCESS)
        except ExecutionNotFoundError:
            return None

    def wait(self) -> None:
        """Block until every submitted execution has finished (tests, shutdown)."""
        wait([future for _, future in list(self.pending.values())])

    def describe(self, execution_id: str) -> dict[str, Any]:
        try:
            ex = self.runner.executions.get(execution_id)
        except AmbiguousExecutionError as exc:
            raise HTTPException(409, str(exc)) from exc
        except ExecutionNotFoundError:
            name = execution_id.rsplit(":", 1)[-1]
            known = self.pending.get(name)
            if known is None:
                raise HTTPException(404, f"no execution {execution_id!r}") from None
            future = known[1]
            error = future.exception() if future.done() else None
            if error is None:  # submitted, first event not written yet
                return {"executionArn": execution_arn(PROCESS, name), "name": name, "status": "RUNNING"}
            status = 409 if isinstance(error, ExecutionAlreadyExistsError | SubjectBusyError) else 500
            raise HTTPException(status, f"execution {name!r} could not start: {error}") from None
        return {
            "executionArn": ex.execution_arn,
            "name": ex.name,
            "workflow": ex.state_machine_name,
            "status": ex.status,
            "startDate": ex.start_date.isoformat(),
            "stopDate": ex.stop_date.isoformat() if ex.stop_date else None,
            "input": ex.input,
            "output": ex.output,
            "error": ex.error,
            "cause": ex.cause,
            "redriveCount": ex.redrive_count,
        }


def create_app(
    runner: LocalRunner,
    *,
    workers: int = DEFAULT_WORKERS,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    requests_per_minute: int = DEFAULT_REQUESTS_PER_MINUTE,
) -> FastAPI:
    intake = Intake(runner, workers=workers)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        intake.pool.shutdown(wait=True)  # let running executions finish and persist

    app = FastAPI(title="Family+ local intake", lifespan=lifespan, default_response_class=SafeJSONResponse)
    guard(app, max_body_bytes=max_body_bytes, requests_per_minute=requests_per_minute)
    app.state.intake = intake

    @app.post("/responses", status_code=202, response_model=Accepted)
    def post_response(body: IntakeBody, response: Response) -> Accepted:
        response_id = body.response_id or f"r-{uuid.uuid4().hex[:12]}"
        name = execution_name(response_id)
        recording = local_path(body.content) if body.media_type == "audio" else None
        if recording is not None:  # the seed's "audio file URL", as a file on this machine: store a copy
            try:
                key = store_recording(runner.adapters.media.put, response_id, recording)
            except RecordingNotFoundError as exc:
                detail = [{"type": "value_error", "loc": ["body", "content"], "msg": str(exc), "input": None}]
                raise HTTPException(422, detail) from exc
            body = body.model_copy(update={"content": key})
        arn = intake.submit(name, body.workflow_input(response_id))
        response.headers["Location"] = f"/executions/{name}"
        return Accepted(executionArn=arn, executionName=name, responseId=response_id, status="RUNNING")

    @app.post("/test/trigger", status_code=202, response_model=Accepted)
    def test_trigger(body: TriggerBody, response: Response) -> Accepted:
        """The seed's `POST /test/trigger`: process a stored response again, as a new execution."""
        try:
            stored = runner.adapters.store.get_response(body.response_id)
        except NotFoundError:
            raise HTTPException(404, f"no stored response with id {body.response_id!r}") from None
        payload = stored_input(stored)
        name, running = rerun_name(runner, stored.id)
        arn = running.execution_arn if running is not None else intake.submit(name, payload)
        response.headers["Location"] = f"/executions/{name}"
        return Accepted(executionArn=arn, executionName=name, responseId=stored.id, status="RUNNING")

    @app.get("/executions/{execution_id}")
    def get_execution(execution_id: str) -> dict[str, Any]:
        return intake.describe(execution_id)

    return app


def serve(runner: LocalRunner, *, host: str, port: int, workers: int) -> None:
    import uvicorn

    uvicorn.run(create_app(runner, workers=workers), host=host, port=port, log_level="info")
