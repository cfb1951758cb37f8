"""The daily_podcasts stages on their own: the selection's bound and the run's counts."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from pydantic import ValidationError

from familyplus.adapters.local.sqlite_store import SqliteStore
from familyplus.models.jobs import DailyPodcastsEvent, SummarizePodcastsEvent
from familyplus.models.response import ResponseRecord, StoryRecord
from familyplus.stages import select_podcast_candidates, summarize_podcasts


@dataclass
class Limits:
    daily_podcast_limit: int


@dataclass
class Ports:
    store: SqliteStore
    settings: Limits


@pytest.fixture
def store() -> SqliteStore:
    db = SqliteStore(":memory:")
    for rid in ("x3", "x1", "x2"):
        db.save_response(ResponseRecord(id=rid, family_id="fam", media_type="text", text="Words."))
        db.upsert_story(
            StoryRecord(id=f"story-{rid}", response_id=rid, family_id="fam", title="T", summary="S.", narrative="N.")
        )
    return db


def test_selection_is_ids_only_oldest_first_within_the_configured_limit(store: SqliteStore) -> None:
    out = select_podcast_candidates.run(DailyPodcastsEvent(), Ports(store, Limits(2)))
    assert out.wire() == {
        "limit": 2,
        "count": 2,
        "stories": [
            {"storyId": "story-x3", "responseId": "x3", "familyId": "fam"},
            {"storyId": "story-x1", "responseId": "x1", "familyId": "fam"},
        ],
    }


def test_a_run_may_ask_for_fewer_never_for_more(store: SqliteStore) -> None:
    ports = Ports(store, Limits(2))
    assert select_podcast_candidates.run(DailyPodcastsEvent(limit=1), ports).count == 1
    assert select_podcast_candidates.run(DailyPodcastsEvent(limit=3), ports).limit == 2
    with pytest.raises(ValidationError, match="limit"):
        DailyPodcastsEvent.model_validate({"limit": 501})


def test_summary_counts_and_names_the_failed_stories() -> None:
    event = SummarizePodcastsEvent.model_validate(
        {
            "selected": 3,
            "limit": 50,
            "podcasts": [
                {"storyId": "story-a", "status": "SUCCEEDED"},
                {"storyId": "story-b", "status": "FAILED", "error": "States.TaskFailed"},
                {"storyId": "story-c", "status": "SUCCEEDED"},
            ],
        }
    )
    assert summarize_podcasts.run(event).wire() == {
        "selected": 3,
        "limit": 50,
        "succeeded": 2,
        "failed": 1,
        "failedStories": ["story-b"],
    }
    empty = SummarizePodcastsEvent.model_validate({"selected": 0, "limit": 50, "podcasts": []})
    assert summarize_podcasts.run(empty).wire()["succeeded"] == 0
