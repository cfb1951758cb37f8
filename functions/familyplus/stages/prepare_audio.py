"""prepare_audio: fetch or get the recording, check it, convert it to 16 kHz mono, and cut it into chunks.

A recording no longer than `audio_chunk_threshold_seconds` is one chunk (the whole converted file); a longer
one is cut into `audio_chunk_seconds` pieces overlapping by `audio_chunk_overlap_seconds`, which the
workflow's Map transcribes in parallel (DESIGN.md §4). Chunks go to the media store under deterministic keys,
so a retry overwrites them. Size and duration caps protect every later stage: too large or too long is a
`PermanentError` naming the limit.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Protocol

from familyplus.errors import PermanentError
from familyplus.models.audio import AudioChunk, ChunkRef, PrepareAudioEvent, PrepareAudioOutput
from familyplus.models.keys import chunk_audio_key, is_url
from familyplus.ports import Audio, MediaStore, Store

STAGE = "prepare_audio"


class PrepareAudioSettings(Protocol):
    @property
    def audio_chunk_threshold_seconds(self) -> float: ...
    @property
    def audio_chunk_seconds(self) -> float: ...
    @property
    def audio_chunk_overlap_seconds(self) -> float: ...
    @property
    def audio_max_bytes(self) -> int: ...
    @property
    def audio_max_seconds(self) -> float: ...
    @property
    def transcribe_max_concurrency(self) -> int: ...


class PrepareAudioPorts(Protocol):
    @property
    def store(self) -> Store: ...
    @property
    def media(self) -> MediaStore: ...
    @property
    def audio(self) -> Audio: ...
    @property
    def settings(self) -> PrepareAudioSettings: ...


def plan_chunks(duration: float, chunk_seconds: float, overlap_seconds: float) -> list[tuple[float, float]]:
    """(offset, length) pairs covering [0, duration]: consecutive chunks share `overlap_seconds`.

    A recording no longer than one chunk is one chunk. No chunk is a sliver: when what would follow a chunk
    is short (at most the overlap, or a tenth of a chunk), that chunk runs on to the end instead.
    """
    if chunk_seconds <= 0 or overlap_seconds < 0 or overlap_seconds >= chunk_seconds:
        raise ValueError(f"need 0 <= overlap ({overlap_seconds}) < chunk ({chunk_seconds})")
    min_tail = max(overlap_seconds, 0.1 * chunk_seconds)
    plan: list[tuple[float, float]] = []
    offset = 0.0
    while duration - (offset + chunk_seconds) > min_tail:
        plan.append((offset, float(chunk_seconds)))
        offset += chunk_seconds - overlap_seconds
    plan.append((offset, duration - offset))
    return plan


def run(event: PrepareAudioEvent, ports: PrepareAudioPorts) -> PrepareAudioOutput:
    settings = ports.settings
    response = ports.store.get_response(event.response_id)
    if response.media_type != "audio" or not response.audio_key:
        raise PermanentError(
            f"response {event.response_id!r} has no recording (audio_key)", stage=STAGE, field="audio_key"
        )
    ports.store.update_progress(event.response_id, status="processing", stage=STAGE)
    source_ref = response.audio_key
    with tempfile.TemporaryDirectory(prefix="familyplus-prepare-") as tmp:
        workdir = Path(tmp)
        try:
            if is_url(source_ref):
                source = ports.media.fetch_url(source_ref, workdir / "download", max_bytes=settings.audio_max_bytes)
            else:
                source = ports.media.get(source_ref, workdir / "download", max_bytes=settings.audio_max_bytes)
            size = source.stat().st_size
            if size > settings.audio_max_bytes:
                raise PermanentError(f"the recording is {size} bytes; the limit is {settings.audio_max_bytes}")
            info = ports.audio.probe(source)
            if info.duration > settings.audio_max_seconds:
                raise PermanentError(
                    f"the recording is {info.duration:.0f} s long; the limit is {settings.audio_max_seconds:.0f} s"
                )
            speech_path = workdir / "speech.wav"
            speech = ports.audio.to_speech_wav(source, speech_path)
            if speech.duration > settings.audio_chunk_threshold_seconds:
                plan = plan_chunks(speech.duration, settings.audio_chunk_seconds, settings.audio_chunk_overlap_seconds)
                chunks = ports.audio.split(speech_path, plan, dst_dir=workdir / "chunks")
            else:
                chunks = [AudioChunk(path=speech_path, offset=0.0, duration=speech.duration)]
        except PermanentError as exc:
            exc.stage = exc.stage or STAGE
            raise
        refs: list[ChunkRef] = []
        for index, chunk in enumerate(chunks):
            key = chunk_audio_key(event.response_id, index)
            ports.media.put(key, chunk.path)
            refs.append(
                ChunkRef(
                    response_id=event.response_id,
                    index=index,
                    key=key,
                    offset_seconds=round(chunk.offset, 3),
                    duration_seconds=round(chunk.duration, 3),
                )
            )
    return PrepareAudioOutput(
        response_id=event.response_id,
        family_id=event.family_id,
        duration_seconds=round(speech.duration, 3),
        chunked=len(refs) > 1,
        chunks=refs,
        max_concurrency=ports.settings.transcribe_max_concurrency,
    )
