"""generate_podcast: the script (what the podcast writer port returns), its segments, and the events of
write_podcast_script → synthesize_segment (a Map) → assemble_podcast → publish_podcast.

The script travels through the media store as a JSON document (`keys.podcast_script_key`), never in an event.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from familyplus.models.base import Id, StoryId, Value, WireModel
from familyplus.models.keys import MediaKey

SegmentKind = Literal["intro", "story", "quotes", "outro"]
#: Logical voices of a podcast; each Speech adapter maps them to a concrete voice (config). `speaker` is the
#: family member's own recorded voice: a `clip` of the recording, never synthesised.
Voice = Literal["host", "narrator", "speaker"]


class Clip(Value):
    """Where a quote was said: the recording (media key or URL) and seconds from its start."""

    source: str = Field(min_length=1)
    start: float = Field(ge=0.0)
    end: float = Field(gt=0.0)


class PodcastSegment(Value):
    index: int = Field(ge=0)
    kind: SegmentKind
    voice: Voice
    text: str = Field(min_length=1)
    clip: Clip | None = None


class PodcastScript(Value):
    story_id: str
    title: str
    segments: list[PodcastSegment] = Field(min_length=1)


# --- wire events ----------------------------------------------------------------------------------


class WritePodcastScriptEvent(WireModel):
    story_id: StoryId
    response_id: Id | None = None
    family_id: Id | None = None


class SegmentRef(WireModel):
    """One Map item of the podcast branch; also the synthesize_segment stage's event."""

    story_id: StoryId
    script_key: MediaKey
    index: int = Field(ge=0)
    kind: SegmentKind
    voice: Voice


class WritePodcastScriptOutput(WireModel):
    story_id: StoryId
    title: str
    script_key: MediaKey
    segments: list[SegmentRef] = Field(min_length=1)


class SynthesizeSegmentOutput(WireModel):
    story_id: StoryId
    index: int = Field(ge=0)
    audio_key: MediaKey
    seconds: float = Field(ge=0.0)


class AssemblePodcastEvent(WireModel):
    story_id: StoryId
    segments: list[SynthesizeSegmentOutput] = Field(min_length=1)


class AssemblePodcastOutput(WireModel):
    story_id: StoryId
    podcast_key: MediaKey
    seconds: float
    segment_seconds: float
    loudness_lufs: float


class PublishPodcastEvent(WireModel):
    story_id: StoryId
    podcast_key: MediaKey
    seconds: float = Field(ge=0.0)


#: An episode notice's row: claimed (`sending`), then `sent` or `failed` (nothing sent: may be claimed again).
NoticeStatus = Literal["sending", "sent", "failed"]
#: What publishing told the family: sent now; already told (a re-run); no recipient on file; the notifier
#: refused it (recorded, the episode stays published); or sent with no answer (never re-sent: in doubt).
NotifyOutcome = Literal["sent", "already_sent", "no_recipient", "failed", "in_doubt"]


class PublishPodcastOutput(WireModel):
    story_id: StoryId
    podcast_key: MediaKey
    seconds: float
    notified: NotifyOutcome = "no_recipient"
