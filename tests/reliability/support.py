"""Runners on a fresh data folder (optionally with a fault plan) and a snapshot of all a response left stored."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from familyplus import bootstrap
from familyplus.errors import NotFoundError
from familyplus.models.keys import story_id_for
from familyplus.settings import Settings
from familyplus_local.executor import VirtualClock
from familyplus_local.runtime.runner import LocalRunner

PROCESS = "process_response"


def runner_for(data_dir: Path, faults: str = "", **kwargs: Any) -> LocalRunner:
    settings = Settings(profile="local", data_dir=data_dir, faults=faults, _env_file=None)
    clock = VirtualClock(datetime(2026, 1, 1, tzinfo=UTC))
    return LocalRunner(settings, adapters=bootstrap.build(settings), clock=clock, **kwargs)


def stored(runner: LocalRunner, response_id: str) -> dict[str, Any]:
    """Everything the pipeline stores for one response, comparable between runs (no timestamps)."""
    store = runner.adapters.store
    response = store.get_response(response_id)
    snapshot: dict[str, Any] = {
        "response": (response.status, response.stage, response.error, response.text, response.media_type),
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
