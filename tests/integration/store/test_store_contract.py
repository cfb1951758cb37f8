"""The `Store` port's contract, run against every implementation (see conftest.py): upserts keyed by ids,
whole-set replacement, NotFoundError for unknown ids, and semantic search by cosine similarity."""

from __future__ import annotations

import math

import numpy as np
import pytest

from familyplus.errors import NotFoundError, PermanentError
from familyplus.models.response import Quote, ResponseRecord, StoryRecord, ValueTag, WisdomItem
from familyplus.ports import Store

# supabase-py passes PostgREST a timeout itself and postgrest-py deprecates that: not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:The '(timeout|verify)' parameter is deprecated:DeprecationWarning")

DIM = 1536


def response(rid: str = "r1", family: str = "fam-a", **values: object) -> ResponseRecord:
    fields: dict[str, object] = {"media_type": "text", "text": f"The words of {rid}.", **values}
    return ResponseRecord(id=rid, family_id=family, **fields)


def story(rid: str = "r1", family: str = "fam-a", title: str = "The first job") -> StoryRecord:
    return StoryRecord(
        id=f"story-{rid}", response_id=rid, family_id=family, title=title, summary="A summary.", narrative="Once."
    )


def unit(*pairs: tuple[int, float]) -> list[float]:
    """A 1536-d unit vector with a few non-zero components (short in recorded requests)."""
    v = np.zeros(DIM)
    for i, x in pairs:
        v[i] = x
    return [round(float(x), 6) for x in v / np.linalg.norm(v)]


def test_a_response_round_trips_and_unknown_ids_are_not_found(store: Store) -> None:
    assert isinstance(store, Store)  # every method of the Protocol is there
    store.save_response(response(prompt="Your first job?", audio_key=None))
    got = store.get_response("r1")
    assert (got.id, got.family_id, got.media_type, got.prompt, got.text) == (
        "r1",
        "fam-a",
        "text",
        "Your first job?",
        "The words of r1.",
    )
    assert (got.status, got.stage, got.error, got.transcript) == ("received", None, None, None)
    assert got.created_at is not None
    with pytest.raises(NotFoundError, match="nope"):
        store.get_response("nope")


def test_saving_again_upserts_and_keeps_the_transcript(store: Store) -> None:
    store.save_response(response(media_type="audio", text=None, audio_key="audio/r1.m4a"))
    store.set_transcript("r1", "We moved to Ohio in 1962.")
    store.save_response(response(media_type="audio", text=None, audio_key="audio/r1.m4a", prompt="Moving?"))
    got = store.get_response("r1")
    assert (got.prompt, got.transcript, got.words) == ("Moving?", "We moved to Ohio in 1962.", got.transcript)


def test_progress_updates_the_row_and_unknown_ids_are_not_found(store: Store) -> None:
    store.save_response(response())
    store.update_progress("r1", status="processing", stage="tag_values")
    assert (store.get_response("r1").status, store.get_response("r1").stage) == ("processing", "tag_values")
    store.update_progress("r1", status="failed", stage="write_story", error="bedrock refused")
    got = store.get_response("r1")
    assert (got.status, got.stage, got.error) == ("failed", "write_story", "bedrock refused")
    with pytest.raises(NotFoundError):
        store.update_progress("nope", status="processing", stage="embed")
    with pytest.raises(NotFoundError):
        store.set_transcript("nope", "words")


def test_value_tags_are_replaced_as_a_whole_set(store: Store) -> None:
    store.save_response(response())
    store.replace_value_tags("r1", [ValueTag(tag="family", score=0.5), ValueTag(tag="humor", score=0.9)])
    store.replace_value_tags(
        "r1",
        [
            ValueTag(tag="love", score=0.4, evidence=["my mother"]),
            ValueTag(tag="courage", score=0.8),
            ValueTag(tag="faith", score=0.8),
        ],
    )
    assert store.list_value_tags("r1") == [  # by score, then tag
        ValueTag(tag="courage", score=0.8),
        ValueTag(tag="faith", score=0.8),
        ValueTag(tag="love", score=0.4, evidence=["my mother"]),
    ]
    store.replace_value_tags("r1", [])
    assert store.list_value_tags("r1") == []


def test_wisdom_is_replaced_and_keeps_its_order(store: Store) -> None:
    store.save_response(response())
    first = [WisdomItem(text="Save first.", kind="advice", tags=["hard_work"])]
    store.replace_wisdom("r1", first)
    items = [
        WisdomItem(text="Never go to bed angry.", kind="advice", tags=["love", "family"]),
        WisdomItem(text="Hard times pass.", kind="lesson"),
    ]
    store.replace_wisdom("r1", items)
    assert store.list_wisdom("r1") == items


def test_a_story_is_upserted_once_per_response(store: Store) -> None:
    store.save_response(response())
    store.upsert_story(story(title="Draft"))
    store.upsert_story(story(title="The first job"))
    got = store.get_story("story-r1")
    assert (got.title, got.response_id, got.family_id, got.narrative) == ("The first job", "r1", "fam-a", "Once.")
    found = store.find_story_for_response("r1")
    assert found is not None and found.id == "story-r1"
    assert store.find_story_for_response("nope") is None
    with pytest.raises(NotFoundError):
        store.get_story("story-nope")


def test_a_rewritten_story_keeps_its_podcast(store: Store) -> None:
    store.save_response(response())
    store.upsert_story(story())
    store.set_podcast("story-r1", "podcasts/story-r1/podcast.mp3", 95.5)
    store.upsert_story(story(title="Retitled"))
    got = store.get_story("story-r1")
    assert (got.title, got.podcast_key, got.podcast_seconds) == ("Retitled", "podcasts/story-r1/podcast.mp3", 95.5)
    with pytest.raises(NotFoundError):
        store.set_podcast("story-nope", "k", 1.0)


def test_stories_without_a_podcast_are_listed_oldest_first_up_to_the_limit(store: Store) -> None:
    for rid in ("r3", "r1", "r2", "r4"):  # created in this order: not the ids' order
        store.save_response(response(rid))
        store.upsert_story(story(rid))
    store.set_podcast("story-r1", "podcasts/story-r1/podcast.mp3", 60.0)
    assert [s.id for s in store.list_stories_without_podcast(10)] == ["story-r3", "story-r2", "story-r4"]
    assert [s.id for s in store.list_stories_without_podcast(2)] == ["story-r3", "story-r2"]
    assert store.list_stories_without_podcast(0) == []
    (oldest,) = store.list_stories_without_podcast(1)
    assert (oldest.response_id, oldest.family_id, oldest.podcast_key) == ("r3", "fam-a", None)


def test_quotes_are_replaced_and_keep_their_order(store: Store) -> None:
    store.save_response(response())
    store.upsert_story(story())
    store.replace_quotes("story-r1", [Quote(text="Old.", start=0, end=4, score=0.1)])
    quotes = [Quote(text="words", start=4, end=9, score=0.9), Quote(text="The", start=0, end=3, score=0.2)]
    store.replace_quotes("story-r1", quotes)
    assert store.list_quotes("story-r1") == quotes


def test_search_ranks_by_cosine_similarity_within_a_family(store: Store) -> None:
    for rid, family in (("a1", "fam-a"), ("a2", "fam-a"), ("a3", "fam-a"), ("b1", "fam-b")):
        store.save_response(response(rid, family, text=f"{rid} " + "long answer " * 20))
    store.save_embedding("a1", "fam-a", "m", unit((0, 1.0)))
    store.save_embedding("a2", "fam-a", "m", unit((0, 1.0), (1, 1.0)))
    store.save_embedding("a3", "fam-a", "m", unit((2, 1.0)))
    store.save_embedding("b1", "fam-b", "m", unit((0, 1.0), (1, 0.1)))
    store.save_embedding("a3", "fam-a", "m", unit((1, 1.0)))  # an upsert: replaces a3's vector
    query = unit((0, 1.0), (1, 0.2))

    hits = store.search(query, family_id="fam-a", limit=2)
    assert [h.response_id for h in hits] == ["a1", "a2"]
    assert all(h.family_id == "fam-a" for h in hits)
    assert hits[0].score == pytest.approx(1 / math.sqrt(1.04), abs=1e-4)
    assert hits[0].snippet == ("a1 " + "long answer " * 20)[:160]

    everyone = store.search(query, family_id=None, limit=10)
    assert [h.response_id for h in everyone] == ["b1", "a1", "a2", "a3"]
    assert everyone[0].family_id == "fam-b"
    assert store.search(query, family_id="fam-c", limit=5) == []


def test_a_non_finite_embedding_is_refused(store: Store) -> None:
    store.save_response(response())
    bad = unit((0, 1.0))
    bad[3] = math.nan
    with pytest.raises(PermanentError):
        store.save_embedding("r1", "fam-a", "m", bad)
