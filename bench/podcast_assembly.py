"""Podcast assembly speed: seconds of audio assembled per wall second (the assemble_podcast stage).

    .venv/bin/python bench/podcast_assembly.py [MINUTES] [SEGMENTS] [RUNS]

Synthesises SEGMENTS speech segments with the offline voice (about MINUTES of audio in all, default 3 and
10), stores them in a local media store, then runs the real assemble_podcast stage RUNS times (default 5) —
join and measure, the limiter's gain search, gain + limiter + MP3 encoding, the MP3's loudness check — and
prints audio seconds per wall second (median run), the FFmpeg processes' CPU time (user + system: what the
assembly costs whatever else the machine is doing) and the time of each step. Figures, not assertions.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from familyplus.adapters.local.espeak_speech import EspeakSpeech
from familyplus.adapters.local.local_media_store import LocalMediaStore
from familyplus.adapters.local.sqlite_store import SqliteStore
from familyplus.adapters.shared.ffmpeg_audio import FfmpegAudio
from familyplus.models.keys import podcast_segment_key
from familyplus.models.podcast import AssemblePodcastEvent, SynthesizeSegmentOutput
from familyplus.models.response import ResponseRecord, StoryRecord
from familyplus.stages import assemble_podcast

SENTENCES = [
    "My grandmother kept a tin of buttons on the kitchen shelf, and every button had a story.",
    "The brass one came from my grandfather's army coat, the year he came home from the war.",
    "She sewed it onto my winter jacket when I left for college, so that he would travel with me.",
    "On Sundays the whole family crowded around her table, and nobody ever left hungry.",
    "She used to say that a house is only as warm as the people you let into it.",
    "When the factory closed, she opened her door to the neighbors and shared what little we had.",
]


@dataclass
class Settings:
    podcast_crossfade_seconds: float = 0.25


class TimedAudio:
    """Wraps the Audio port and adds up the wall time of each method."""

    def __init__(self, inner: FfmpegAudio) -> None:
        self.inner = inner
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.inner, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            self.calls[name] += 1
            try:
                return method(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - started

        return timed


@dataclass
class Ports:
    store: SqliteStore
    media: LocalMediaStore
    audio: Any
    settings: Settings


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main(minutes: float = 3.0, segments: int = 10, runs: int = 5) -> None:
    audio, speech = FfmpegAudio(), EspeakSpeech()
    with tempfile.TemporaryDirectory(prefix="bench-podcast-") as tmp:
        root = Path(tmp)
        store, media = SqliteStore(root / "db.sqlite"), LocalMediaStore(root / "media")
        store.save_response(ResponseRecord(id="r1", family_id="f1", media_type="text", text="bench"))
        store.upsert_story(
            StoryRecord(
                id="story-r1",
                response_id="r1",
                family_id="f1",
                title="Buttons",
                summary="A tin of buttons.",
                narrative=" ".join(SENTENCES),
            )
        )
        per_segment = minutes * 60 / segments
        outputs: list[SynthesizeSegmentOutput] = []
        for index in range(segments):
            lines: list[str] = []
            wav = root / f"seg{index}.wav"
            while True:  # grow the segment sentence by sentence until it is long enough
                lines.append(SENTENCES[(index + len(lines)) % len(SENTENCES)])
                speech.synthesize(" ".join(lines), voice="host" if index % 2 else "narrator", dst=wav)
                seconds = audio.probe(wav).duration
                if seconds >= per_segment:
                    break
            key = podcast_segment_key("story-r1", index)
            media.put(key, wav)
            outputs.append(SynthesizeSegmentOutput(story_id="story-r1", index=index, audio_key=key, seconds=seconds))
        total = sum(o.seconds for o in outputs)
        results = []
        for _ in range(runs):
            timed = TimedAudio(audio)
            cpu, started = children_cpu(), time.perf_counter()
            result = assemble_podcast.run(
                AssemblePodcastEvent(story_id="story-r1", segments=outputs), Ports(store, media, timed, Settings())
            )
            results.append((time.perf_counter() - started, children_cpu() - cpu, timed, result))
    results.sort(key=lambda r: r[0])
    wall, cpu, timed, result = results[len(results) // 2]
    walls = ", ".join(f"{r[0]:.2f}" for r in results)
    print(
        f"podcast assembly: {segments} segments, {total:.1f} s of speech -> {result.seconds:.1f} s MP3 "
        f"at {result.loudness_lufs:.2f} LUFS"
    )
    print(f"  wall {wall:.2f} s (median of {runs}: {walls}) = {result.seconds / wall:.1f} s of audio per wall second")
    print(f"  FFmpeg CPU {cpu:.2f} s (user + system) = {result.seconds / cpu:.1f} s of audio per CPU second")
    print(f"  loudness of the runs: {', '.join(f'{r[3].loudness_lufs:.2f}' for r in results)} LUFS")
    for step, seconds in sorted(timed.seconds.items(), key=lambda kv: -kv[1]):
        print(f"  {step:<16} {seconds:6.2f} s  ({timed.calls[step]} call(s))")


if __name__ == "__main__":
    main(*(float(a) if i == 0 else int(a) for i, a in enumerate(sys.argv[1:4])))  # type: ignore[arg-type]
