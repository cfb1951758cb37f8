"""extract_quotes: memorable quotes, each a verbatim span of the family member's words.

A story may paraphrase; a quote never does (DESIGN.md §6). Whatever the provider proposes, only spans found
verbatim (after whitespace normalisation) in the response's words are stored; the rest are counted as
rejected.
"""

from __future__ import annotations

from typing import Protocol

from familyplus.models.response import ExtractQuotesOutput, Quote, StoryEvent
from familyplus.ports import QuoteProposer, Store
from familyplus.stages._common import load_words
from familyplus.text import find_verbatim

STAGE = "extract_quotes"


class ExtractQuotesSettings(Protocol):
    @property
    def max_quotes(self) -> int: ...


class ExtractQuotesPorts(Protocol):
    @property
    def store(self) -> Store: ...
    @property
    def quotes(self) -> QuoteProposer: ...
    @property
    def settings(self) -> ExtractQuotesSettings: ...


def run(event: StoryEvent, ports: ExtractQuotesPorts) -> ExtractQuotesOutput:
    ports.store.get_story(event.story_id)  # the story must exist: quotes belong to it
    words = load_words(ports.store, event.response_id, STAGE)
    limit = ports.settings.max_quotes
    proposals = ports.quotes.propose(words, max_quotes=limit)
    kept: list[Quote] = []
    rejected = 0
    for rank, proposal in enumerate(proposals):
        span = find_verbatim(words, proposal.strip().strip('"“”'))
        overlaps = span is not None and any(span[0] < q.end and q.start < span[1] for q in kept)
        if span is None or overlaps:
            rejected += span is None
            continue
        start, end = span
        kept.append(Quote(text=words[start:end], start=start, end=end, score=round(1.0 - rank / (2 * limit), 3)))
        if len(kept) == limit:
            break
    ports.store.replace_quotes(event.story_id, kept)
    return ExtractQuotesOutput(story_id=event.story_id, count=len(kept), rejected=rejected)
