"""`Adapters`: every port a stage may ask for, as one object; `LazyAdapters`: how a profile builds them.

A profile (`familyplus.adapters.local`, `familyplus.adapters.cloud`) subclasses `LazyAdapters` with one
`cached_property` per port, so each adapter is built on first use: a Lambda only pays for the clients its
stage touches (the embed function never constructs a story writer). `bootstrap.py` picks the profile.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # annotations only: importing every port's models would cost each Lambda's cold start
    from familyplus.ports import (
        Audio,
        Embedder,
        EpisodeNotices,
        FamilyDirectory,
        MediaStore,
        Notifier,
        PodcastWriter,
        QuoteLedger,
        QuoteProposer,
        Speech,
        Store,
        StoryWriter,
        Transcriber,
        ValueTagger,
        WisdomExtractor,
    )
    from familyplus.settings import Settings


class Adapters(Protocol):
    """Every port, resolved by a profile. Satisfies each stage's `...Ports` Protocol."""

    @property
    def settings(self) -> Settings: ...
    @property
    def store(self) -> Store: ...
    @property
    def embedder(self) -> Embedder: ...
    @property
    def tagger(self) -> ValueTagger: ...
    @property
    def wisdom(self) -> WisdomExtractor: ...
    @property
    def writer(self) -> StoryWriter: ...
    @property
    def quotes(self) -> QuoteProposer: ...
    @property
    def audio(self) -> Audio: ...
    @property
    def media(self) -> MediaStore: ...
    @property
    def transcriber(self) -> Transcriber: ...
    @property
    def speech(self) -> Speech: ...
    @property
    def podcast_writer(self) -> PodcastWriter: ...
    @property
    def families(self) -> FamilyDirectory: ...
    @property
    def quote_ledger(self) -> QuoteLedger: ...
    @property
    def episode_notices(self) -> EpisodeNotices: ...
    @property
    def notifier(self) -> Notifier: ...

    def register_lambda_context(self, context: object) -> None:
        """Call at the start of every invocation: a provider call's in-progress idempotency record then
        expires with this invocation, so a Lambda killed by its timeout never blocks the retry."""
        ...


class LazyAdapters:
    """The base of a profile's adapters: each port a `cached_property`, built on first use."""

    def __init__(self, settings: Settings, **overrides: object) -> None:
        """`overrides` replace named ports (tests, fault injection): `build(settings, tagger=MyTagger())`."""
        self.settings = settings
        for name, adapter in overrides.items():
            if not isinstance(getattr(type(self), name, None), cached_property):
                raise TypeError(f"unknown port {name!r}")
            self.__dict__[name] = adapter  # pre-fills the cached_property

    def register_lambda_context(self, context: object) -> None:
        """Nothing to bound here: only a profile with a provider-call cache (cloud) overrides this."""
