"""mark_failed: where every workflow's Catch leads. Records `failed`, the failing stage and the reason on
the response row, so nothing fails silently — even when the input was too malformed to be accepted."""

from __future__ import annotations

import json
from typing import Protocol

from pydantic import TypeAdapter, ValidationError

from familyplus.catalog import STAGES
from familyplus.errors import NotFoundError
from familyplus.models.base import Id
from familyplus.models.response import MarkFailedEvent, MarkFailedOutput, ResponseRecord
from familyplus.ports import Store

_ID = TypeAdapter(Id)
_STAGE_NAMES = {spec.name for spec in STAGES}
#: The stage that refuses malformed input before anything of it is stored.
REJECTED_AT = "accept_response"


class MarkFailedPorts(Protocol):
    @property
    def store(self) -> Store: ...


def _valid_id(value: object) -> str | None:
    try:
        return _ID.validate_python(value)
    except ValidationError:
        return None


def explain(error: str, cause: str | None) -> tuple[str | None, str]:
    """(stage, reason) from a Step Functions error and cause.

    A Lambda failure's cause is JSON ({"errorMessage", "errorType", ...}) and our errors' messages start
    with "<stage>: "; a States.* error's cause is plain text.
    """
    message = cause or error
    if cause:
        try:
            payload = json.loads(cause)
            if isinstance(payload, dict) and isinstance(payload.get("errorMessage"), str):
                message = payload["errorMessage"]
        except json.JSONDecodeError:
            pass
    prefix, sep, rest = message.partition(": ")
    if sep and prefix in _STAGE_NAMES:
        return prefix, rest
    return None, message


def run(event: MarkFailedEvent, ports: MarkFailedPorts) -> MarkFailedOutput:
    stage, reason = explain(event.error, event.cause)
    response_id = _valid_id(event.input.get("responseId"))
    family_id = _valid_id(event.input.get("familyId"))
    # A lone surrogate (from a JSON escape) cannot be stored as UTF-8: replace it rather than fail to record.
    detail = f"{event.error}: {reason}"[:2000].encode("utf-8", "replace").decode("utf-8")
    if response_id is not None:
        try:
            current = ports.store.get_response(response_id)
            if event.uncaught and current.status != "processing":
                # A status change arrives after the fact (best effort, maybe twice): when the Catch ran it has
                # recorded the failure already, and a completed response is not this end's to change.
                return MarkFailedOutput(response_id=response_id, stage=current.stage, error=event.error, reason=reason)
            if stage != REJECTED_AT:
                ports.store.update_progress(response_id, status="failed", stage=stage or current.stage, error=detail)
            # else: input refused at intake for an id already stored (a malformed replay). That content was
            # never this response: the stored response, its story, tags and quotes stay as they are, and the
            # refusal is in this execution's history.
            stage = stage or current.stage
        except NotFoundError:
            if family_id is not None:  # rejected at intake: record the failure, never the malformed content
                media = event.input.get("mediaType")
                ports.store.save_response(
                    ResponseRecord(
                        id=response_id,
                        family_id=family_id,
                        media_type=media if media in ("text", "audio") else None,
                        status="failed",
                        stage=stage,
                        error=detail,
                    )
                )
    return MarkFailedOutput(response_id=response_id, stage=stage, error=event.error, reason=reason)
