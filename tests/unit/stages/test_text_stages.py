"""Stages over a real SqliteStore: validation, vocabulary and verbatim rules, idempotent replays."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pytest

from familyplus.bootstrap import Adapters
from familyplus.errors import NotFoundError, PermanentError
from familyplus.models.response import MarkFailedEvent, ProcessResponseInput, ResponseEvent, StoryEvent, ValueTag
from familyplus.stages import (
    accept_response,
    complete_response,
    extract_quotes,
    mark_failed,
    tag_values,
    write_story,
)

WORDS = (
    "My grandmother ran the bakery for forty years. She always said, treat every customer like family. "
    "I learned that kindness is remembered long after the bread is gone."
)


def accept(adapters: Adapters, **overrides: object) -> ResponseEvent:
    payload = {"responseId": "r1", "familyId": "f1", "mediaType": "text", "text": WORDS, **overrides}
    ref = accept_response.run(ProcessResponseInput.model_validate(payload), adapters)
    return ResponseEvent(response_id=ref.response_id, family_id=ref.family_id)


def test_accept_records_the_response_as_processing(adapters: Adapters) -> None:
    accept(adapters, prompt="Tell us about grandma")
    row = adapters.store.get_response("r1")
    assert (row.status, row.stage, row.text, row.prompt) == (
        "processing",
        "accept_response",
        WORDS,
        "Tell us about grandma",
    )


def test_accept_refuses_text_response_without_text_and_stores_nothing(adapters: Adapters) -> None:
    with pytest.raises(PermanentError) as raised:
        accept(adapters, text=None)
    assert raised.value.field == "text"
    with pytest.raises(NotFoundError):
        adapters.store.get_response("r1")


class OffVocabularyTagger:
    def tag(self, text: str, vocabulary: Sequence[str]) -> list[ValueTag]:
        return [
            ValueTag(tag="greed", score=0.9),
            ValueTag(tag="family", score=0.8),
            ValueTag(tag="family", score=0.5),
            ValueTag(tag="kindness", score=0.7),
        ]


def test_tags_outside_the_vocabulary_are_never_stored(adapters: Adapters) -> None:
    event = accept(adapters)
    adapters.__dict__["tagger"] = OffVocabularyTagger()  # same as build(settings, tagger=...)
    output = tag_values.run(event, adapters)
    assert output.tags == ["family", "kindness"]
    assert [t.tag for t in adapters.store.list_value_tags("r1")] == ["family", "kindness"]


class ParaphrasingProposer:
    def propose(self, text: str, *, max_quotes: int) -> list[str]:
        return [
            "She always said, treat every customer like family.",  # verbatim
            "Treat every customer as if they were family.",  # paraphrase: must be rejected
            "I learned that kindness is remembered\n   long after the bread is gone.",  # whitespace differs only
        ]


def test_only_verbatim_quotes_are_kept(adapters: Adapters) -> None:
    event = accept(adapters)
    story = write_story.run(event, adapters)
    adapters.__dict__["quotes"] = ParaphrasingProposer()
    output = extract_quotes.run(StoryEvent(story_id=story.story_id, response_id="r1", family_id="f1"), adapters)
    assert (output.count, output.rejected) == (2, 1)
    quotes = adapters.store.list_quotes(story.story_id)
    assert all(WORDS[q.start : q.end] == q.text for q in quotes)
    assert quotes[1].text == "I learned that kindness is remembered long after the bread is gone."


def test_replaying_stages_never_duplicates(adapters: Adapters) -> None:
    event = accept(adapters)
    for _ in range(2):
        tag_values.run(event, adapters)
        story = write_story.run(event, adapters)
        extract_quotes.run(StoryEvent(story_id=story.story_id, response_id="r1", family_id="f1"), adapters)
    tags = [t.tag for t in adapters.store.list_value_tags("r1")]
    quotes = [q.text for q in adapters.store.list_quotes(story.story_id)]
    assert len(tags) == len(set(tags)) > 0
    assert len(quotes) == len(set(quotes)) > 0
    assert adapters.store.find_story_for_response("r1") is not None
    assert complete_response.run(event, adapters).story_id == "story-r1"


def lambda_cause(message: str, error_type: str = "PermanentError") -> str:
    return json.dumps({"errorMessage": message, "errorType": error_type, "stackTrace": []})


def test_mark_failed_records_stage_and_reason(adapters: Adapters) -> None:
    accept(adapters)
    output = mark_failed.run(
        MarkFailedEvent(
            input={"responseId": "r1", "familyId": "f1"},
            error="TransientError",
            cause=lambda_cause("tag_values: provider timed out", "TransientError"),
        ),
        adapters,
    )
    assert (output.stage, output.reason) == ("tag_values", "provider timed out")
    row = adapters.store.get_response("r1")
    assert (row.status, row.stage, row.error) == ("failed", "tag_values", "TransientError: provider timed out")


def test_mark_failed_records_rejected_input_without_its_content(adapters: Adapters) -> None:
    mark_failed.run(
        MarkFailedEvent(
            input={"responseId": "r2", "familyId": "f1", "mediaType": "video", "text": "x" * 10},
            error="PermanentError",
            cause=lambda_cause("accept_response: invalid input: mediaType: Input should be 'text'"),
        ),
        adapters,
    )
    row = adapters.store.get_response("r2")
    assert (row.status, row.stage, row.media_type, row.text) == ("failed", "accept_response", None, None)
    assert "mediaType" in (row.error or "")


def test_mark_failed_without_a_usable_id_marks_nothing(adapters: Adapters) -> None:
    output = mark_failed.run(
        MarkFailedEvent(input={"familyId": "f1"}, error="States.Timeout", cause="took too long"), adapters
    )
    assert (output.response_id, output.stage, output.reason) == (None, None, "took too long")
