"""Helpers for the daily quote tests: families with stored quotes on the local adapters."""

from __future__ import annotations

from familyplus.bootstrap import Adapters
from familyplus.models.quotes import Family
from familyplus.models.response import Quote, ResponseRecord, StoryRecord


def add_family(adapters: Adapters, family_id: str, timezone: str, quotes: int = 3) -> list[str]:
    """A family in `timezone` with one story holding `quotes` quotes; returns the quote texts."""
    words = " ".join(f"Lesson number {i} from the {family_id} family." for i in range(quotes))
    store = adapters.store
    store.save_response(ResponseRecord(id=f"r-{family_id}", family_id=family_id, media_type="text", text=words))
    story_id = f"story-r-{family_id}"
    store.upsert_story(
        StoryRecord(
            id=story_id, response_id=f"r-{family_id}", family_id=family_id, title="T", summary="S", narrative=words
        )
    )
    texts, stored, start = [], [], 0
    for i in range(quotes):
        text = f"Lesson number {i} from the {family_id} family."
        start = words.index(text, start)
        stored.append(Quote(text=text, start=start, end=start + len(text), score=0.5))
        texts.append(text)
    store.replace_quotes(story_id, stored)
    adapters.families.upsert_family(Family(id=family_id, timezone=timezone, recipient=f"+1555{len(family_id):07d}"))
    return texts
