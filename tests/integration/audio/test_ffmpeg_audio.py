"""FfmpegAudio and EspeakSpeech on real binaries: probe, split, concat, encode; two distinct offline voices."""

from __future__ import annotations

import subprocess
import wave
from pathlib import Path

import pytest

from familyplus.adapters.local.espeak_speech import EspeakSpeech
from familyplus.adapters.shared.ffmpeg_audio import FfmpegAudio
from familyplus.errors import ConfigurationError, PermanentError
from familyplus.stages.prepare_audio import plan_chunks
from tests.audio_support import SAMPLE_RECORDING


def test_probe_reads_the_sample(audio: FfmpegAudio) -> None:
    info = audio.probe(SAMPLE_RECORDING)
    assert (info.codec, info.sample_rate, info.channels, info.container) == ("opus", 48000, 1, "ogg")
    assert info.duration == pytest.approx(19.5, abs=0.1)


def test_split_cuts_exactly_the_planned_pieces(audio: FfmpegAudio, tmp_path: Path) -> None:
    speech = audio.to_speech_wav(SAMPLE_RECORDING, tmp_path / "speech.wav")
    plan = plan_chunks(speech.duration, 6.0, 1.5)
    chunks = audio.split(tmp_path / "speech.wav", plan, dst_dir=tmp_path / "c")
    assert [c.offset for c in chunks] == [o for o, _ in plan]
    assert [c.duration for c in chunks] == pytest.approx([d for _, d in plan], abs=0.01)
    # The samples of each chunk are the original's samples at its offset (sample-accurate cutting).
    with wave.open(str(tmp_path / "speech.wav"), "rb") as whole:
        original = whole.readframes(whole.getnframes())
    for chunk in chunks:
        with wave.open(str(chunk.path), "rb") as piece:
            assert (piece.getframerate(), piece.getnchannels()) == (16000, 1)
            data = piece.readframes(piece.getnframes())
        start = round(chunk.offset * 16000) * 2
        assert data[:3200] == original[start : start + 3200]


def test_concat_crossfades_shorten_by_the_fade_only(audio: FfmpegAudio, espeak: EspeakSpeech, tmp_path: Path) -> None:
    parts = [
        espeak.synthesize(text, voice=voice, dst=tmp_path / f"{i}.wav")
        for i, (text, voice) in enumerate(
            [
                ("Welcome back.", "host"),
                ("Once upon a time, there was a bakery.", "narrator"),
                ("Thanks for listening.", "host"),
            ]
        )
    ]
    lengths = [audio.probe(p).duration for p in parts]
    joined = audio.concat(parts, tmp_path / "joined.wav", crossfade_seconds=0.2)
    assert joined.info.duration == pytest.approx(sum(lengths) - 2 * 0.2, abs=0.02)
    assert (joined.info.sample_rate, joined.info.channels) == (espeak.sample_rate, 1)  # the segments' own rate
    mp3 = audio.encode_mp3(parts[0], tmp_path / "p.mp3", title="t")  # 44.1 kHz: the highest rate wins
    mixed = audio.concat([parts[1], tmp_path / "p.mp3"], tmp_path / "mixed.wav", crossfade_seconds=0.2)
    assert (mixed.info.sample_rate, mp3.sample_rate) == (44100, 44100)


def test_segments_at_the_podcast_rate_are_joined_whole(
    audio: FfmpegAudio, espeak: EspeakSpeech, tmp_path: Path
) -> None:
    """Cloud TTS speaks at 44.1 kHz, the rate concat joins at: nothing resamples the segments on the way."""
    parts = []
    for i, text in enumerate(["Welcome back.", "Once upon a time, there was a bakery.", "Thanks for listening."]):
        speech = espeak.synthesize(text, voice="host", dst=tmp_path / f"raw{i}.wav")
        parts.append(tmp_path / f"{i}.wav")
        subprocess.run(
            [audio.ffmpeg, "-v", "error", "-y", "-i", str(speech), "-ar", "44100", str(parts[-1])], check=True
        )
    lengths = [audio.probe(p).duration for p in parts]
    for attempt in range(5):  # the failure this guards against came and went from one run to the next
        joined = audio.concat(parts, tmp_path / f"joined{attempt}.wav", crossfade_seconds=0.2)
        assert joined.info.duration == pytest.approx(sum(lengths) - 2 * 0.2, abs=0.02)
    plain = audio.concat(parts, tmp_path / "plain.wav", crossfade_seconds=0.0)
    assert plain.info.duration == pytest.approx(sum(lengths), abs=0.02)


def test_concat_measures_what_it_writes(audio: FfmpegAudio, espeak: EspeakSpeech, tmp_path: Path) -> None:
    parts = [
        espeak.synthesize("Once upon a time, there was a bakery on Main Street.", voice=v, dst=tmp_path / f"{v}.wav")
        for v in ("host", "narrator")
    ]
    joined = audio.concat(parts, tmp_path / "joined.wav", crossfade_seconds=0.2)
    again = audio.measure_loudness(tmp_path / "joined.wav", true_peak=False)
    assert joined.loudness.integrated_lufs == pytest.approx(again.integrated_lufs, abs=0.05)
    assert joined.loudness.true_peak_dbtp == pytest.approx(again.true_peak_dbtp, abs=0.05)
    assert -40 < again.integrated_lufs < -10


def test_mono_is_measured_as_heard_from_two_speakers(audio: FfmpegAudio, tmp_path: Path) -> None:
    """A mono file and its two-channel copy (each channel the mono signal) sound alike: one loudness."""
    tone = tmp_path / "tone.wav"
    stereo = tmp_path / "stereo.wav"
    tone_source = ["-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=44100:duration=5"]
    subprocess.run([audio.ffmpeg, "-v", "error", "-y", *tone_source, str(tone)], check=True)
    subprocess.run(
        [audio.ffmpeg, "-v", "error", "-y", "-i", str(tone), "-af", "pan=stereo|c0=c0|c1=c0", str(stereo)], check=True
    )
    mono, two = audio.measure_loudness(tone), audio.measure_loudness(stereo)
    assert mono.integrated_lufs == pytest.approx(two.integrated_lufs, abs=0.1)


def test_limited_loudness_is_that_of_the_encoded_audio(
    audio: FfmpegAudio, espeak: EspeakSpeech, tmp_path: Path
) -> None:
    speech = espeak.synthesize("A loud voice, very close to the microphone.", voice="host", dst=tmp_path / "s.wav")
    predicted = audio.limited_loudness(speech, gain_db=12.0, limit_db=-2.0)
    unlimited = audio.measure_loudness(speech, true_peak=False).integrated_lufs + 12.0
    assert predicted < unlimited - 0.5  # 12 dB pushes the peaks far over the ceiling: the limiter takes some
    # Encoding losslessly-enough (320 kbit/s) with the same gain and limiter lands where predicted.
    mp3 = audio.encode_mp3(speech, tmp_path / "s.mp3", title="t", bitrate_kbps=320, gain_db=12.0, limit_db=-2.0)
    assert mp3.channels == 1
    measured = audio.measure_loudness(tmp_path / "s.mp3")
    assert measured.integrated_lufs == pytest.approx(predicted, abs=0.3)
    assert measured.true_peak_dbtp <= -1.0


def test_mp3_encoding_settings(audio: FfmpegAudio, tmp_path: Path) -> None:
    info = audio.encode_mp3(SAMPLE_RECORDING, tmp_path / "x.mp3", title="A title; with = odd “chars”")
    assert (info.codec, info.sample_rate, info.container) == ("mp3", 44100, "mp3")
    assert info.duration == pytest.approx(19.5, abs=0.1)


def test_voices_are_distinct_and_validated(espeak: EspeakSpeech, tmp_path: Path) -> None:
    host = espeak.synthesize("Family stories matter.", voice="host", dst=tmp_path / "h.wav").read_bytes()
    narrator = espeak.synthesize("Family stories matter.", voice="narrator", dst=tmp_path / "n.wav").read_bytes()
    assert host[:4] == narrator[:4] == b"RIFF" and host != narrator
    assert espeak.sample_rate == 22050
    with pytest.raises(PermanentError, match="unknown voice 'guest'; known: host, narrator"):
        espeak.synthesize("Hi.", voice="guest", dst=tmp_path / "g.wav")
    with pytest.raises(PermanentError, match="text is empty"):
        espeak.synthesize(" \n ", voice="host", dst=tmp_path / "e.wav")


def test_ffmpeg_path_must_be_an_executable(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="FFMPEG_PATH"):
        FfmpegAudio(str(tmp_path / "missing-ffmpeg"))
