"""The offline transcriber: accurate on the bundled sample, and loads with the network unavailable."""

from __future__ import annotations

from pathlib import Path

import pytest

from familyplus.adapters.local.whisper_transcriber import WhisperTranscriber, assemble_model
from familyplus.adapters.shared.ffmpeg_audio import FfmpegAudio
from familyplus.errors import PermanentError
from tests.audio_support import SAMPLE_RECORDING, SAMPLE_TEXT, word_error_rate
from tests.support import forbid_network

MAX_WER = 0.15


@pytest.mark.slow
def test_word_error_rate_on_the_sample_recording(
    whisper: WhisperTranscriber, audio: FfmpegAudio, tmp_path: Path
) -> None:
    wav = tmp_path / "sample.wav"
    audio.to_speech_wav(SAMPLE_RECORDING, wav)
    transcript = whisper.transcribe(wav, language="en")
    reference = SAMPLE_TEXT.read_text(encoding="utf-8")
    wer = word_error_rate(reference, transcript.text)
    print(
        f"\nWhisper base (int8, CPU) on {SAMPLE_RECORDING.name}: WER {wer:.1%} "
        f"({len(reference.split())} reference words)\n  heard: {transcript.text}"
    )
    assert wer <= MAX_WER
    assert transcript.language == "en"
    assert transcript.duration == pytest.approx(19.5, abs=0.5)
    starts = [w.start for w in transcript.words]
    assert starts == sorted(starts) and transcript.words[-1].end <= transcript.duration + 0.5
    assert len(transcript.words) == len(transcript.text.split())


@pytest.mark.slow
def test_loads_and_transcribes_with_the_network_unavailable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, audio: FfmpegAudio
) -> None:
    attempts = forbid_network(monkeypatch)
    wav = tmp_path / "clip.wav"
    audio.to_speech_wav(SAMPLE_RECORDING, wav)
    # A fresh cache folder: assembling the model from the PyPI packages is part of what must work offline.
    transcriber = WhisperTranscriber(tmp_path / "cache", beam_size=1)
    transcript = transcriber.transcribe(wav, language="en")
    assert "bakery" in transcript.text.lower()
    assert attempts == []  # nothing even tried to connect


def test_model_is_assembled_once_atomically_and_repaired_if_damaged(tmp_path: Path) -> None:
    folder = assemble_model(tmp_path)
    model = folder / "model.bin"
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["config.json", "model.bin", "tokenizer.json", "vocabulary.txt"]  # no temporary leftovers
    size, mtime = model.stat().st_size, model.stat().st_mtime_ns
    assert size > 100_000_000
    assert assemble_model(tmp_path) == folder and model.stat().st_mtime_ns == mtime  # not rebuilt
    with model.open("r+b") as damaged:  # a half-written file from an interrupted copy
        damaged.truncate(size // 3)
    assemble_model(tmp_path)
    assert model.stat().st_size == size


def test_missing_audio_is_a_permanent_error(tmp_path: Path) -> None:
    with pytest.raises(PermanentError, match="does not exist"):
        WhisperTranscriber(tmp_path).transcribe(tmp_path / "nope.wav", language="en")
