"""Helpers for the audio tests: settings and ports bundles for the audio stages, word error rate, speech."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import wave
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "audio"
SAMPLE_RECORDING = SAMPLES / "first_job.ogg"
SAMPLE_TEXT = SAMPLES / "first_job.txt"


@dataclass
class AudioSettings:
    """The settings fields the audio stages read (their `...Settings` Protocols), with test-sized defaults."""

    audio_chunk_threshold_seconds: float = 600.0
    audio_chunk_seconds: float = 600.0
    audio_chunk_overlap_seconds: float = 5.0
    audio_max_bytes: int = 50 * 1024 * 1024
    audio_max_seconds: float = 3600.0
    transcribe_language: str | None = "en"
    podcast_crossfade_seconds: float = 0.25
    transcribe_max_concurrency: int = 4


class NoFamilies:
    """A family directory with nobody in it: publishing then tells no one."""

    def list_families(self) -> list[Any]:
        return []


@dataclass
class AudioPorts:
    """What `bootstrap.Adapters` will provide to the audio stages; tests fill in only what a stage needs."""

    store: Any = None
    media: Any = None
    audio: Any = None
    transcriber: Any = None
    speech: Any = None
    podcast_writer: Any = None
    families: Any = field(default_factory=NoFamilies)
    notifier: Any = None
    episode_notices: Any = None
    settings: AudioSettings = field(default_factory=AudioSettings)


_TOKEN = re.compile(r"[a-z0-9']+")


def normalise_words(text: str) -> list[str]:
    return _TOKEN.findall(text.lower().replace("’", "'"))


def word_error_rate(reference: str, hypothesis: str) -> float:
    """(substitutions + deletions + insertions) / reference words, by word-level edit distance.

    Twelve lines of dynamic programming instead of a dependency (jiwer) for one test metric."""
    ref, hyp = normalise_words(reference), normalise_words(hypothesis)
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        current = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h))
        previous = current
    return previous[-1] / max(1, len(ref))


def speak_sentences(
    speech: Any, sentences: Sequence[str], dst: Path, *, pause_s: float = 0.5, voice: str = "narrator"
) -> list[tuple[float, float]]:
    """One WAV of `sentences` read in turn with `pause_s` of silence between; returns each one's (start, end)."""
    frames = bytearray()
    spans: list[tuple[float, float]] = []
    rate = speech.sample_rate
    for index, sentence in enumerate(sentences):
        part = speech.synthesize(sentence, voice=voice, dst=dst.with_name(f"{dst.stem}-{index}.wav"))
        with wave.open(str(part), "rb") as clip:
            data = clip.readframes(clip.getnframes())
        part.unlink()
        start = len(frames) / 2 / rate
        frames += data
        spans.append((start, len(frames) / 2 / rate))
        frames += b"\0\0" * int(pause_s * rate)
    with wave.open(str(dst), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(frames))
    return spans


def speak_sentences_afresh(
    sentences: Sequence[str], dst: Path, *, pause_s: float = 0.5, voice: str = "narrator"
) -> list[tuple[float, float]]:
    """`speak_sentences` in a new Python process, so the recording is the same on every run.

    libespeak-ng keeps synthesis state from one utterance to the next for the life of the process (the same
    text and voice come out as different samples on each call), so in-process the recording would depend on
    what the tests before this one said, and so would everything measured on it."""
    script = (
        "import json, sys; from pathlib import Path;"
        "from familyplus.adapters.local.espeak_speech import EspeakSpeech;"
        "from tests.audio_support import speak_sentences;"
        "a = json.load(sys.stdin);"
        "print(json.dumps(speak_sentences(EspeakSpeech(), a['sentences'], Path(a['dst']),"
        " pause_s=a['pause_s'], voice=a['voice'])))"
    )
    request = {"sentences": list(sentences), "dst": str(dst), "pause_s": pause_s, "voice": voice}
    done = subprocess.run(
        [sys.executable, "-c", script],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    return [(float(start), float(end)) for start, end in json.loads(done.stdout)]
