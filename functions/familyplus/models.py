"""Pydantic models: workflow events (camelCase on the wire, as Step Functions payloads) and stored records."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from pydantic.alias_generators import to_camel

#: Largest text answer accepted inline in an execution input. Step Functions caps a state's payload at
#: 256 KB; 40,000 characters (≈ an hour of speech, ≤ 160 KB in UTF-8) leaves room for the rest.
MAX_TEXT_CHARS = 40_000

#: Ids become part of execution names (`response-<id>`, ≤ 80 characters, AWS charset), story ids
#: (`story-<id>`) and storage keys: 1-58 characters of letters, digits, `_`, `.`, `-` (a UUID fits).
Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,57}$")]
StoryId = Annotated[str, StringConstraints(pattern=r"^story-[A-Za-z0-9][A-Za-z0-9_.-]{0,57}$")]
MediaType = Literal["text", "audio"]
ResponseStatus = Literal["received", "processing", "completed", "failed"]


class WireModel(BaseModel):
    """A Step Functions payload: camelCase keys, unknown keys ignored (states may carry more)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True)

    def wire(self) -> dict[str, object]:
        return self.model_dump(by_alias=True, mode="json", exclude_none=True)


# --- workflow events -------------------------------------------------------------------------


class ProcessResponseInput(WireModel):
    """The input of the process_response workflow, as the backend (or `familyplus run`) sends it."""

    response_id: Id
    family_id: Id
    media_type: MediaType
    text: str | None = Field(default=None, max_length=MAX_TEXT_CHARS)
    audio_key: str | None = None
    prompt: str | None = Field(default=None, max_length=500)
    podcast: bool = False

    @field_validator("text")
    @classmethod
    def _text_not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("text is empty")
        return value


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


class MarkFailedEvent(WireModel):
    """MarkFailed gets the whole state input (which may be malformed) plus the caught error."""

    input: dict[str, object] = Field(default_factory=dict)
    error: str = "States.Unknown"
    cause: str | None = None


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


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


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


def story_id_for(response_id: str) -> str:
    """One story per response: its id derives from the response id, so a replay upserts, never duplicates."""
    return f"story-{response_id}"
