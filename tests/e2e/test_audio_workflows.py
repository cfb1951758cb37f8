"""Recordings end to end: process_response's audio branch (single call and the chunk Map) and the
generate_podcast workflow, through the real ASL files, handlers, FFmpeg, eSpeak NG and Whisper base."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from familyplus import bootstrap
from familyplus.adapters.shared.ffmpeg_audio import FfmpegAudio
from familyplus.settings import Settings
from familyplus_local.executor import VirtualClock
from familyplus_local.runtime.runner import LocalRunner
from tests.audio_support import SAMPLE_RECORDING, SAMPLE_TEXT, word_error_rate

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("whisper")


@pytest.fixture
def audio_runner(tmp_path: Path, model_cache: Path) -> Iterator[Callable[..., LocalRunner]]:
    def build(**settings: Any) -> LocalRunner:
        configured = Settings(
            data_dir=tmp_path / "data",
            whisper_cache_dir=model_cache,
            _env_file=None,
            **settings,
        )
        return LocalRunner(configured, adapters=bootstrap.build(configured), clock=VirtualClock())

    yield build
    bootstrap.install(None)


def upload(runner: LocalRunner, source: Path, response_id: str) -> dict[str, Any]:
    key = f"uploads/{response_id}/recording{source.suffix}"
    runner.adapters.media.put(key, source)
    return {
        "responseId": response_id,
        "familyId": "f1",
        "mediaType": "audio",
        "audioKey": key,
        "prompt": "Tell us about your first job",
    }


def paths(execution: Any) -> set[str]:
    return {e.path or e.state for e in execution.history if e.type == "TaskScheduled"}


def test_recording_becomes_transcript_story_and_podcast(audio_runner: Callable[..., LocalRunner]) -> None:
    runner = audio_runner()
    execution = runner.start("process_response", {**upload(runner, SAMPLE_RECORDING, "rec1"), "podcast": True})
    assert execution.status == "SUCCEEDED", (execution.error, execution.cause)
    assert "TranscribeChunk" in paths(execution)  # a short recording is one call, not the Map
    store = runner.adapters.store
    transcript = store.get_response("rec1").transcript or ""
    wer = word_error_rate(SAMPLE_TEXT.read_text(), transcript)
    print(f"\nWER of the sample recording through the workflow: {wer:.1%}")
    assert wer <= 0.15
    story = store.get_story("story-rec1")
    assert story.title == "My First Job" and store.list_quotes(story.id)
    # The podcast workflow was started and published its episode on the story
    podcasts = runner.executions.list(state_machine_name="generate_podcast")
    assert [p.status for p in podcasts] == ["SUCCEEDED"]
    assert story.podcast_key == "podcasts/story-rec1/podcast.mp3"
    mp3 = runner.adapters.media.local_path(story.podcast_key)
    assert mp3 is not None
    output = podcasts[0].output
    info = FfmpegAudio().probe(mp3)
    assert info.duration == pytest.approx(output["podcast"]["seconds"], rel=0.01)
    assert abs(FfmpegAudio().measure_loudness(mp3).integrated_lufs + 16.0) <= 1.0
    assert story.podcast_seconds == pytest.approx(info.duration, rel=0.05)


def test_long_recording_goes_through_the_chunk_map(audio_runner: Callable[..., LocalRunner]) -> None:
    # Given a chunk threshold far below the 19.5 s sample, so it is cut into overlapping chunks
    runner = audio_runner(audio_chunk_threshold_seconds=8, audio_chunk_seconds=8, audio_chunk_overlap_seconds=2)
    execution = runner.start("process_response", upload(runner, SAMPLE_RECORDING, "rec2"))
    assert execution.status == "SUCCEEDED", (execution.error, execution.cause)
    map_calls = sorted(p for p in paths(execution) if p.startswith("TranscribeChunks/"))
    assert len(map_calls) >= 3 and "TranscribeChunk" not in paths(execution)
    transcript = runner.adapters.store.get_response("rec2").transcript or ""
    wer = word_error_rate(SAMPLE_TEXT.read_text(), transcript)
    print(f"\nWER through {len(map_calls)} chunks: {wer:.1%}")
    assert wer <= 0.2  # duplicated words at the overlaps would add insertions and push this up


def test_not_audio_fails_permanently_and_marks_the_response(
    audio_runner: Callable[..., LocalRunner], tmp_path: Path
) -> None:
    runner = audio_runner()
    fake = tmp_path / "notes.mp3"
    fake.write_text("this is a text file pretending to be audio\n" * 20)
    execution = runner.start("process_response", upload(runner, fake, "rec3"))
    assert (execution.status, execution.error) == ("FAILED", "PermanentError")
    row = runner.adapters.store.get_response("rec3")
    assert (row.status, row.stage) == ("failed", "prepare_audio")
    assert runner.adapters.store.find_story_for_response("rec3") is None
    assert runner.adapters.store.get_response("rec3").transcript is None


def test_audio_key_outside_the_store_is_refused_at_intake(audio_runner: Callable[..., LocalRunner]) -> None:
    runner = audio_runner()
    for bad in ("../../etc/passwd", "file:///etc/passwd", "http://127.0.0.1/x.wav"):
        execution = runner.start(
            "process_response", {"responseId": "rec4", "familyId": "f1", "mediaType": "audio", "audioKey": bad}
        )
        assert (execution.status, execution.error) == ("FAILED", "PermanentError"), bad
        assert "audioKey" in (execution.cause or "")


def test_quotes_of_a_recording_are_played_in_the_speakers_own_voice(
    audio_runner: Callable[..., LocalRunner], tmp_path: Path
) -> None:
    """Given a recorded answer, the podcast's quote segments are clips of the recording at each quote's word
    timings (checked by correlation against the source there), introduced by the host; the MP3 still meets
    −16 LUFS ± 1."""
    import wave

    import numpy as np

    from familyplus.models.keys import podcast_script_key, podcast_segment_key
    from familyplus.models.podcast import PodcastScript

    runner = audio_runner()
    execution = runner.start("process_response", {**upload(runner, SAMPLE_RECORDING, "rec2"), "podcast": True})
    assert execution.status == "SUCCEEDED", (execution.error, execution.cause)
    media = runner.adapters.media
    script = PodcastScript.model_validate_json(media.get_bytes(podcast_script_key("story-rec2")))
    clips = [s for s in script.segments if s.voice == "speaker"]
    assert clips, [(s.kind, s.voice) for s in script.segments]
    lead = script.segments[script.segments.index(clips[0]) - 1]
    assert lead.voice == "host" and lead.kind == "quotes"
    transcript = runner.adapters.store.get_response("rec2").transcript or ""
    assert all(c.text in transcript for c in clips)  # verbatim spans of the transcript

    source = tmp_path / "source.wav"
    FfmpegAudio().to_speech_wav(SAMPLE_RECORDING, source)

    def samples(path: Path) -> tuple[np.ndarray, int]:
        with wave.open(str(path), "rb") as reader:
            data = np.frombuffer(reader.readframes(reader.getnframes()), dtype=np.int16).astype(np.float64)
            return data, reader.getframerate()

    original, rate = samples(source)
    for clip in clips:
        assert clip.clip is not None
        segment = Path(media.path_for(podcast_segment_key("story-rec2", clip.index)))  # type: ignore[attr-defined]
        cut, cut_rate = samples(segment)
        assert cut_rate == rate
        # Where in the source does the clip fit best? It must be at the quote's timestamps.
        start = int(max(0.0, clip.clip.start - 0.12) * rate)
        window = original[start : start + len(cut)]
        middle = slice(len(cut) // 10, len(cut) - len(cut) // 10)  # past the fades
        r = float(np.corrcoef(cut[middle], window[: len(cut)][middle])[0, 1])
        elsewhere = original[(start + rate * 3) % max(len(original) - len(cut), 1) :][: len(cut)]
        assert r > 0.99, r
        if len(elsewhere) == len(cut):
            assert abs(float(np.corrcoef(cut[middle], elsewhere[middle])[0, 1])) < 0.5
    story = runner.adapters.store.get_story("story-rec2")
    mp3 = Path(media.path_for(story.podcast_key or ""))  # type: ignore[attr-defined]
    assert abs(FfmpegAudio().measure_loudness(mp3).integrated_lufs + 16.0) <= 1.0
