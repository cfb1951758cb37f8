"""publish_podcast tells the family once per episode, records it, and skips families without a recipient."""

from __future__ import annotations

import pytest

from familyplus.bootstrap import Adapters
from familyplus.errors import DeliveryUncertainError, PermanentError, TransientError
from familyplus.models.podcast import PublishPodcastEvent
from familyplus.models.quotes import Family
from familyplus.models.response import ResponseRecord, StoryRecord
from familyplus.stages import publish_podcast

EVENT = PublishPodcastEvent(story_id="story-r1", podcast_key="podcasts/story-r1/podcast.mp3", seconds=61.5)


class ScriptedNotifier:
    channel = "sms"

    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.sent: list[tuple[str, str, str]] = []

    def send(self, recipient: str, body: str, *, idempotency_key: str) -> str:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((recipient, body, idempotency_key))
        return f"msg-{len(self.sent)}"


def stocked(adapters: Adapters, *, recipient: bool = True) -> None:
    adapters.store.save_response(ResponseRecord(id="r1", family_id="fam", media_type="text", text="words"))
    adapters.store.upsert_story(
        StoryRecord(id="story-r1", response_id="r1", family_id="fam", title="My First Job", summary="s", narrative="n")
    )
    if recipient:
        adapters.families.upsert_family(Family(id="fam", timezone="UTC", recipient="+15550000001"))


def test_sends_once_with_title_and_link_then_never_again(adapters: Adapters) -> None:
    notifier = ScriptedNotifier()
    adapters.__dict__["notifier"] = notifier
    stocked(adapters)
    assert publish_podcast.run(EVENT, adapters).notified == "sent"
    assert publish_podcast.run(EVENT, adapters).notified == "already_sent"
    [(to, body, key)] = notifier.sent
    assert to == "+15550000001" and key == "episode-story-r1"
    assert "“My First Job”" in body and body.endswith("podcasts/story-r1/podcast.mp3")


def test_a_family_without_a_recipient_is_skipped(adapters: Adapters) -> None:
    notifier = ScriptedNotifier()
    adapters.__dict__["notifier"] = notifier
    stocked(adapters, recipient=False)
    assert publish_podcast.run(EVENT, adapters).notified == "no_recipient"
    assert notifier.sent == [] and adapters.store.get_story("story-r1").podcast_key == EVENT.podcast_key


def test_a_refused_message_is_recorded_and_the_episode_stays_published(adapters: Adapters) -> None:
    adapters.__dict__["notifier"] = ScriptedNotifier(PermanentError("invalid number"))
    stocked(adapters)
    assert publish_podcast.run(EVENT, adapters).notified == "failed"
    assert adapters.store.get_story("story-r1").podcast_key == EVENT.podcast_key
    assert adapters.episode_notices.status("story-r1") == "failed"  # type: ignore[attr-defined]


def test_a_transient_failure_is_retried_by_the_workflow_and_then_sends_once(adapters: Adapters) -> None:
    notifier = ScriptedNotifier(TransientError("429"))
    adapters.__dict__["notifier"] = notifier
    stocked(adapters)
    with pytest.raises(TransientError):
        publish_podcast.run(EVENT, adapters)
    assert publish_podcast.run(EVENT, adapters).notified == "sent"  # the state machine's retry
    assert publish_podcast.run(EVENT, adapters).notified == "already_sent"
    assert len(notifier.sent) == 1


def test_an_answer_lost_after_sending_is_never_sent_again(adapters: Adapters) -> None:
    notifier = ScriptedNotifier(DeliveryUncertainError("timed out after sending"))
    adapters.__dict__["notifier"] = notifier
    stocked(adapters)
    assert publish_podcast.run(EVENT, adapters).notified == "in_doubt"
    assert publish_podcast.run(EVENT, adapters).notified == "already_sent"
    assert notifier.sent == []
