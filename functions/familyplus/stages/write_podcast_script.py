"""write_podcast_script: a story (and its verbatim quotes) → a podcast script in the media store.

The script's text stays in the media store; the output lists one small `SegmentRef` per segment for the
workflow's Map over SynthesizeSegment.
"""

from __future__ import annotations

from typing import Protocol

from familyplus.errors import PermanentError
from familyplus.models.keys import podcast_script_key
from familyplus.models.podcast import SegmentRef, WritePodcastScriptEvent, WritePodcastScriptOutput
from familyplus.ports import MediaStore, PodcastWriter, Store

STAGE = "write_podcast_script"


class WritePodcastScriptPorts(Protocol):
    @property
    def store(self) -> Store: ...
    @property
    def media(self) -> MediaStore: ...
    @property
    def podcast_writer(self) -> PodcastWriter: ...


def run(event: WritePodcastScriptEvent, ports: WritePodcastScriptPorts) -> WritePodcastScriptOutput:
    story = ports.store.get_story(event.story_id)
    quotes = ports.store.list_quotes(event.story_id)
    script = ports.podcast_writer.write(story, quotes)
    if script.story_id != story.id:
        raise PermanentError(f"the podcast writer returned a script for {script.story_id!r}", stage=STAGE)
    if [s.index for s in script.segments] != list(range(len(script.segments))):
        raise PermanentError("the podcast script's segments are not numbered 0..n-1", stage=STAGE)
    key = podcast_script_key(story.id)
    ports.media.put_bytes(key, script.model_dump_json().encode("utf-8"))
    return WritePodcastScriptOutput(
        story_id=story.id,
        title=script.title,
        script_key=key,
        segments=[
            SegmentRef(story_id=story.id, script_key=key, index=s.index, kind=s.kind, voice=s.voice)
            for s in script.segments
        ],
    )
