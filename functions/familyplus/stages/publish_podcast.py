"""publish_podcast: record the episode's key and duration on the story (an upsert: replays are harmless)."""

from __future__ import annotations

from typing import Protocol

from familyplus.models.podcast import PublishPodcastEvent, PublishPodcastOutput
from familyplus.ports import Store

STAGE = "publish_podcast"


class PublishPodcastPorts(Protocol):
    @property
    def store(self) -> Store: ...


def run(event: PublishPodcastEvent, ports: PublishPodcastPorts) -> PublishPodcastOutput:
    story = ports.store.get_story(event.story_id)  # NotFoundError for an unknown story, before writing anything
    ports.store.set_podcast(event.story_id, event.podcast_key, round(event.seconds, 3))
    # A podcast that failed earlier marked the response failed (MarkFailed); a successful (re)run clears it.
    ports.store.update_progress(story.response_id, status="completed", stage=None, error=None)
    return PublishPodcastOutput(story_id=event.story_id, podcast_key=event.podcast_key, seconds=event.seconds)
