"""A malformed replay never flips a completed response; a rejection whose input holds a lone surrogate is still
recorded; text with no sentence is refused at intake, leaving no embedding behind."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from familyplus.errors import NotFoundError
from familyplus.models.keys import story_id_for
from familyplus_local.runtime.runner import LocalRunner
from tests.support import response

PROCESS = "process_response"


@pytest.mark.parametrize(
    "replay",
    [
        {"text": "   "},  # blank text
        {"mediaType": "audio"},  # a recording with no audioKey
        {"mediaType": "video"},  # not a media type
    ],
)
def test_a_malformed_replay_leaves_the_completed_response_as_it_was(
    make_runner: Callable[..., LocalRunner], replay: dict[str, object]
) -> None:
    runner = make_runner()
    assert runner.start(PROCESS, response("done-1"), name="response-done-1").status == "SUCCEEDED"
    store = runner.adapters.store
    story, tags = store.get_story(story_id_for("done-1")), store.list_value_tags("done-1")

    failed = runner.start(PROCESS, {**response("done-1"), **replay}, name="response-done-1-2")

    assert failed.status == "FAILED"
    assert failed.events("TaskStateEntered", "MarkFailed")  # the failure went through the Catch
    after = store.get_response("done-1")
    assert (after.status, after.error) == ("completed", None)
    assert store.get_story(story.id) == story and store.list_value_tags("done-1") == tags


def test_a_rejection_whose_input_holds_a_lone_surrogate_is_recorded(make_runner: Callable[..., LocalRunner]) -> None:
    runner = make_runner()
    execution = runner.start(PROCESS, response("sur-1", text="I remember \ud800 the harbour."), name="response-sur-1")
    assert execution.status == "FAILED"
    assert execution.events("FailStateEntered")  # MarkFailed itself did not fail
    row = runner.adapters.store.get_response("sur-1")
    assert row.status == "failed" and row.stage == "accept_response" and row.text is None


@pytest.mark.parametrize("text", ["!!! ... ???", "😀😀😀 🎉", "\u200b\u200b\u200b", "— – …"])
def test_text_without_a_sentence_is_refused_at_intake_naming_it(
    make_runner: Callable[..., LocalRunner], text: str
) -> None:
    runner = make_runner()
    execution = runner.start(PROCESS, response("nowords", text=text), name="response-nowords")
    assert execution.status == "FAILED"
    row = runner.adapters.store.get_response("nowords")
    assert row.stage == "accept_response" and "no words" in (row.error or ""), row.error
    with pytest.raises(NotFoundError):
        runner.adapters.store.get_story(story_id_for("nowords"))
    [vector] = runner.adapters.embedder.embed(["anything"])
    assert all(hit.response_id != "nowords" for hit in runner.adapters.store.search(vector, family_id=None, limit=50))


@pytest.mark.parametrize("value", [float("inf"), float("nan")])
def test_a_wire_event_refuses_non_finite_numbers(value: float) -> None:
    """JSON has no NaN or Infinity: publish_podcast once returned `Infinity` as the episode's seconds."""
    from pydantic import ValidationError

    from familyplus.models.podcast import PublishPodcastEvent

    with pytest.raises(ValidationError, match="finite number"):
        PublishPodcastEvent.model_validate(
            {"storyId": "story-r1", "podcastKey": "podcasts/r1/podcast.mp3", "seconds": value}
        )


def test_run_refuses_an_invalid_response_id_with_one_clean_line(make_runner: Callable[..., LocalRunner]) -> None:
    from typer.testing import CliRunner

    from familyplus_local.cli import app

    result = CliRunner().invoke(app, ["run", "--text", "My first bicycle was red.", "--response-id", "a/b"])
    assert result.exit_code == 2
    assert "--response-id 'a/b'" in result.output and "Traceback" not in result.output
