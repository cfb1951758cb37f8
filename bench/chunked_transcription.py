"""Chunked-parallel vs single-call transcription of a long recording, side by side, with a simulated provider.

    .venv/bin/python bench/chunked_transcription.py [MINUTES] [CONCURRENCY] [REALTIME_FACTOR]

The recording (default 60 minutes) is the bundled sample looped. Both paths run the real stages —
prepare_audio (FFmpeg convert, and for the chunked path split into 10-minute chunks with 5 s overlap, stored
in a local media store), transcribe_chunk, merge_transcript — against a *simulated* provider: a Transcriber
that sleeps `0.5 s + audio seconds / REALTIME_FACTOR` (default 60, i.e. a minute of audio takes a second)
and returns the words the recording really contains at that point (Whisper's timings of the sample, looped).
The chunked path sends its chunks through a thread pool of CONCURRENCY workers (default 4, the provider's
concurrency quota — the Map state's MaxConcurrency), then again with a worker for every chunk (what a larger
quota allows). It prints the wall time of each path, their ratio, and each chunked total against its longest
provider call — the floor parallel transcription can reach, so the ratio shows what the preparation, the
merge and waiting for a free worker add — and checks that the merged transcript has every word exactly once.
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
    transcribe_max_concurrency: int = 4  # what prepare_audio hands the Map; the thread pool below plays the Map


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
    calls: list[tuple[float, float]] = field(default_factory=list)  # (audio seconds, wall seconds) per call

    def transcribe(self, audio_path: Path, *, language: str | None) -> Transcript:
        with wave.open(str(audio_path), "rb") as clip:
            duration = clip.getnframes() / clip.getframerate()
        offset = getattr(_current, "offset", 0.0)
        started = time.perf_counter()
        time.sleep(self.overhead_s + duration / self.realtime_factor)
        self.calls.append((duration, time.perf_counter() - started))
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


@dataclass
class PathRun:
    wall: float
    chunks: int
    words: int
    longest_call: float  # the slowest single provider call of the run


def run_path(ports: Ports, response_id: str, concurrency: int) -> PathRun:
    ports.transcriber.calls.clear()
    started = time.perf_counter()
    prepared = prepare_audio.run(PrepareAudioEvent(response_id=response_id, family_id="f1"), ports)

    def transcribe(ref: Any) -> Any:
        _current.offset = ref.offset_seconds
        return transcribe_chunk.run(ref, ports)

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        outputs = list(pool.map(transcribe, prepared.chunks))
    merged = merge_transcript.run(MergeTranscriptEvent(response_id=response_id, family_id="f1", chunks=outputs), ports)
    wall = time.perf_counter() - started
    longest = max(seconds for _, seconds in ports.transcriber.calls)
    return PathRun(wall, len(prepared.chunks), merged.word_count, longest)


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
        for rid in ("single", "chunked", "chunked-all"):
            store.save_response(
                ResponseRecord(id=rid, family_id="f1", media_type="audio", audio_key="uploads/long.wav")
            )
        single = run_path(
            Ports(store, media, audio, provider, Settings(audio_chunk_threshold_seconds=1e9)), "single", concurrency
        )
        chunked_ports = Ports(store, media, audio, provider, Settings(audio_chunk_threshold_seconds=600.0))
        chunked = run_path(chunked_ports, "chunked", concurrency)
        runs = [("single call", single), (f"chunked, {concurrency} at a time", chunked)]
        if chunked.chunks > concurrency:  # the quota makes the chunks queue: run once more with room for all
            runs.append(
                (f"chunked, {chunked.chunks} at a time", run_path(chunked_ports, "chunked-all", chunked.chunks))
            )
    print(
        f"recording: {length / 60:.1f} min, {len(timeline)} words; simulated provider: 0.5 s + audio/"
        f"{realtime_factor:g} per call"
    )
    for name, run in runs:
        check = "every word once" if run.words == len(timeline) else f"{run.words} words (expected {len(timeline)})"
        print(
            f"  {name:<22} {run.chunks:>2} chunk(s)  wall {run.wall:7.2f} s  longest call {run.longest_call:6.2f} s"
            f"  ({check})"
        )
    for name, run in runs[1:]:
        print(
            f"  {name}: {run.wall / single.wall:.2f} of the single call's wall time "
            f"(speed-up {single.wall / run.wall:.1f}x); {run.wall / run.longest_call:.2f}x its longest chunk"
        )


if __name__ == "__main__":
    args = sys.argv[1:4]
    main(*(float(a) if i != 1 else int(a) for i, a in enumerate(args)))  # type: ignore[arg-type]
