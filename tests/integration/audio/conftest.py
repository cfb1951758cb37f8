"""Fixtures for the audio integration tests: real FFmpeg, real eSpeak NG, real Whisper base (loaded once)."""

from __future__ import annotations

from pathlib import Path

import pytest

from familyplus.adapters.local.espeak_speech import EspeakSpeech
from familyplus.adapters.local.whisper_transcriber import WhisperTranscriber
from familyplus.adapters.shared.ffmpeg_audio import FfmpegAudio


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
