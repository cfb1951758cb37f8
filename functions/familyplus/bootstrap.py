"""The composition root: the one place that picks cloud or local adapters for each port.

Adapters are built lazily, on first use, so a Lambda only pays for the clients its stage touches (the embed
function never constructs a story writer). Handlers get the process-wide instance from `current()`; tests and
the local runtime may `install()` their own.
"""

from __future__ import annotations

import threading
from functools import cached_property
from typing import TYPE_CHECKING

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
from familyplus.settings import Settings, load_settings

if TYPE_CHECKING:
    from familyplus.adapters.cloud.factory import CloudAdapters


class Adapters:
    """Every port, resolved by `settings.profile`. Satisfies each stage's `...Ports` Protocol."""

    def __init__(self, settings: Settings, **overrides: object) -> None:
        """`overrides` replace named ports (tests, fault injection): `Adapters(settings, tagger=MyTagger())`."""
        self.settings = settings
        for name, adapter in overrides.items():
            if not isinstance(getattr(type(self), name, None), cached_property):
                raise TypeError(f"unknown port {name!r}")
            self.__dict__[name] = adapter  # pre-fills the cached_property

    @property
    def cloud(self) -> CloudAdapters:
        """The cloud profile's adapters (built on first use; only when FAMILYPLUS_PROFILE=cloud)."""
        if "_cloud" not in self.__dict__:
            from familyplus.adapters.cloud.factory import CloudAdapters

            self.__dict__["_cloud"] = CloudAdapters(self.settings)
        cloud: CloudAdapters = self.__dict__["_cloud"]
        return cloud

    def register_lambda_context(self, context: object) -> None:
        """Call at the start of every invocation: a provider call's in-progress idempotency record then
        expires with this invocation, so a Lambda killed by its timeout never blocks the retry."""
        if self.settings.profile == "cloud":
            self.cloud.register_lambda_context(context)

    @cached_property
    def store(self) -> Store:
        if self.settings.profile == "cloud":
            return self.cloud.store
        from familyplus.adapters.local.sqlite_store import SqliteStore

        return SqliteStore(self.settings.database_path)

    @cached_property
    def embedder(self) -> Embedder:
        if self.settings.profile == "cloud":
            return self.cloud.embedder
        from familyplus.adapters.local.minilm_embedder import MiniLmEmbedder

        return MiniLmEmbedder()

    @cached_property
    def tagger(self) -> ValueTagger:
        if self.settings.profile == "cloud":
            return self.cloud.tagger
        from familyplus.adapters.local.meaning_tagger import MeaningValueTagger

        return MeaningValueTagger()

    @cached_property
    def wisdom(self) -> WisdomExtractor:
        if self.settings.profile == "cloud":
            return self.cloud.wisdom
        from familyplus.adapters.local.sentence_wisdom import SentenceWisdomExtractor

        return SentenceWisdomExtractor()

    @cached_property
    def writer(self) -> StoryWriter:
        if self.settings.profile == "cloud":
            return self.cloud.writer
        from familyplus.adapters.local.extractive_writer import ExtractiveStoryWriter

        return ExtractiveStoryWriter()

    @cached_property
    def quotes(self) -> QuoteProposer:
        if self.settings.profile == "cloud":
            return self.cloud.quotes
        from familyplus.adapters.local.sentence_quotes import SentenceQuoteProposer

        return SentenceQuoteProposer()

    # --- audio: transcription and podcasts --------------------------------------------------------------

    @cached_property
    def audio(self) -> Audio:
        from familyplus.adapters.ffmpeg_audio import FfmpegAudio

        return FfmpegAudio(self.settings.ffmpeg_path)

    @cached_property
    def media(self) -> MediaStore:
        if self.settings.profile == "cloud":
            return self.cloud.media
        from familyplus.adapters.https_fetcher import fetcher_from_settings
        from familyplus.adapters.local.local_media_store import LocalMediaStore

        return LocalMediaStore(self.settings.data_dir / "media", fetcher=fetcher_from_settings(self.settings))

    @cached_property
    def transcriber(self) -> Transcriber:
        if self.settings.profile == "cloud":
            return self.cloud.transcriber
        from familyplus.adapters.local.whisper_transcriber import WhisperTranscriber

        return WhisperTranscriber(self.settings.whisper_cache_dir or self.settings.data_dir / "models")

    @cached_property
    def speech(self) -> Speech:
        if self.settings.profile == "cloud":
            return self.cloud.speech
        from familyplus.adapters.local.espeak_speech import EspeakSpeech

        return EspeakSpeech()

    @cached_property
    def podcast_writer(self) -> PodcastWriter:
        if self.settings.profile == "cloud":
            return self.cloud.podcast_writer
        from familyplus.adapters.local.template_podcast_writer import TemplatePodcastWriter

        return TemplatePodcastWriter()

    # --- daily quotes (issue 5) ------------------------------------------------------------------------

    @cached_property
    def families(self) -> FamilyDirectory:
        if self.settings.profile == "cloud":
            return self.cloud.families
        from familyplus.adapters.local.sqlite_daily_quotes import SqliteFamilyDirectory

        return SqliteFamilyDirectory(self.settings.database_path)

    @cached_property
    def quote_ledger(self) -> QuoteLedger:
        if self.settings.profile == "cloud":
            return self.cloud.quote_ledger
        from familyplus.adapters.local.sqlite_daily_quotes import SqliteQuoteLedger

        return SqliteQuoteLedger(self.settings.database_path)

    @cached_property
    def episode_notices(self) -> EpisodeNotices:
        if self.settings.profile == "cloud":
            return self.cloud.episode_notices
        from familyplus.adapters.local.sqlite_episode_notices import SqliteEpisodeNotices

        return SqliteEpisodeNotices(self.settings.database_path)

    @cached_property
    def notifier(self) -> Notifier:
        """Twilio SMS when its keys are set, else (local profile only) the local outbox file."""
        from familyplus.errors import ConfigurationError

        s = self.settings
        if s.twilio_account_sid and s.twilio_auth_token:
            from familyplus.adapters.cloud.twilio_notifier import TwilioNotifier

            if not s.twilio_from:
                raise ConfigurationError("FAMILYPLUS_TWILIO_FROM is not set (needed with the Twilio keys)")
            return TwilioNotifier(
                s.twilio_account_sid.get_secret_value(),
                s.twilio_auth_token.get_secret_value(),
                s.twilio_from,
                timeout=s.provider_timeout,
                api=s.twilio_api_url,
            )
        if s.profile == "cloud":  # a Lambda's file system is read-only: an outbox there would lose messages
            raise ConfigurationError("twilio_account_sid and twilio_auth_token are needed by the cloud profile")
        from familyplus.adapters.local.outbox_notifier import OutboxNotifier

        return OutboxNotifier(s.outbox_path)


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
