"""Fixtures for the audio integration tests: real FFmpeg, real eSpeak NG, real Whisper base (loaded once)."""

from __future__ import annotations

import wave
from collections.abc import Sequence
from pathlib import Path

import pytest
from familyplus.adapters.ffmpeg_audio import FfmpegAudio
from familyplus.adapters.local.espeak_speech import EspeakSpeech
from familyplus.adapters.local.whisper_transcriber import WhisperTranscriber


@pytest.fixture(scope="session")
def audio() -> FfmpegAudio:
    return FfmpegAudio()


@pytest.fixture(scope="session")
def espeak() -> EspeakSpeech:
    return EspeakSpeech()


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def whisper(model_cache: Path) -> WhisperTranscriber:
    return WhisperTranscriber(model_cache)


def speak_sentences(speech: EspeakSpeech, sentences: Sequence[str], dst: Path, *, pause_s: float = 0.5,
                    voice: str = "narrator") -> list[tuple[float, float]]:
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
