"""write_podcast_script: a story (and its verbatim quotes) → a podcast script in the media store.

The script's text stays in the media store; the output lists one small `SegmentRef` per segment for the
workflow's Map over SynthesizeSegment.
"""

from __future__ import annotations

from typing import Protocol

from familyplus.audio_clips import quote_times
from familyplus.errors import NotFoundError, PermanentError
from familyplus.models.audio import Transcript
from familyplus.models.keys import podcast_script_key, transcript_key
from familyplus.models.podcast import (
    Clip,
    PodcastScript,
    PodcastSegment,
    SegmentRef,
    WritePodcastScriptEvent,
    WritePodcastScriptOutput,
)
from familyplus.models.response import Quote, StoryRecord
from familyplus.ports import MediaStore, PodcastWriter, Store
from familyplus.text import normalize_space

STAGE = "write_podcast_script"
_MAX_TRANSCRIPT_BYTES = 20 * 1024 * 1024
#: What the host says before the family member's own voice.
VOICE_LEAD = "And now, in their own voice."


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
    script = in_their_own_voice(script, story, quotes, ports)
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


def in_their_own_voice(
    script: PodcastScript, story: StoryRecord, quotes: list[Quote], ports: WritePodcastScriptPorts
) -> PodcastScript:
    """For a recorded answer, the quotes segment becomes the host's lead and then each quote it read, cut from
    the recording at the transcript's word timings (`speaker` clips). A text answer, or a quote whose words
    cannot be placed in time, keeps the synthetic voice."""
    response = ports.store.get_response(story.response_id)
    if response.media_type != "audio" or not response.audio_key:
        return script
    try:
        raw = ports.media.get_bytes(transcript_key(response.id), max_bytes=_MAX_TRANSCRIPT_BYTES)
    except NotFoundError:
        return script
    transcript = Transcript.model_validate_json(raw)
    if normalize_space(transcript.text) != normalize_space(response.words):
        return script  # quotes are offsets into the stored words: another text cannot place them
    segments: list[PodcastSegment] = []
    for segment in script.segments:
        said = [q for q in sorted(quotes, key=lambda q: q.start) if normalize_space(q.text) in segment.text]
        clips = [(q, quote_times(transcript, q.start, q.end)) for q in said] if segment.kind == "quotes" else []
        if not clips or any(times is None for _, times in clips):
            segments.append(segment)
            continue
        segments.append(PodcastSegment(index=0, kind="quotes", voice="host", text=VOICE_LEAD))
        for quote, times in clips:
            assert times is not None
            clip = Clip(source=response.audio_key, start=times[0], end=times[1])
            segments.append(PodcastSegment(index=0, kind="quotes", voice="speaker", text=quote.text, clip=clip))
    renumbered = [s.model_copy(update={"index": i}) for i, s in enumerate(segments)]
    return script.model_copy(update={"segments": renumbered})
