"""The `local` profile: SQLite, files and simple, honest algorithms — no keys, no network.

`build(settings)` returns its `LocalAdapters`; each port is built on first use. With Twilio keys set, the
daily quote goes out by SMS even here (the shared Twilio adapter); without them, to the local outbox file.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from familyplus.adapters.base import LazyAdapters
from familyplus.settings import Settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer

    from familyplus.adapters.local.local_media_store import LocalMediaStore
    from familyplus.ports import (
        Audio,
        Embedder,
        EpisodeNotices,
        FamilyDirectory,
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


class LocalAdapters(LazyAdapters):
    """Every port on this machine: the SQLite database and media folder under `data_dir`, offline models."""

    @cached_property
    def store(self) -> Store:
        from familyplus.adapters.local.sqlite_store import SqliteStore

        return SqliteStore(self.settings.database_path)

    @cached_property
    def embedder(self) -> Embedder:
        from familyplus.adapters.local.sentence_embedder import SentenceEmbedder

        return SentenceEmbedder()

    @cached_property
    def tagger(self) -> ValueTagger:
        from familyplus.adapters.local.meaning_tagger import MeaningValueTagger

        return MeaningValueTagger()

    @cached_property
    def wisdom(self) -> WisdomExtractor:
        from familyplus.adapters.local.sentence_wisdom import SentenceWisdomExtractor

        return SentenceWisdomExtractor()

    @cached_property
    def writer(self) -> StoryWriter:
        from familyplus.adapters.local.extractive_writer import ExtractiveStoryWriter

        return ExtractiveStoryWriter()

    @cached_property
    def quotes(self) -> QuoteProposer:
        from familyplus.adapters.local.sentence_quotes import SentenceQuoteProposer

        return SentenceQuoteProposer()

    # --- audio: transcription and podcasts --------------------------------------------------------------

    @cached_property
    def audio(self) -> Audio:
        from familyplus.adapters.shared.ffmpeg_audio import FfmpegAudio

        return FfmpegAudio(self.settings.ffmpeg_path)

    @cached_property
    def media(self) -> LocalMediaStore:
        from familyplus.adapters.local.local_media_store import LocalMediaStore
        from familyplus.adapters.shared.https_fetcher import fetcher_from_settings

        return LocalMediaStore(self.settings.data_dir / "media", fetcher=fetcher_from_settings(self.settings))

    @cached_property
    def transcriber(self) -> Transcriber:
        from familyplus.adapters.local.whisper_transcriber import WhisperTranscriber

        return WhisperTranscriber(self.settings.whisper_cache_dir or self.settings.data_dir / "models")

    @cached_property
    def speech(self) -> Speech:
        from familyplus.adapters.local.espeak_speech import EspeakSpeech

        return EspeakSpeech()

    @cached_property
    def podcast_writer(self) -> PodcastWriter:
        from familyplus.adapters.local.template_podcast_writer import TemplatePodcastWriter

        return TemplatePodcastWriter()

    # --- daily quotes ----------------------------------------------------------------------------------

    @cached_property
    def families(self) -> FamilyDirectory:
        from familyplus.adapters.local.sqlite_daily_quotes import SqliteFamilyDirectory

        return SqliteFamilyDirectory(self.settings.database_path)

    @cached_property
    def quote_ledger(self) -> QuoteLedger:
        from familyplus.adapters.local.sqlite_daily_quotes import SqliteQuoteLedger

        return SqliteQuoteLedger(self.settings.database_path)

    @cached_property
    def episode_notices(self) -> EpisodeNotices:
        from familyplus.adapters.local.sqlite_episode_notices import SqliteEpisodeNotices

        return SqliteEpisodeNotices(self.settings.database_path)

    @cached_property
    def notifier(self) -> Notifier:
        """Twilio SMS when its keys are set, else the outbox file (one JSON line per message)."""
        from familyplus.adapters.shared.twilio_notifier import twilio_from_settings

        twilio = twilio_from_settings(self.settings)
        if twilio is not None:
            return twilio
        from familyplus.adapters.local.outbox_notifier import OutboxNotifier

        return OutboxNotifier(self.settings.outbox_path)


def build(settings: Settings, **overrides: object) -> LocalAdapters:
    """The local profile's adapters; `overrides` replace named ports (tests, fault injection)."""
    return LocalAdapters(settings, **overrides)


def sqlite_idempotency_layer(path: Path) -> BasePersistenceLayer:
    """Provider-call idempotency records in a SQLite file: the cloud profile's cache when it runs off AWS
    with no DynamoDB table (bootstrap.py passes this to `cloud.build`)."""
    from familyplus.adapters.local.sqlite_idempotency import SqlitePersistenceLayer

    return SqlitePersistenceLayer(path)
