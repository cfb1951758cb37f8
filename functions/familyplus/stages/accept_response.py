"""accept_response: validate a new response and record it, before any other stage runs."""

from __future__ import annotations

from typing import Protocol

from familyplus.errors import PermanentError
from familyplus.models.keys import is_url, validate_key
from familyplus.models.response import ProcessResponseInput, ResponseRecord, ResponseRef
from familyplus.ports import Store

STAGE = "accept_response"


def check_audio_source(source: str) -> None:
    """An `audioKey` is a media-store key or an `https` URL (fetched later only from allowed hosts)."""
    if is_url(source):
        if not source.lower().startswith("https://"):
            raise PermanentError(f"audioKey URL must use https: {source[:80]!r}", stage=STAGE, field="audioKey")
        return
    try:
        validate_key(source)
    except PermanentError as exc:
        raise PermanentError(f"audioKey: {exc.message}", stage=STAGE, field="audioKey") from exc


def has_words(text: str) -> bool:
    """At least one letter or digit, in any script."""
    return any(ch.isalnum() for ch in text)


class AcceptPorts(Protocol):
    @property
    def store(self) -> Store: ...


def run(event: ProcessResponseInput, ports: AcceptPorts) -> ResponseRef:
    # Checks that span fields; single-field rules live on the model. Nothing is stored unless all pass.
    if event.media_type == "text" and event.text is None:
        raise PermanentError("text is required when mediaType is 'text'", stage=STAGE, field="text")
    if event.media_type == "text" and event.text is not None and not has_words(event.text):
        # Every later stage works on words: without one the story, summary and embedding would be empty.
        raise PermanentError(
            "text has no words: only punctuation, symbols, emoji or invisible characters", stage=STAGE, field="text"
        )
    if event.media_type == "audio":
        if not event.audio_key:
            raise PermanentError("audioKey is required when mediaType is 'audio'", stage=STAGE, field="audioKey")
        check_audio_source(event.audio_key)
    ports.store.save_response(
        ResponseRecord(
            id=event.response_id,
            family_id=event.family_id,
            media_type=event.media_type,
            prompt=event.prompt,
            text=event.text,
            audio_key=event.audio_key,
            status="processing",
            stage=STAGE,
        )
    )
    return ResponseRef(
        response_id=event.response_id,
        family_id=event.family_id,
        media_type=event.media_type,
        podcast=event.podcast,
    )
