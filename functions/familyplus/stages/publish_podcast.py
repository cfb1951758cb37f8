"""publish_podcast: record the episode's key and duration on the story (an upsert: replays are harmless),
then tell the family once that it is ready.

The notice goes through the Notifier (Twilio SMS in the cloud, the outbox file locally) with the episode's
title and a time-limited link. `EpisodeNotices` records it per story, so a re-run of daily_podcasts, a
redrive or a retried publish never notifies twice; a family without a recipient on file is skipped. A
notifier that refuses the message (PermanentError) is recorded and the episode stays published; a transient
failure is raised, so the state machine retries the publish (the failed claim may be taken again).
"""

from __future__ import annotations

from typing import Protocol

from familyplus.errors import DeliveryUncertainError, PermanentError, TransientError
from familyplus.models.podcast import NotifyOutcome, PublishPodcastEvent, PublishPodcastOutput
from familyplus.models.response import StoryRecord
from familyplus.ports import EpisodeNotices, FamilyDirectory, MediaStore, Notifier, Store

STAGE = "publish_podcast"
#: How long the episode link in the message works. Seven days is S3's longest presigned URL (SigV4).
LINK_SECONDS = 7 * 24 * 3600


class PublishPodcastPorts(Protocol):
    @property
    def store(self) -> Store: ...
    @property
    def media(self) -> MediaStore: ...
    @property
    def families(self) -> FamilyDirectory: ...
    @property
    def notifier(self) -> Notifier: ...
    @property
    def episode_notices(self) -> EpisodeNotices: ...


def run(event: PublishPodcastEvent, ports: PublishPodcastPorts) -> PublishPodcastOutput:
    story = ports.store.get_story(event.story_id)  # NotFoundError for an unknown story, before writing anything
    ports.store.set_podcast(event.story_id, event.podcast_key, round(event.seconds, 3))
    # A podcast that failed earlier marked the response failed (MarkFailed); a successful (re)run clears it.
    ports.store.update_progress(story.response_id, status="completed", stage=None, error=None)
    notified = notify_family(story, event.podcast_key, ports)
    return PublishPodcastOutput(
        story_id=event.story_id, podcast_key=event.podcast_key, seconds=event.seconds, notified=notified
    )


def message_for(story: StoryRecord, link: str) -> str:
    return f"A new Family+ episode is ready: “{story.title}”. Listen: {link}"


def notify_family(story: StoryRecord, podcast_key: str, ports: PublishPodcastPorts) -> NotifyOutcome:
    family_id = ports.store.get_response(story.response_id).family_id
    family = next((f for f in ports.families.list_families() if f.id == family_id and f.active), None)
    if family is None:
        return "no_recipient"
    notices = ports.episode_notices
    claimed = notices.claim(
        story.id,
        family_id=family_id,
        podcast_key=podcast_key,
        recipient=family.recipient,
        channel=ports.notifier.channel,
    )
    if not claimed:
        return "already_sent"
    try:
        link = ports.media.share_url(podcast_key, expires_s=LINK_SECONDS)
        provider_id = ports.notifier.send(
            family.recipient, message_for(story, link), idempotency_key=f"episode-{story.id}"
        )
    except DeliveryUncertainError as exc:  # it may have arrived: never send again, keep it visible
        notices.finish(story.id, status="sending", provider_id=None, error=f"in doubt: {type(exc).__name__}")
        return "in_doubt"
    except TransientError as exc:
        notices.finish(story.id, status="failed", provider_id=None, error=f"transient: {type(exc).__name__}")
        raise
    except PermanentError as exc:
        notices.finish(story.id, status="failed", provider_id=None, error=f"permanent: {exc}")
        return "failed"
    notices.finish(story.id, status="sent", provider_id=provider_id, error=None)
    return "sent"
