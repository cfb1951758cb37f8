"""accept_response: validate a new response and record it, before any other stage runs."""

from __future__ import annotations

import hashlib
from typing import Protocol

from familyplus.errors import NotFoundError, PermanentError
from familyplus.models.base import MAX_TEXT_CHARS
from familyplus.models.keys import is_url, validate_key
from familyplus.models.response import ProcessResponseInput, ResponseRecord, ResponseRef
from familyplus.ports import MediaStore, Store

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
    @property
    def media(self) -> MediaStore: ...


#: A UTF-8 character is at most 4 bytes: anything larger cannot be within the text limit.
_MAX_TEXT_BYTES = MAX_TEXT_CHARS * 4


def referenced_text(event: ProcessResponseInput, media: MediaStore) -> str:
    """The answer stored under `textKey`, checked against `textSha256`. Errors name the field and the rule,
    never the words."""
    assert event.text_key is not None and event.text_sha256 is not None  # the model pairs them
    try:
        data = media.get_bytes(event.text_key, max_bytes=_MAX_TEXT_BYTES)
    except NotFoundError as exc:
        raise PermanentError("textKey: no text object under the key", stage=STAGE, field="textKey") from exc
    except PermanentError as exc:
        raise PermanentError(f"textKey: {exc.message}", stage=STAGE, field="textKey") from exc
    # The hash is over the bytes, so a changed or truncated object is refused before it is decoded.
    if hashlib.sha256(data).hexdigest() != event.text_sha256:
        raise PermanentError("textKey: the object does not match textSha256", stage=STAGE, field="textKey")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise PermanentError("textKey: the object is not UTF-8 text", stage=STAGE, field="textKey") from None
    if len(text) > MAX_TEXT_CHARS:
        raise PermanentError(f"text is longer than {MAX_TEXT_CHARS} characters", stage=STAGE, field="text")
    if not text.strip():
        raise PermanentError("text is empty", stage=STAGE, field="text")
    return text


def run(event: ProcessResponseInput, ports: AcceptPorts) -> ResponseRef:
    if event.text_key is not None:
        # Read here, once: the row then holds the words, and the later stages read them from the store
        # exactly as for an inline answer.
        event = event.model_copy(update={"text": referenced_text(event, ports.media), "text_key": None})
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
