"""Runners on a fresh data folder (optionally with a fault plan) and a snapshot of all a response left stored."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from familyplus import bootstrap
from familyplus.adapters.shared.ffmpeg_audio import FfmpegAudio
from familyplus.errors import NotFoundError
from familyplus.models.audio import Transcript, Word
from familyplus.models.keys import story_id_for
from familyplus.settings import Settings
from familyplus_local.executor import VirtualClock
from familyplus_local.runtime.runner import LocalRunner

PROCESS = "process_response"
#: The sample recording (19.5 s) in three overlapping chunks, so the audio runs go through the chunk Map. One
#: chunk at a time: a fault plan counts calls, and kill points count events, in one order only.
AUDIO_SETTINGS: dict[str, Any] = {
    "audio_chunk_threshold_seconds": 10.0,
    "audio_chunk_seconds": 8.0,
    "audio_chunk_overlap_seconds": 1.0,
    "transcribe_max_concurrency": 1,
}
_SAMPLE_WORDS = (Path(__file__).resolve().parents[2] / "samples" / "audio" / "first_job.txt").read_text().split()
_WORD_SECONDS = 0.4


class ScriptedTranscriber:
    """Whisper's stand-in for the fault and crash suites: the sample's words, one every 0.4 s of the audio it is
    given (its duration probed with the real FFmpeg), so a chunk's transcript depends on that chunk's audio
    alone and every run is comparable word for word. Whisper is exercised in tests/e2e/test_audio_workflows.py;
    here it would only add minutes per run."""

    def __init__(self, audio: FfmpegAudio) -> None:
        self.audio = audio

    def transcribe(self, audio_path: Path, *, language: str | None) -> Transcript:
        duration = self.audio.probe(audio_path).duration
        words = [
            Word(word=w, start=round(i * _WORD_SECONDS, 3), end=round(i * _WORD_SECONDS + 0.3, 3))
            for i, w in enumerate(_SAMPLE_WORDS)
            if i * _WORD_SECONDS + 0.3 <= duration
        ]
        return Transcript(text=" ".join(w.word for w in words), words=words, language=language, duration=duration)


def runner_for(data_dir: Path, faults: str = "", *, audio: bool = False, **kwargs: Any) -> LocalRunner:
    """A runner on `data_dir`; `audio`: chunked recordings and the scripted transcriber (AUDIO_SETTINGS)."""
    extra = AUDIO_SETTINGS if audio else {}
    settings = Settings(profile="local", data_dir=data_dir, faults=faults, _env_file=None, **extra)
    clock = VirtualClock(datetime(2026, 1, 1, tzinfo=UTC))
    overrides = {"transcriber": ScriptedTranscriber(FfmpegAudio(settings.ffmpeg_path))} if audio else {}
    return LocalRunner(settings, adapters=bootstrap.build(settings, **overrides), clock=clock, **kwargs)


def audio_payload(runner: LocalRunner, response_id: str) -> dict[str, Any]:
    """The sample recording uploaded to the runner's media store, and the input that processes it."""
    key = f"uploads/{response_id}/recording.ogg"
    runner.adapters.media.put(key, Path(__file__).resolve().parents[2] / "samples" / "audio" / "first_job.ogg")
    return {"responseId": response_id, "familyId": "f1", "mediaType": "audio", "audioKey": key}


def stored(runner: LocalRunner, response_id: str) -> dict[str, Any]:
    """Everything the pipeline stores for one response, comparable between runs (no timestamps)."""
    store = runner.adapters.store
    response = store.get_response(response_id)
    snapshot: dict[str, Any] = {
        "response": (
            response.status,
            response.stage,
            response.error,
            response.text,
            response.transcript,
            response.media_type,
        ),
        "tags": [t.model_dump() for t in store.list_value_tags(response_id)],
        "wisdom": [w.model_dump() for w in store.list_wisdom(response_id)],
    }
    try:
        story = store.get_story(story_id_for(response_id))
    except NotFoundError:
        snapshot["story"] = None
        return snapshot
    snapshot["story"] = (story.title, story.summary, story.narrative)
    snapshot["quotes"] = [q.text for q in store.list_quotes(story.id)]
    [vector] = runner.adapters.embedder.embed([response.text or response.transcript or ""])
    hits = store.search(vector, family_id=response.family_id, limit=50)
    snapshot["embedded"] = [(h.response_id, round(h.score, 6)) for h in hits if h.response_id == response_id]
    return snapshot
