"""process_response: its input, the text stages' events and outputs, and the records the workflow stores."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Literal

from pydantic import Field, field_validator, model_validator

from familyplus.models.base import MAX_TEXT_CHARS, Id, MediaType, Record, ResponseStatus, StoryId, WireModel
from familyplus.models.keys import EXECUTION_PREFIX, MediaKey, text_key

# --- workflow events -------------------------------------------------------------------------


class ProcessResponseInput(WireModel):
    """The input of the process_response workflow, as the backend (or `familyplus run`) sends it.

    A typed answer comes in one of two forms: by reference (`textKey` + `textSha256`, what
    `familyplus.client.start_processing` sends when given the media bucket: the words stay out of the
    execution's input and history) or inline (`text`, the seed's form, which the local profile uses)."""

    response_id: Id
    family_id: Id
    media_type: MediaType
    text: str | None = Field(default=None, max_length=MAX_TEXT_CHARS)
    #: The media-store object holding the answer (`keys.text_key`), and the hash of its UTF-8 bytes. The hash
    #: keeps the input specific to the words, so Step Functions' name + input check still tells a duplicate
    #: start (same words) from a conflicting one (other words for the same response id).
    text_key: MediaKey | None = None
    text_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    audio_key: str | None = None
    #: The backend's id of the question answered. It is not stored, but it is part of the input, so the same
    #: response id sent again for another prompt is a conflict (another input), never a duplicate.
    prompt_id: str | None = Field(default=None, max_length=200)
    prompt: str | None = Field(default=None, max_length=500)
    podcast: bool = False

    @field_validator("text")
    @classmethod
    def _text_not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("text is empty")
        return value

    @model_validator(mode="after")
    def _one_text_form(self) -> ProcessResponseInput:
        if self.text_key is None and self.text_sha256 is None:
            return self
        if self.text is not None:
            raise ValueError("give text or textKey, not both")
        if self.text_key is None or self.text_sha256 is None:
            raise ValueError("textKey and textSha256 go together")
        # The key is derived, never chosen: an input cannot point accept_response at another family's object.
        if self.text_key != text_key(self.family_id, self.response_id, self.text_sha256):
            raise ValueError("textKey is not this response's text object (answers/<familyId>/<responseId>/<sha>.txt)")
        return self


class ResponseRef(WireModel):
    """What travels between states once a response is accepted: ids and small flags, never the text."""

    response_id: Id
    family_id: Id
    media_type: MediaType
    podcast: bool = False


class ResponseEvent(WireModel):
    response_id: Id
    family_id: Id


class StoryEvent(WireModel):
    story_id: StoryId
    response_id: Id
    family_id: Id


#: EventBridge's `detail-type` for an execution that changed status (started, succeeded, failed, …).
STATUS_CHANGE = "Step Functions Execution Status Change"
#: The error an execution that ended this way without one reports.
_END_ERRORS = {"TIMED_OUT": "States.Timeout", "ABORTED": "States.Aborted"}


class MarkFailedEvent(WireModel):
    """MarkFailed gets the whole state input (which may be malformed) plus the caught error — or, from the
    EventBridge rule on executions that ended FAILED/TIMED_OUT/ABORTED, the status change (`uncaught`)."""

    input: dict[str, object] = Field(default_factory=dict)
    error: str = "States.Unknown"
    cause: str | None = None
    #: The execution ended without its Catch leading here (States.Runtime, the execution timeout, a stop).
    uncaught: bool = False

    @model_validator(mode="before")
    @classmethod
    def _from_status_change(cls, data: object) -> object:
        if isinstance(data, dict) and data.get("detail-type") == STATUS_CHANGE:
            detail = data.get("detail")
            return status_change_event(detail if isinstance(detail, dict) else {})
        return data


def status_change_event(detail: dict[str, object]) -> dict[str, object]:
    """MarkFailed's event for an EventBridge status change. The response is read from the input when the
    event carries it, else from the execution's name (`response-<id>`, which is all the backend starts)."""
    found: object = None
    raw = detail.get("input")
    if isinstance(raw, str):
        try:
            found = json.loads(raw)
        except ValueError:
            found = None
    ids = {k: v for k, v in found.items() if k in ("responseId", "familyId")} if isinstance(found, dict) else {}
    name = detail.get("name")
    if "responseId" not in ids and isinstance(name, str) and name.startswith(EXECUTION_PREFIX):
        ids["responseId"] = name.removeprefix(EXECUTION_PREFIX)
    status = str(detail.get("status") or "")
    error = detail.get("error") or _END_ERRORS.get(status, "States.Runtime")
    cause = detail.get("cause")
    return {"input": ids, "error": error, "cause": cause if isinstance(cause, str) else None, "uncaught": True}


class EmbedOutput(WireModel):
    response_id: str
    model: str
    dimensions: int


class TagValuesOutput(WireModel):
    response_id: str
    tags: list[str]


class ExtractWisdomOutput(WireModel):
    response_id: str
    count: int


class WriteStoryOutput(WireModel):
    story_id: str
    title: str


class ExtractQuotesOutput(WireModel):
    story_id: str
    count: int
    rejected: int = 0


class CompleteResponseOutput(WireModel):
    response_id: str
    story_id: str | None
    status: ResponseStatus


class MarkFailedOutput(WireModel):
    response_id: str | None
    stage: str | None
    error: str
    reason: str


# --- stored records ----------------------------------------------------------------------------


class ResponseRecord(Record):
    id: str
    family_id: str
    #: None only on a row recorded by mark_failed for input whose media type was invalid.
    media_type: MediaType | None
    prompt: str | None = None
    text: str | None = None
    audio_key: str | None = None
    transcript: str | None = None
    status: ResponseStatus = "received"
    stage: str | None = None
    error: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def words(self) -> str:
        """The family member's words: the transcript of a recording, or the typed answer."""
        return self.transcript or self.text or ""


class ValueTag(Record):
    tag: str
    score: float = Field(ge=0.0, le=1.0)
    evidence: list[str] = Field(default_factory=list)


class WisdomItem(Record):
    text: str
    kind: Literal["advice", "lesson"]
    tags: list[str] = Field(default_factory=list)


class StoryDraft(Record):
    title: str = Field(min_length=1, max_length=120)
    summary: str = Field(min_length=1, max_length=1200)
    narrative: str = Field(min_length=1)


class StoryRecord(StoryDraft):
    id: str
    response_id: str
    family_id: str
    podcast_key: str | None = None
    podcast_seconds: float | None = None
    created_at: datetime | None = None


class Quote(Record):
    """A verbatim span of the response's words: `text == words[start:end]`."""

    text: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    score: float


class SearchHit(Record):
    response_id: str
    family_id: str
    score: float
    snippet: str
