"""Audio models: what the audio ports return, what the audio stages store, and the audio stages' wire events.

Wire events (camelCase, `WireModel`) carry only ids, storage keys and small numbers — never audio, never a
transcript (Step Functions caps a state's payload at 256 KB). Transcripts and podcast scripts travel through
the media store as JSON documents under the keys named here.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from familyplus.errors import PermanentError
from familyplus.models import Id, StoryId, WireModel

#: A media-store key: slash-separated segments, each starting with a letter or digit, then letters, digits,
#: `.`, `_`, `-` — so no `..` segment, no leading `/`, no backslash: a key can never leave the store's root.
MEDIA_KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*(?:/[A-Za-z0-9][A-Za-z0-9._-]*)*$"
MediaKey = Annotated[str, StringConstraints(pattern=MEDIA_KEY_PATTERN, max_length=512)]
_MEDIA_KEY = re.compile(MEDIA_KEY_PATTERN)
SegmentKind = Literal["intro", "story", "quotes", "outro"]
#: Logical voices of a podcast; each Speech adapter maps them to a concrete voice (config).
Voice = Literal["host", "narrator"]


class _Value(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- what the ports return -----------------------------------------------------------------------


class Word(_Value):
    """One recognised word; times in seconds from the start of the audio the transcriber was given."""

    word: str
    start: float = Field(ge=0.0)
    end: float = Field(ge=0.0)


class Transcript(_Value):
    text: str
    words: list[Word] = Field(default_factory=list)
    language: str | None = None
    duration: float = Field(default=0.0, ge=0.0)


class AudioInfo(_Value):
    """What `Audio.probe` learns about a file (its first audio stream)."""

    duration: float = Field(ge=0.0)
    codec: str
    channels: int = Field(ge=1)
    sample_rate: int = Field(ge=1)
    container: str


class AudioChunk(_Value):
    """A piece of a longer recording: `offset` seconds into the original, `duration` seconds long."""

    path: Path
    offset: float = Field(ge=0.0)
    duration: float = Field(ge=0.0)


class Loudness(_Value):
    """EBU R128 measurement: integrated loudness (LUFS), loudness range (LU), true peak (dBTP)."""

    integrated_lufs: float
    range_lu: float
    true_peak_dbtp: float


class PodcastSegment(_Value):
    index: int = Field(ge=0)
    kind: SegmentKind
    voice: Voice
    text: str = Field(min_length=1)


class PodcastScript(_Value):
    story_id: str
    title: str
    segments: list[PodcastSegment] = Field(min_length=1)


def validate_key(key: str) -> str:
    """A media key, checked: relative, and unable to leave the store (no `..`, no absolute path)."""
    if not isinstance(key, str) or len(key) > 512 or not _MEDIA_KEY.fullmatch(key):
        raise PermanentError(f"invalid media key {key!r}: use letters, digits, '.', '_', '-' and '/' separators")
    return key


# --- storage keys (deterministic, so a retried stage overwrites instead of duplicating) --------------
# Intermediate files live under `tmp/`, which the S3 bucket's lifecycle rule expires after a day
# (infra/storage.py TMP_PREFIX): a failed run leaves no garbage behind for long.


def chunk_audio_key(response_id: str, index: int) -> str:
    return f"tmp/{response_id}/chunk-{index:03d}.wav"


def chunk_transcript_key(response_id: str, index: int) -> str:
    return f"tmp/{response_id}/chunk-{index:03d}.json"


def transcript_key(response_id: str) -> str:
    return f"transcripts/{response_id}.json"


def podcast_script_key(story_id: str) -> str:
    return f"podcasts/{story_id}/script.json"


def podcast_segment_key(story_id: str, index: int) -> str:
    return f"tmp/podcasts/{story_id}/segment-{index:02d}.wav"


def podcast_key(story_id: str) -> str:
    return f"podcasts/{story_id}/podcast.mp3"


# --- wire events: process_response, audio branch --------------------------------------------------


class PrepareAudioEvent(WireModel):
    response_id: Id
    family_id: Id


class ChunkRef(WireModel):
    """One Map item of the transcription branch; also the TranscribeChunk event."""

    response_id: Id
    index: int = Field(ge=0)
    key: MediaKey
    offset_seconds: float = Field(ge=0.0)
    duration_seconds: float = Field(ge=0.0)


class PrepareAudioOutput(WireModel):
    response_id: Id
    family_id: Id
    duration_seconds: float
    #: False: one chunk (the whole recording) — transcribe it directly; True: Map over `chunks`.
    chunked: bool
    chunks: list[ChunkRef] = Field(min_length=1)
    #: The transcription Map's MaxConcurrency (MaxConcurrencyPath): the provider's concurrency quota.
    max_concurrency: int = Field(default=4, ge=1, le=40)


TranscribeChunkEvent = ChunkRef


class TranscribeChunkOutput(WireModel):
    response_id: Id
    index: int = Field(ge=0)
    transcript_key: MediaKey
    offset_seconds: float = Field(ge=0.0)
    duration_seconds: float = Field(ge=0.0)
    word_count: int = Field(ge=0)


class MergeTranscriptEvent(WireModel):
    response_id: Id
    family_id: Id
    chunks: list[TranscribeChunkOutput] = Field(min_length=1)


class MergeTranscriptOutput(WireModel):
    response_id: Id
    family_id: Id
    transcript_key: MediaKey
    word_count: int
    seconds: float
    language: str | None = None


# --- wire events: generate_podcast ---------------------------------------------------------------


class WritePodcastScriptEvent(WireModel):
    story_id: StoryId
    response_id: Id | None = None
    family_id: Id | None = None


class SegmentRef(WireModel):
    """One Map item of the podcast branch; also the SynthesizeSegment event."""

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


SynthesizeSegmentEvent = SegmentRef


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


class PublishPodcastOutput(WireModel):
    story_id: StoryId
    podcast_key: MediaKey
    seconds: float
