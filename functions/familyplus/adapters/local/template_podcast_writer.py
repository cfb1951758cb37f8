"""`TemplatePodcastWriter`: the offline podcast script — a fixed show format filled from the story.

Intro (host): the show, the story's title and summary. Story (narrator): the narrative, split at sentence
boundaries into segments of at most `max_segment_chars` so each TTS call stays small and the segments can be
synthesised in parallel. Quotes (host): the story's verbatim quotes, introduced as the family member's own
words. Outro (host): the title again and a sign-off. No generation: every sentence is the template's or the
story's own.
"""

from __future__ import annotations

from collections.abc import Sequence

from familyplus.errors import PermanentError
from familyplus.models.podcast import PodcastScript, PodcastSegment, SegmentKind, Voice
from familyplus.models.response import Quote, StoryRecord
from familyplus.text import normalize_space, sentences


def _pieces(text: str, limit: int) -> list[str]:
    """`text` cut at sentence boundaries into pieces of at most `limit` characters (a longer sentence is
    cut at word boundaries)."""
    pieces: list[str] = []
    current = ""
    for paragraph in text.split("\n\n"):
        for sentence in [normalize_space(s.text) for s in sentences(paragraph)] or [normalize_space(paragraph)]:
            while len(sentence) > limit:
                cut = sentence.rfind(" ", 0, limit)
                cut = cut if cut > 0 else limit
                if current:
                    pieces.append(current)
                    current = ""
                pieces.append(sentence[:cut].strip())
                sentence = sentence[cut:].strip()
            if not sentence:
                continue
            if current and len(current) + 1 + len(sentence) > limit:
                pieces.append(current)
                current = sentence
            else:
                current = f"{current} {sentence}".strip()
    if current:
        pieces.append(current)
    return pieces


class TemplatePodcastWriter:
    def __init__(self, *, show_name: str = "Family Plus", max_segment_chars: int = 1200, max_quotes: int = 3) -> None:
        self.show_name = show_name
        self.max_segment_chars = max_segment_chars
        self.max_quotes = max_quotes

    def write(self, story: StoryRecord, quotes: Sequence[Quote]) -> PodcastScript:
        narrative = story.narrative.strip()
        if not narrative:
            raise PermanentError(f"story {story.id!r} has no narrative to read")
        parts: list[tuple[SegmentKind, Voice, str]] = []
        intro = f"Welcome to {self.show_name}, where families keep their stories. Today's story: {story.title}."
        # The intro says what the story will not: an extractive summary is sentences of the narrative, so
        # only summary sentences the narrative does not contain are read here (a cloud summary, usually).
        flat = normalize_space(narrative)
        fresh = [normalize_space(x.text) for x in sentences(story.summary) if normalize_space(x.text) not in flat]
        if fresh:
            intro += " " + " ".join(fresh)
        parts.append(("intro", "host", intro))
        parts += [("story", "narrator", piece) for piece in _pieces(narrative, self.max_segment_chars)]
        # Quotes the summary already is would be heard a third time: the quotes segment keeps the others.
        in_summary = normalize_space(story.summary)
        candidates = [q for q in quotes if normalize_space(q.text) not in in_summary]
        chosen = sorted(candidates, key=lambda q: -q.score)[: self.max_quotes]
        if chosen:
            lines = [f"“{normalize_space(q.text)}”" for q in sorted(chosen, key=lambda q: q.start)]
            lead = "A few words worth keeping." if len(lines) > 1 else "Words worth keeping."
            parts.append(("quotes", "host", " ".join([lead, *lines])))
        parts.append(
            (
                "outro",
                "host",
                f"That was {story.title}. Thank you for listening to {self.show_name}. "
                "Ask someone you love about their story, and keep it.",
            )
        )
        segments = [
            PodcastSegment(index=i, kind=kind, voice=voice, text=text) for i, (kind, voice, text) in enumerate(parts)
        ]
        return PodcastScript(story_id=story.id, title=story.title, segments=segments)
