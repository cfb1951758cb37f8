"""assemble_podcast: the synthesised segments → one MP3 episode (crossfaded, −16 LUFS, 44.1 kHz, 128 kbit/s).

Loudness is normalised in two passes on the joined PCM, then checked on the encoded MP3: lossy encoding
shifts integrated loudness a little (the encoder's low-pass removes energy that K-weighting counts), so one
gain correction is applied at encoding when the MP3 lands more than `_TRIM_LU` off target.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Protocol

from familyplus.errors import PermanentError
from familyplus.models.keys import podcast_key
from familyplus.models.podcast import AssemblePodcastEvent, AssemblePodcastOutput
from familyplus.ports import Audio, MediaStore, Store

STAGE = "assemble_podcast"
TARGET_LUFS = -16.0
BITRATE_KBPS = 128
SAMPLE_RATE = 44100
_TRIM_LU = 0.3


class AssemblePodcastSettings(Protocol):
    @property
    def podcast_crossfade_seconds(self) -> float: ...


class AssemblePodcastPorts(Protocol):
    @property
    def store(self) -> Store: ...
    @property
    def media(self) -> MediaStore: ...
    @property
    def audio(self) -> Audio: ...
    @property
    def settings(self) -> AssemblePodcastSettings: ...


def run(event: AssemblePodcastEvent, ports: AssemblePodcastPorts) -> AssemblePodcastOutput:
    story = ports.store.get_story(event.story_id)
    segments = sorted(event.segments, key=lambda s: s.index)
    if [s.index for s in segments] != list(range(len(segments))):
        raise PermanentError(f"podcast segments are incomplete: got {[s.index for s in segments]}", stage=STAGE)
    if any(s.story_id != event.story_id for s in segments):
        raise PermanentError("podcast segments belong to another story", stage=STAGE)
    audio = ports.audio
    with tempfile.TemporaryDirectory(prefix="familyplus-podcast-") as tmp:
        work = Path(tmp)
        paths = [ports.media.get(s.audio_key, work / f"in-{s.index:02d}") for s in segments]
        joined = work / "joined.wav"
        audio.concat(paths, joined, crossfade_seconds=ports.settings.podcast_crossfade_seconds)
        normalised = work / "normalised.wav"
        audio.loudnorm(joined, normalised, target_lufs=TARGET_LUFS)
        mp3 = work / "podcast.mp3"
        audio.encode_mp3(normalised, mp3, title=story.title, bitrate_kbps=BITRATE_KBPS, sample_rate=SAMPLE_RATE)
        loudness = audio.measure_loudness(mp3)
        error = TARGET_LUFS - loudness.integrated_lufs
        if abs(error) > _TRIM_LU:
            audio.encode_mp3(
                normalised, mp3, title=story.title, bitrate_kbps=BITRATE_KBPS, sample_rate=SAMPLE_RATE, gain_db=error
            )
            loudness = audio.measure_loudness(mp3)
        info = audio.probe(mp3)
        key = podcast_key(event.story_id)
        ports.media.put(key, mp3)
    return AssemblePodcastOutput(
        story_id=event.story_id,
        podcast_key=key,
        seconds=round(info.duration, 3),
        segment_seconds=round(sum(s.seconds for s in segments), 3),
        loudness_lufs=round(loudness.integrated_lufs, 2),
    )
