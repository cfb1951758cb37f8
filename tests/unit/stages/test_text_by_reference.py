"""A typed answer by reference: the input carries `textKey` + `textSha256`, accept_response reads the words
from the media store, checks them, and records the row exactly as for an inline answer."""

from __future__ import annotations

import hashlib
import logging

import pytest
from pydantic import ValidationError

from familyplus.bootstrap import Adapters
from familyplus.errors import NotFoundError, PermanentError
from familyplus.models.keys import text_key, text_sha256
from familyplus.models.response import ProcessResponseInput
from familyplus.stages import accept_response

WORDS = "Grandpa fixed radios in the back of the shop and hummed while he worked."


def reference(words: str = WORDS, *, family: str = "f1", response: str = "r1") -> dict[str, object]:
    digest = text_sha256(words)
    return {
        "responseId": response,
        "familyId": family,
        "mediaType": "text",
        "textKey": text_key(family, response, digest),
        "textSha256": digest,
    }


def stored(adapters: Adapters, data: bytes, event: dict[str, object]) -> ProcessResponseInput:
    adapters.media.put_bytes(str(event["textKey"]), data)
    return ProcessResponseInput.model_validate(event)


def test_the_key_is_per_family_and_response_and_named_by_the_hash() -> None:
    digest = text_sha256(WORDS)
    assert text_key("fam-1", "resp-1", digest) == f"answers/fam-1/resp-1/{digest}.txt"
    assert text_sha256(WORDS) != text_sha256(WORDS + " ")


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ({"text": WORDS}, "not both"),
        ({"textSha256": None}, "go together"),
        ({"textKey": None}, "go together"),
        ({"textSha256": "A" * 64}, "textSha256|text_sha256"),
        # another family's (or response's) object cannot be named: the key is derived from the ids and hash
        ({"textKey": text_key("f2", "r1", text_sha256(WORDS))}, "not this response's text object"),
        ({"textKey": text_key("f1", "r2", text_sha256(WORDS))}, "not this response's text object"),
        ({"textKey": "../answers/f1/r1/x.txt"}, "textKey|text_key"),
    ],
)
def test_the_model_refuses_a_malformed_reference(change: dict[str, object], rule: str) -> None:
    event = {k: v for k, v in {**reference(), **change}.items() if v is not None}
    with pytest.raises(ValidationError, match=rule):
        ProcessResponseInput.model_validate(event)


def test_the_inline_form_still_validates() -> None:
    event = ProcessResponseInput.model_validate(
        {"responseId": "r1", "familyId": "f1", "mediaType": "text", "text": WORDS}
    )
    assert (event.text, event.text_key, event.text_sha256) == (WORDS, None, None)


def test_accept_reads_the_referenced_text_into_the_row(adapters: Adapters, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    event = stored(adapters, WORDS.encode(), reference())

    ref = accept_response.run(event, adapters)

    row = adapters.store.get_response("r1")
    assert (row.text, row.status, row.stage) == (WORDS, "processing", "accept_response")
    assert ref.wire() == {"responseId": "r1", "familyId": "f1", "mediaType": "text", "podcast": False}
    assert "radios" not in caplog.text


@pytest.mark.parametrize(
    ("data", "rule"),
    [
        (b"Someone else's words entirely.", "does not match textSha256"),
        (WORDS.encode()[:-5], "does not match textSha256"),
    ],
)
def test_accept_refuses_an_object_that_is_not_the_hashed_text(adapters: Adapters, data: bytes, rule: str) -> None:
    event = stored(adapters, data, reference())
    with pytest.raises(PermanentError, match=rule) as raised:
        accept_response.run(event, adapters)
    assert raised.value.field == "textKey"
    assert "entirely" not in str(raised.value) and "radios" not in str(raised.value)
    with pytest.raises(NotFoundError):
        adapters.store.get_response("r1")


@pytest.mark.parametrize(
    ("data", "rule"),
    [
        (b"\xff\xfe not utf-8", "not UTF-8"),
        (b"   \n\t ", "text is empty"),
        (b"!!! ...", "no words"),
    ],
)
def test_accept_applies_the_inline_rules_to_the_referenced_text(adapters: Adapters, data: bytes, rule: str) -> None:
    digest = hashlib.sha256(data).hexdigest()
    event = {**reference(), "textKey": text_key("f1", "r1", digest), "textSha256": digest}
    with pytest.raises(PermanentError, match=rule):
        accept_response.run(stored(adapters, data, event), adapters)
    with pytest.raises(NotFoundError):
        adapters.store.get_response("r1")


def test_accept_refuses_a_missing_object_naming_the_field(adapters: Adapters) -> None:
    with pytest.raises(PermanentError, match="no text object") as raised:
        accept_response.run(ProcessResponseInput.model_validate(reference()), adapters)
    assert raised.value.field == "textKey"


def test_a_referenced_replay_of_a_completed_response_is_the_same_row(adapters: Adapters) -> None:
    """The same words by reference and inline record the same row: the two forms are one contract."""
    inline = ProcessResponseInput.model_validate(
        {"responseId": "r1", "familyId": "f1", "mediaType": "text", "text": WORDS}
    )
    accept_response.run(inline, adapters)
    first = adapters.store.get_response("r1")
    accept_response.run(stored(adapters, WORDS.encode(), reference()), adapters)
    again = adapters.store.get_response("r1")
    assert (again.text, again.family_id, again.media_type) == (first.text, first.family_id, first.media_type)
