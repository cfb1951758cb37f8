"""The composition root: the one place that picks cloud or local adapters for each port.

Adapters are built lazily, on first use, so a Lambda only pays for the clients its stage touches (the embed
function never constructs a story writer). Handlers get the process-wide instance from `current()`; tests and
the local runtime may `install()` their own.
"""

from __future__ import annotations

import threading
from functools import cached_property

from familyplus.ports import Embedder, QuoteProposer, Store, StoryWriter, ValueTagger, WisdomExtractor
from familyplus.settings import Settings, load_settings


class Adapters:
    """Every port, resolved by `settings.profile`. Satisfies each stage's `...Ports` Protocol."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def store(self) -> Store:
        from familyplus.adapters.local.sqlite_store import SqliteStore

        return SqliteStore(self.settings.database_path)

    @cached_property
    def embedder(self) -> Embedder:
        from familyplus.adapters.local.hashing_embedder import HashingEmbedder

        return HashingEmbedder()

    @cached_property
    def tagger(self) -> ValueTagger:
        from familyplus.adapters.local.lexicon_tagger import LexiconValueTagger

        return LexiconValueTagger()

    @cached_property
    def wisdom(self) -> WisdomExtractor:
        from familyplus.adapters.local.advice_wisdom import AdviceWisdomExtractor

        return AdviceWisdomExtractor()

    @cached_property
    def writer(self) -> StoryWriter:
        from familyplus.adapters.local.extractive_writer import ExtractiveStoryWriter

        return ExtractiveStoryWriter()

    @cached_property
    def quotes(self) -> QuoteProposer:
        from familyplus.adapters.local.sentence_quotes import SentenceQuoteProposer

        return SentenceQuoteProposer()


_lock = threading.Lock()
_current: Adapters | None = None


def current() -> Adapters:
    """The process-wide adapters (built once per cold start)."""
    global _current
    with _lock:
        if _current is None:
            _current = Adapters(load_settings())
        return _current


def install(adapters: Adapters | None) -> None:
    """Replace the process-wide adapters (local runtime, tests); None resets to settings on next use."""
    global _current
    with _lock:
        _current = adapters
