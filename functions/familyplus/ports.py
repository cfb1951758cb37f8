"""Ports: the capabilities stages need, as Protocols. Adapters (`familyplus.adapters`) implement them.

Stages depend only on these; which adapter stands behind a port is decided once, in `bootstrap.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from familyplus.models import (
    Quote,
    ResponseRecord,
    ResponseStatus,
    SearchHit,
    StoryDraft,
    StoryRecord,
    ValueTag,
    WisdomItem,
)


@runtime_checkable
class Store(Protocol):
    """Durable records of responses and everything derived from them.

    Every write is an upsert keyed by ids, and each `replace_*` swaps a response's (or story's) whole set
    in one transaction: a retried or replayed stage never duplicates rows, and a failure half-way leaves
    the previous set intact. Readers raise `NotFoundError` for unknown ids.
    """

    def save_response(self, response: ResponseRecord) -> None: ...
    def get_response(self, response_id: str) -> ResponseRecord: ...
    def update_progress(
        self, response_id: str, *, status: ResponseStatus, stage: str | None, error: str | None = None
    ) -> None: ...
    def set_transcript(self, response_id: str, transcript: str) -> None: ...
    def save_embedding(self, response_id: str, family_id: str, model: str, vector: Sequence[float]) -> None: ...
    def replace_value_tags(self, response_id: str, tags: Sequence[ValueTag]) -> None: ...
    def list_value_tags(self, response_id: str) -> list[ValueTag]: ...
    def replace_wisdom(self, response_id: str, items: Sequence[WisdomItem]) -> None: ...
    def list_wisdom(self, response_id: str) -> list[WisdomItem]: ...
    def upsert_story(self, story: StoryRecord) -> None: ...
    def get_story(self, story_id: str) -> StoryRecord: ...
    def find_story_for_response(self, response_id: str) -> StoryRecord | None: ...
    def replace_quotes(self, story_id: str, quotes: Sequence[Quote]) -> None: ...
    def list_quotes(self, story_id: str) -> list[Quote]: ...
    def search(self, query_vector: Sequence[float], *, family_id: str | None, limit: int) -> list[SearchHit]: ...


class Embedder(Protocol):
    """Turns texts into fixed-size vectors for semantic search (unit length, `dimensions` long)."""

    model: str
    dimensions: int

    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


class ValueTagger(Protocol):
    """Proposes value tags for a response; answers only from `vocabulary`, with a score in [0, 1]."""

    def tag(self, text: str, vocabulary: Sequence[str]) -> list[ValueTag]: ...


class WisdomExtractor(Protocol):
    """Finds advice and life lessons in a response."""

    def extract(self, text: str, vocabulary: Sequence[str]) -> list[WisdomItem]: ...


class StoryWriter(Protocol):
    """Writes a story (title, summary, narrative) from a response's words, its prompt and value tags."""

    def write(self, text: str, *, prompt: str | None, tags: Sequence[str]) -> StoryDraft: ...


class QuoteProposer(Protocol):
    """Proposes memorable quotes. Proposals are only candidates: the extract_quotes stage keeps only
    verbatim spans of the response's words, whatever the provider returned."""

    def propose(self, text: str, *, max_quotes: int) -> list[str]: ...
