"""The building blocks of every model: wire payloads, stored records and the id types."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints
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

    # allow_inf_nan=False: a payload is JSON, which has no NaN or Infinity (Python's json reads and writes them,
    # so a float field would otherwise accept one and hand the next state a payload no JSON parser accepts).
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True, allow_inf_nan=False
    )

    def wire(self) -> dict[str, object]:
        return self.model_dump(by_alias=True, mode="json", exclude_none=True)


class Record(BaseModel):
    """A stored record: unknown fields are an error."""

    model_config = ConfigDict(extra="forbid")


class Value(BaseModel):
    """An immutable value a port returns (a transcript, an audio file's properties)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
