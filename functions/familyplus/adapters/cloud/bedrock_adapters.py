"""The Bedrock-backed ports: value tags, wisdom, stories, quote proposals and podcast scripts.

Each adapter renders its versioned prompt (`prompts/*.v1.txt`), forces one tool call whose input schema is
its answer model, and turns the validated answer into the port's records. Whatever the model says, tags
outside the controlled vocabulary are dropped here (and again by the stages), and podcast quotes are read
verbatim from the stored quotes, never from the model.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from familyplus.adapters.cloud import prompts
from familyplus.adapters.cloud.bedrock import BedrockToolClient, Schema
from familyplus.models.podcast import PodcastScript, PodcastSegment, SegmentKind, Voice
from familyplus.models.response import Quote, StoryDraft, StoryRecord, ValueTag, WisdomItem


class _Answer(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ProposedTag(_Answer):
    tag: str = Field(description="a value from the controlled vocabulary")
    score: float = Field(ge=0.0, le=1.0, description="how clearly the answer shows this value")
    evidence: list[str] = Field(default_factory=list, max_length=3, description="short verbatim phrases")


class TagAnswer(_Answer):
    tags: list[ProposedTag] = Field(max_length=16)


class ProposedWisdom(_Answer):
    text: str = Field(min_length=1, max_length=600)
    kind: Literal["advice", "lesson"]
    tags: list[str] = Field(default_factory=list, max_length=5)


class WisdomAnswer(_Answer):
    wisdom: list[ProposedWisdom] = Field(max_length=20)


class QuoteAnswer(_Answer):
    quotes: list[str] = Field(max_length=20, description="sentences copied exactly from the answer")


class PodcastAnswer(_Answer):
    intro: str = Field(min_length=1, max_length=1200)
    story: str = Field(min_length=1, max_length=8000)
    quotes_intro: str = Field(min_length=1, max_length=600)
    outro: str = Field(min_length=1, max_length=1200)


def _enum_at(schema: Schema, path: Sequence[str], values: Sequence[str]) -> None:
    """Constrain the string at `path` (property names; "items" steps into arrays) to `values`."""
    node = schema
    for step in path:
        node = node["items"] if step == "items" else node["properties"][step]
    node["enum"] = list(values)


class _BedrockPort:
    PROMPT: str

    def __init__(self, client: BedrockToolClient) -> None:
        self.client = client

    @property
    def identity(self) -> str:
        """What the answer depends on besides the input: the provider-call cache keys on it."""
        return f"bedrock:{self.client.model_id}:{self.PROMPT}"


class BedrockValueTagger(_BedrockPort):
    """The `ValueTagger` port on Bedrock."""

    PROMPT = "tag_values.v1"

    def __init__(self, client: BedrockToolClient, *, max_tags: int = 5) -> None:
        super().__init__(client)
        self.max_tags = max_tags

    def tag(self, text: str, vocabulary: Sequence[str]) -> list[ValueTag]:
        prompt = prompts.load(self.PROMPT).render(
            vocabulary=", ".join(vocabulary), max_tags=str(self.max_tags), text=prompts.quote_untrusted(text)
        )
        answer = self.client.call(
            prompt,
            TagAnswer,
            tool="record_value_tags",
            description="Record the values the family member's answer shows.",
            version=self.PROMPT,
            customise_schema=lambda s: _enum_at(s, ["tags", "items", "tag"], vocabulary),
        )
        allowed = set(vocabulary)
        return [ValueTag(tag=t.tag, score=t.score, evidence=t.evidence) for t in answer.tags if t.tag in allowed]


class BedrockWisdomExtractor(_BedrockPort):
    """The `WisdomExtractor` port on Bedrock."""

    PROMPT = "extract_wisdom.v1"

    def extract(self, text: str, vocabulary: Sequence[str]) -> list[WisdomItem]:
        prompt = prompts.load(self.PROMPT).render(vocabulary=", ".join(vocabulary), text=prompts.quote_untrusted(text))
        answer = self.client.call(
            prompt,
            WisdomAnswer,
            tool="record_wisdom",
            description="Record the advice and life lessons found in the answer.",
            version=self.PROMPT,
            customise_schema=lambda s: _enum_at(s, ["wisdom", "items", "tags", "items"], vocabulary),
        )
        allowed = set(vocabulary)
        return [
            WisdomItem(text=w.text.strip(), kind=w.kind, tags=[t for t in dict.fromkeys(w.tags) if t in allowed])
            for w in answer.wisdom
            if w.text.strip()
        ]


class BedrockStoryWriter(_BedrockPort):
    """The `StoryWriter` port on Bedrock: the answer model is `StoryDraft` itself (its length limits included)."""

    PROMPT = "write_story.v1"

    def write(self, text: str, *, prompt: str | None, tags: Sequence[str]) -> StoryDraft:
        rendered = prompts.load(self.PROMPT).render(
            prompt=prompt or "(not recorded)", tags=", ".join(tags) or "(none)", text=prompts.quote_untrusted(text)
        )
        return self.client.call(
            rendered,
            StoryDraft,
            tool="record_story",
            description="Record the story: title, summary and narrative.",
            version=self.PROMPT,
        )


class BedrockQuoteProposer(_BedrockPort):
    """The `QuoteProposer` port on Bedrock. Only candidates: extract_quotes keeps verbatim spans alone."""

    PROMPT = "extract_quotes.v1"

    def propose(self, text: str, *, max_quotes: int) -> list[str]:
        prompt = prompts.load(self.PROMPT).render(max_quotes=str(max_quotes), text=prompts.quote_untrusted(text))
        answer = self.client.call(
            prompt,
            QuoteAnswer,
            tool="record_quotes",
            description="Record memorable quotes copied exactly from the answer.",
            version=self.PROMPT,
        )
        return [q for q in answer.quotes if q.strip()][:max_quotes]


#: Which logical voice reads each segment (the Speech adapter maps voices to real ones).
SEGMENT_VOICES: dict[SegmentKind, Voice] = {"intro": "host", "story": "narrator", "quotes": "host", "outro": "host"}


class BedrockPodcastScriptWriter(_BedrockPort):
    """The `PodcastWriter` port on Bedrock: the model writes intro, story, a lead-in and outro; the quotes
    segment then reads the stored (verbatim) quotes word for word after the model's lead-in."""

    PROMPT = "podcast_script.v1"

    def write(self, story: StoryRecord, quotes: Sequence[Quote]) -> PodcastScript:
        listed = "\n".join(f"- {q.text}" for q in quotes) or "(none)"
        prompt = prompts.load(self.PROMPT).render(
            title=story.title,
            narrative=prompts.quote_untrusted(story.narrative, "story"),
            quotes=prompts.quote_untrusted(listed, "quotes"),
        )
        answer = self.client.call(
            prompt,
            PodcastAnswer,
            tool="record_podcast_script",
            description="Record the spoken parts of the podcast episode.",
            version=self.PROMPT,
        )
        quotes_text = " ".join([answer.quotes_intro.strip(), *(f"“{q.text}”" for q in quotes)])
        texts: dict[SegmentKind, str] = {
            "intro": answer.intro.strip(),
            "story": answer.story.strip(),
            "quotes": quotes_text,
            "outro": answer.outro.strip(),
        }
        segments = [
            PodcastSegment(index=i, kind=kind, voice=SEGMENT_VOICES[kind], text=text)
            for i, (kind, text) in enumerate(texts.items())
        ]
        return PodcastScript(story_id=story.id, title=story.title, segments=segments)
