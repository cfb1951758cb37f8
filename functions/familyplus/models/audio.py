"""process_response's audio branch (prepare_audio → transcribe_chunk in a Map → merge_transcript), and the
values the audio ports return (`Transcriber`, `Audio`), which the podcast stages use too.

Transcripts travel through the media store as JSON documents under the `keys` names, never in an event.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from familyplus.models.base import Id, Value, WireModel
from familyplus.models.keys import MediaKey

# --- what the ports return -----------------------------------------------------------------------


class Word(Value):
    """One recognised word; times in seconds from the start of the audio the transcriber was given."""

    word: str
    start: float = Field(ge=0.0)
    end: float = Field(ge=0.0)


class Transcript(Value):
    text: str
    words: list[Word] = Field(default_factory=list)
    language: str | None = None
    duration: float = Field(default=0.0, ge=0.0)


class AudioInfo(Value):
    """What `Audio.probe` learns about a file (its first audio stream)."""

    duration: float = Field(ge=0.0)
    codec: str
    channels: int = Field(ge=1)
    sample_rate: int = Field(ge=1)
    container: str


class AudioChunk(Value):
    """A piece of a longer recording: `offset` seconds into the original, `duration` seconds long."""

    path: Path
    offset: float = Field(ge=0.0)
    duration: float = Field(ge=0.0)


class Loudness(Value):
    """EBU R128 measurement: integrated loudness (LUFS), loudness range (LU), true peak (dBTP)."""

    integrated_lufs: float
    range_lu: float
    true_peak_dbtp: float


class JoinedAudio(Value):
    """What `Audio.concat` wrote, and its loudness, measured while it was written (sample peak, not true peak)."""

    info: AudioInfo
    loudness: Loudness


# --- wire events ----------------------------------------------------------------------------------


class PrepareAudioEvent(WireModel):
    response_id: Id
    family_id: Id


class ChunkRef(WireModel):
    """One Map item of the transcription branch; also the transcribe_chunk stage's event."""

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
