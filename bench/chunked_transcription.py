"""Chunked-parallel vs single-call transcription of a long recording, side by side, with a simulated provider.

    .venv/bin/python bench/chunked_transcription.py [MINUTES] [CONCURRENCY] [REALTIME_FACTOR]

The recording (default 60 minutes) is the bundled sample looped. Both paths run the real stages —
prepare_audio (FFmpeg convert, and for the chunked path split into 10-minute chunks with 5 s overlap, stored
in a local media store), transcribe_chunk, merge_transcript — against a *simulated* provider: a Transcriber
that sleeps `0.5 s + audio seconds / REALTIME_FACTOR` (default 60, i.e. a minute of audio takes a second)
and returns the words the recording really contains at that point (Whisper's timings of the sample, looped).
The chunked path sends its chunks through a thread pool of CONCURRENCY workers (default 4, the provider's
concurrency quota — the Map state's MaxConcurrency). It prints the wall time of each path and their ratio,
and checks that the merged transcript has every word exactly once.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import threading
import time
import wave
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from familyplus.adapters.local.local_media_store import LocalMediaStore
from familyplus.adapters.local.sqlite_store import SqliteStore
from familyplus.adapters.local.whisper_transcriber import WhisperTranscriber
from familyplus.adapters.shared.ffmpeg_audio import FfmpegAudio
from familyplus.models.audio import MergeTranscriptEvent, PrepareAudioEvent, Transcript, Word
from familyplus.models.response import ResponseRecord
from familyplus.stages import merge_transcript, prepare_audio, transcribe_chunk

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "audio" / "first_job.ogg"
_current = threading.local()  # which chunk a worker is transcribing: the simulated provider's only hint


@dataclass
class Settings:
    audio_chunk_threshold_seconds: float
    audio_chunk_seconds: float = 600.0
    audio_chunk_overlap_seconds: float = 5.0
    audio_max_bytes: int = 2 * 1024**3
    audio_max_seconds: float = 4 * 3600.0
    transcribe_language: str | None = "en"


@dataclass
class Ports:
    store: SqliteStore
    media: LocalMediaStore
    audio: FfmpegAudio
    transcriber: Any
    settings: Settings


@dataclass
class SimulatedProvider:
    """Latency proportional to the audio's length; the words the recording holds in that window."""

    timeline: list[Word]
    realtime_factor: float
    overhead_s: float = 0.5
    calls: list[float] = field(default_factory=list)

    def transcribe(self, audio_path: Path, *, language: str | None) -> Transcript:
        with wave.open(str(audio_path), "rb") as clip:
            duration = clip.getnframes() / clip.getframerate()
        offset = getattr(_current, "offset", 0.0)
        time.sleep(self.overhead_s + duration / self.realtime_factor)
        self.calls.append(duration)
        words = [
            Word(word=w.word, start=round(w.start - offset, 3), end=round(w.end - offset, 3))
            for w in self.timeline
            if w.start >= offset and w.end <= offset + duration
        ]
        return Transcript(text=" ".join(w.word for w in words), words=words, language="en", duration=duration)


def make_recording(audio: FfmpegAudio, minutes: float, dst: Path) -> tuple[Path, float]:
    sample = audio.to_speech_wav(SAMPLE, dst.with_name("sample.wav"))
    loops = int(minutes * 60 / sample.duration) + 1
    subprocess.run(
        [
            audio.ffmpeg,
            "-v",
            "error",
            "-y",
            "-stream_loop",
            str(loops - 1),
            "-i",
            str(dst.with_name("sample.wav")),
            "-c",
            "copy",
            str(dst),
        ],
        check=True,
    )
    return dst, sample.duration


def run_path(ports: Ports, response_id: str, concurrency: int) -> tuple[float, int, int]:
    started = time.perf_counter()
    prepared = prepare_audio.run(PrepareAudioEvent(response_id=response_id, family_id="f1"), ports)

    def transcribe(ref: Any) -> Any:
        _current.offset = ref.offset_seconds
        return transcribe_chunk.run(ref, ports)

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        outputs = list(pool.map(transcribe, prepared.chunks))
    merged = merge_transcript.run(MergeTranscriptEvent(response_id=response_id, family_id="f1", chunks=outputs), ports)
    return time.perf_counter() - started, len(prepared.chunks), merged.word_count


def main(minutes: float = 60.0, concurrency: int = 4, realtime_factor: float = 60.0) -> None:
    audio = FfmpegAudio()
    with tempfile.TemporaryDirectory(prefix="bench-chunked-") as tmp:
        root = Path(tmp)
        recording, loop_seconds = make_recording(audio, minutes, root / "long.wav")
        # The sample's real words and timings (offline Whisper, once), looped like the audio.
        sample_words = (
            WhisperTranscriber(ROOT / ".familyplus" / "models").transcribe(root / "sample.wav", language="en").words
        )
        length = audio.probe(recording).duration
        timeline = [
            Word(word=w.word, start=round(w.start + shift, 3), end=round(w.end + shift, 3))
            for shift in (k * loop_seconds for k in range(int(length / loop_seconds) + 1))
            for w in sample_words
            if w.end + shift <= length
        ]
        provider = SimulatedProvider(timeline, realtime_factor)
        store, media = SqliteStore(root / "db.sqlite"), LocalMediaStore(root / "media")
        media.put("uploads/long.wav", recording)
        for rid in ("single", "chunked"):
            store.save_response(
                ResponseRecord(id=rid, family_id="f1", media_type="audio", audio_key="uploads/long.wav")
            )
        single = run_path(
            Ports(store, media, audio, provider, Settings(audio_chunk_threshold_seconds=1e9)), "single", concurrency
        )
        chunked = run_path(
            Ports(store, media, audio, provider, Settings(audio_chunk_threshold_seconds=600.0)), "chunked", concurrency
        )
    print(
        f"recording: {length / 60:.1f} min, {len(timeline)} words; simulated provider: 0.5 s + audio/"
        f"{realtime_factor:g} per call, concurrency {concurrency}"
    )
    for name, (wall, chunks, words) in (("single call", single), ("chunked", chunked)):
        check = "every word once" if words == len(timeline) else f"{words} words (expected {len(timeline)})"
        print(f"  {name:<12} {chunks:>2} chunk(s)  wall {wall:7.2f} s  ({check})")
    print(f"  chunked / single wall-time ratio: {chunked[0] / single[0]:.2f} (speed-up {single[0] / chunked[0]:.1f}x)")


if __name__ == "__main__":
    args = sys.argv[1:4]
    main(*(float(a) if i != 1 else int(a) for i, a in enumerate(args)))  # type: ignore[arg-type]
