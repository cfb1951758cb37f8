"""transcribe_chunk: one chunk of a recording → its transcript (JSON in the media store), keyed by index.

The single-recording case is the one-chunk case. Word times stay relative to the chunk; merge_transcript
adds the chunk's offset. Provider errors pass through as raised (TransientError is retried by the Map).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Protocol

from familyplus.models.audio import ChunkRef, TranscribeChunkOutput
from familyplus.models.keys import chunk_transcript_key
from familyplus.ports import MediaStore, Transcriber

STAGE = "transcribe_chunk"


class TranscribeChunkSettings(Protocol):
    @property
    def transcribe_language(self) -> str | None: ...


class TranscribeChunkPorts(Protocol):
    @property
    def media(self) -> MediaStore: ...
    @property
    def transcriber(self) -> Transcriber: ...
    @property
    def settings(self) -> TranscribeChunkSettings: ...


def run(event: ChunkRef, ports: TranscribeChunkPorts) -> TranscribeChunkOutput:
    with tempfile.TemporaryDirectory(prefix="familyplus-transcribe-") as tmp:
        audio = ports.media.get(event.key, Path(tmp))
        transcript = ports.transcriber.transcribe(audio, language=ports.settings.transcribe_language)
    key = chunk_transcript_key(event.response_id, event.index)
    ports.media.put_bytes(key, transcript.model_dump_json().encode("utf-8"))
    return TranscribeChunkOutput(
        response_id=event.response_id,
        index=event.index,
        transcript_key=key,
        offset_seconds=event.offset_seconds,
        duration_seconds=event.duration_seconds,
        word_count=len(transcript.words),
    )
