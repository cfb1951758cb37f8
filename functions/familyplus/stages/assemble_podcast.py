"""assemble_podcast: the synthesised segments → one MP3 episode (crossfaded, −16 LUFS, 44.1 kHz mono, 128 kbit/s).

Three FFmpeg passes over the audio, each one reading it once: join and measure; one constant gain, a
look-ahead limiter for the peaks that gain pushes over the ceiling, and MP3 encoding; then a loudness check
of the MP3 itself. When the limiter has work to do it lowers the loudness it is given, so the gain that
lands on target through it is found first by measuring (nothing written, the cheapest pass). Lossy encoding
lowers the level a little as well; that is trimmed after the limiter, and corrected by one more encoding
only when the MP3 lands more than `_TRIM_LU` off target.

Why not FFmpeg's `loudnorm` filter: it works at 192 kHz internally (on 13 min of speech, 43 s a pass against
2 s for gain + limiter), and when the true-peak ceiling rules out its linear mode — the usual case for TTS speech,
whose peaks sit high — it falls back to a time-varying gain that pumps. A constant gain keeps the speech's
own dynamics.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Protocol

from familyplus.errors import PermanentError
from familyplus.models.audio import AudioInfo, Loudness
from familyplus.models.keys import podcast_key
from familyplus.models.podcast import AssemblePodcastEvent, AssemblePodcastOutput
from familyplus.ports import Audio, MediaStore, Store

STAGE = "assemble_podcast"
TARGET_LUFS = -16.0
BITRATE_KBPS = 128
SAMPLE_RATE = 44100
_TRIM_LU = 0.3
#: True-peak ceiling (dBTP); sample peaks are limited 0.5 dB lower, as inter-sample peaks add about that much.
TRUE_PEAK_DBTP = -1.5
_LIMIT_DB = TRUE_PEAK_DBTP - 0.5
#: How close the limited PCM must come to the target before encoding (LU).
_SETTLE_LU = 0.2
#: LAME at 128 kbit/s decodes about 0.4 dB quieter than its input (its quantiser rounds toward zero; measured
#: on speech, pink noise and a sine alike). A first guess only: the MP3 is measured, and re-encoded if need be.
_MP3_LOSS_DB = 0.4
#: A limiter at work passes about half of any extra gain as loudness: the first step of the search.
_LIMITED_SLOPE = 0.5


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
        level = audio.concat(paths, joined, crossfade_seconds=ports.settings.podcast_crossfade_seconds).loudness
        if not math.isfinite(level.integrated_lufs) or level.integrated_lufs <= -70:  # -70: the gate floor
            raise PermanentError("the podcast's audio is silent: nothing to normalise", stage=STAGE)
        gain, limit = TARGET_LUFS - level.integrated_lufs, None
        if level.true_peak_dbtp + gain > _LIMIT_DB:
            limit = _LIMIT_DB
            gain = _limited_gain(audio, joined, gain)
        mp3 = work / "podcast.mp3"

        def encode(trim_db: float) -> tuple[AudioInfo, Loudness]:
            info = audio.encode_mp3(
                joined,
                mp3,
                title=story.title,
                bitrate_kbps=BITRATE_KBPS,
                sample_rate=SAMPLE_RATE,
                gain_db=gain,
                limit_db=limit,
                trim_db=trim_db,
            )
            return info, audio.measure_loudness(mp3, true_peak=False)

        info, loudness = encode(_MP3_LOSS_DB)
        error = TARGET_LUFS - loudness.integrated_lufs
        if abs(error) > _TRIM_LU:
            info, loudness = encode(_MP3_LOSS_DB + error)
        key = podcast_key(event.story_id)
        ports.media.put(key, mp3)
    return AssemblePodcastOutput(
        story_id=event.story_id,
        podcast_key=key,
        seconds=round(info.duration, 3),
        segment_seconds=round(sum(s.seconds for s in segments), 3),
        loudness_lufs=round(loudness.integrated_lufs, 2),
    )


def _limited_gain(audio: Audio, joined: Path, gain: float) -> float:
    """The gain that brings `joined` to the target through the limiter: two measurements, then a secant step
    (what is left over is within the MP3 check's reach)."""
    first = audio.limited_loudness(joined, gain_db=gain, limit_db=_LIMIT_DB)
    if abs(TARGET_LUFS - first) <= _SETTLE_LU:
        return gain
    second_gain = gain + (TARGET_LUFS - first) / _LIMITED_SLOPE
    second = audio.limited_loudness(joined, gain_db=second_gain, limit_db=_LIMIT_DB)
    if abs(TARGET_LUFS - second) <= _SETTLE_LU or abs(second - first) < 0.01:
        return second_gain
    return second_gain + (TARGET_LUFS - second) * (second_gain - gain) / (second - first)
