"""synthesize_segment: one segment of a podcast script → speech audio (WAV) in the media store."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Protocol

from familyplus.audio_clips import cut_wav
from familyplus.errors import PermanentError
from familyplus.models.keys import is_url, podcast_segment_key
from familyplus.models.podcast import Clip, PodcastScript, SegmentRef, SynthesizeSegmentOutput
from familyplus.ports import Audio, MediaStore, Speech

STAGE = "synthesize_segment"
_MAX_SCRIPT_BYTES = 5 * 1024 * 1024
_MAX_RECORDING_BYTES = 500 * 1024 * 1024


class SynthesizeSegmentPorts(Protocol):
    @property
    def media(self) -> MediaStore: ...
    @property
    def speech(self) -> Speech: ...
    @property
    def audio(self) -> Audio: ...


def run(event: SegmentRef, ports: SynthesizeSegmentPorts) -> SynthesizeSegmentOutput:
    script = PodcastScript.model_validate_json(ports.media.get_bytes(event.script_key, max_bytes=_MAX_SCRIPT_BYTES))
    segment = next((s for s in script.segments if s.index == event.index), None)
    if segment is None or script.story_id != event.story_id:
        raise PermanentError(
            f"script {event.script_key!r} has no segment {event.index} for {event.story_id!r}", stage=STAGE
        )
    with tempfile.TemporaryDirectory(prefix="familyplus-speech-") as tmp:
        if segment.clip is not None:  # the family member's own voice, cut from the recording
            wav = _cut(segment.clip, Path(tmp), ports)
        else:
            wav = ports.speech.synthesize(segment.text, voice=segment.voice, dst=Path(tmp) / "segment.wav")
        seconds = ports.audio.probe(wav).duration
        key = podcast_segment_key(event.story_id, event.index)
        ports.media.put(key, wav)
    return SynthesizeSegmentOutput(story_id=event.story_id, index=event.index, audio_key=key, seconds=round(seconds, 3))


def _cut(clip: Clip, workdir: Path, ports: SynthesizeSegmentPorts) -> Path:
    if is_url(clip.source):
        source = ports.media.fetch_url(clip.source, workdir / "download", max_bytes=_MAX_RECORDING_BYTES)
    else:
        source = ports.media.get(clip.source, workdir / "download", max_bytes=_MAX_RECORDING_BYTES)
    speech = workdir / "speech.wav"
    ports.audio.to_speech_wav(source, speech)  # the same sanitised decode as transcription: same timeline
    dst = workdir / "segment.wav"
    cut_wav(speech, dst, clip.start, clip.end)
    return dst
