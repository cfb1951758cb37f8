"""The offline podcast script: a real template filled from the story and its verbatim quotes."""

from __future__ import annotations

from pathlib import Path

import pytest

from familyplus.adapters.local.local_media_store import LocalMediaStore
from familyplus.adapters.local.sqlite_store import SqliteStore
from familyplus.adapters.local.template_podcast_writer import TemplatePodcastWriter
from familyplus.errors import NotFoundError
from familyplus.models.podcast import PodcastScript, PublishPodcastEvent, WritePodcastScriptEvent
from familyplus.models.response import Quote, ResponseRecord, StoryRecord
from familyplus.stages import publish_podcast, write_podcast_script
from tests.audio_support import AudioPorts

NARRATIVE = (
    "My first job was at my uncle's bakery on Main Street. I had to be there before sunrise to help him knead "
    "the bread.\n\nHe always told me that hard work is its own reward. I burned my hands more than once, but I "
    "learned to be patient. I still bake his cinnamon rolls every winter for the whole family."
)
STORY = StoryRecord(
    id="story-r1",
    response_id="r1",
    family_id="f1",
    title="The Bakery on Main Street",
    summary="A first job before sunrise, and a lesson in patience.",
    narrative=NARRATIVE,
)
QUOTES = [
    Quote(text="hard work is its own reward", start=0, end=27, score=0.9),
    Quote(text="I learned to be patient", start=30, end=53, score=0.7),
]


def test_template_uses_title_summary_narrative_and_quotes() -> None:
    script = TemplatePodcastWriter().write(STORY, QUOTES)
    kinds = [s.kind for s in script.segments]
    assert kinds[0] == "intro" and kinds[-2:] == ["quotes", "outro"] and set(kinds[1:-2]) == {"story"}
    assert [s.index for s in script.segments] == list(range(len(kinds)))
    intro, outro = script.segments[0], script.segments[-1]
    assert STORY.title in intro.text and STORY.summary in intro.text and STORY.title in outro.text
    story_text = " ".join(s.text for s in script.segments if s.kind == "story")
    assert story_text == " ".join(NARRATIVE.split())  # the narrative, every word, in order
    quotes = script.segments[-2].text
    assert "“hard work is its own reward”" in quotes and "“I learned to be patient”" in quotes
    assert {s.voice for s in script.segments if s.kind == "story"} == {"narrator"}
    assert intro.voice == "host"


def test_long_narratives_are_split_at_sentence_boundaries() -> None:
    script = TemplatePodcastWriter(max_segment_chars=120).write(STORY, [])
    story = [s.text for s in script.segments if s.kind == "story"]
    assert len(story) >= 3 and all(len(t) <= 120 for t in story)
    assert all(t.endswith((".", "!", "?")) for t in story)
    assert "quotes" not in [s.kind for s in script.segments]  # no quotes, no quotes segment


def test_stage_stores_the_script_and_returns_small_segment_refs(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "db.sqlite")
    store.save_response(ResponseRecord(id="r1", family_id="f1", media_type="text", text=NARRATIVE))
    store.upsert_story(STORY)
    store.replace_quotes(STORY.id, QUOTES[:1])
    media = LocalMediaStore(tmp_path / "media")
    ports = AudioPorts(store=store, media=media, podcast_writer=TemplatePodcastWriter())
    out = write_podcast_script.run(WritePodcastScriptEvent(story_id="story-r1"), ports)
    assert out.script_key == "podcasts/story-r1/script.json"
    script = PodcastScript.model_validate_json(media.get_bytes(out.script_key))
    assert [(r.index, r.kind, r.voice) for r in out.segments] == [(s.index, s.kind, s.voice) for s in script.segments]
    wire = out.wire()
    assert isinstance(wire["segments"], list)
    assert set(wire["segments"][0]) == {"storyId", "scriptKey", "index", "kind", "voice"}  # no text on the wire
    assert len(str(wire)) < 2000


def test_publish_records_key_and_duration_on_the_story(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "db.sqlite")
    store.save_response(ResponseRecord(id="r1", family_id="f1", media_type="text", text=NARRATIVE))
    store.upsert_story(STORY)
    event = PublishPodcastEvent(story_id="story-r1", podcast_key="podcasts/story-r1/podcast.mp3", seconds=61.234)
    publish_podcast.run(event, AudioPorts(store=store))
    publish_podcast.run(event, AudioPorts(store=store))  # a replay changes nothing
    story = store.get_story("story-r1")
    assert (story.podcast_key, story.podcast_seconds) == ("podcasts/story-r1/podcast.mp3", 61.234)
    unknown = PublishPodcastEvent(story_id="story-nope", podcast_key="p.mp3", seconds=1)
    with pytest.raises(NotFoundError):
        publish_podcast.run(unknown, AudioPorts(store=store))


def test_the_script_never_says_the_summary_twice() -> None:
    """Given an extractive summary (two sentences of the narrative, not next to each other) that is also a
    quote, the intro does not read it and the quotes segment skips it: the story segment says it once."""
    first, second = "He always told me that hard work is its own reward.", "I learned to be patient."
    story = STORY.model_copy(update={"summary": f"{first} {second}"})
    quotes = [
        Quote(text=first, start=0, end=len(first), score=0.95),
        Quote(text="I still bake his cinnamon rolls every winter for the whole family.", start=0, end=10, score=0.5),
    ]
    script = TemplatePodcastWriter().write(story, quotes)
    everything = " ".join(s.text for s in script.segments)
    assert everything.count("hard work is its own reward") == 1
    assert everything.count("I learned to be patient") == 1
    assert "cinnamon rolls every winter" in script.segments[-2].text
