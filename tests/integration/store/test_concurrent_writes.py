"""Concurrency against each store (SQLite and the native PostgreSQL behind the PostgREST gateway): many writers
at once, several of them on one response. Each set (tags, wisdom, quotes) ends as exactly one writer's whole set
— never a mix, never duplicates — and every response gets exactly one story."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from familyplus.models.keys import story_id_for
from familyplus.models.response import Quote, ResponseRecord, StoryRecord, ValueTag, WisdomItem
from familyplus.ports import Store
from tests.reliability import counts

TAGS = ["family", "resilience", "faith", "humor", "work", "kindness"]
WRITERS, RESPONSES = 6, 4


def _write(store: Store, response_id: str, writer: int) -> None:
    text = f"Writer {writer} remembers the harbour. Writer {writer} learned to be patient."
    store.save_response(
        ResponseRecord(id=response_id, family_id="fam-c", media_type="text", text=text, status="processing")
    )
    store.replace_value_tags(
        response_id, [ValueTag(tag=TAGS[(writer + i) % len(TAGS)], score=0.5, evidence=[]) for i in range(3)]
    )
    store.replace_wisdom(response_id, [WisdomItem(text=f"w{writer}-{i}", kind="lesson") for i in range(2)])
    story = StoryRecord(
        id=story_id_for(response_id), response_id=response_id, family_id="fam-c",
        title=f"Story {writer}", summary=f"Summary {writer}", narrative=text,
    )  # fmt: skip
    store.upsert_story(story)
    quote = f"Writer {writer} remembers the harbour."
    store.replace_quotes(story.id, [Quote(text=quote, start=0, end=len(quote), score=1.0)])


def test_concurrent_writers_never_mix_a_set_and_leave_one_story_each(store: Store) -> None:
    jobs = [(f"c-{r}", w) for r in range(RESPONSES) for w in range(WRITERS)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda job: _write(store, *job), jobs))
    counts.add("concurrent store writers", len(jobs))
    for r in range(RESPONSES):
        response_id = f"c-{r}"
        tags = sorted(t.tag for t in store.list_value_tags(response_id))
        assert tags in [sorted(TAGS[(w + i) % len(TAGS)] for i in range(3)) for w in range(WRITERS)], tags
        wisdom = [w.text for w in store.list_wisdom(response_id)]
        assert len(wisdom) == 2 and len({item.split("-")[0] for item in wisdom}) == 1, wisdom
        quotes = store.list_quotes(story_id_for(response_id))
        assert len(quotes) == 1
        assert store.get_story(story_id_for(response_id)).response_id == response_id
