"""write_story: the story (title, summary, narrative) of a response. One story per response, upserted."""

from __future__ import annotations

from typing import Protocol

from familyplus.models.keys import story_id_for
from familyplus.models.response import ResponseEvent, StoryRecord, WriteStoryOutput
from familyplus.ports import Store, StoryWriter
from familyplus.stages._common import load_words

STAGE = "write_story"


class WriteStoryPorts(Protocol):
    @property
    def store(self) -> Store: ...
    @property
    def writer(self) -> StoryWriter: ...


def run(event: ResponseEvent, ports: WriteStoryPorts) -> WriteStoryOutput:
    words = load_words(ports.store, event.response_id, STAGE)
    response = ports.store.get_response(event.response_id)
    tags = [t.tag for t in ports.store.list_value_tags(event.response_id)]
    draft = ports.writer.write(words, prompt=response.prompt, tags=tags)
    story = StoryRecord(
        id=story_id_for(event.response_id),
        response_id=event.response_id,
        family_id=event.family_id,
        **draft.model_dump(),
    )
    ports.store.upsert_story(story)
    return WriteStoryOutput(story_id=story.id, title=story.title)
