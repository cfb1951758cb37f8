"""The `cloud` profile: Supabase store, OpenAI embedder, Bedrock (tagger, wisdom, writer, quotes, podcast
script), Cartesia (speech to text, text to speech), S3 media, Twilio SMS.

`build(settings)` returns its `CloudAdapters`, built lazily (a Lambda pays only for the clients its stage
touches), each provider port wrapped in the provider-call cache (`ProviderCache`); handlers call
`register_lambda_context(context)` once per invocation (see `familyplus.adapters.cloud.idempotency`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from familyplus.adapters.base import LazyAdapters
from familyplus.errors import ConfigurationError
from familyplus.settings import Settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer

    from familyplus.adapters.cloud.bedrock import BedrockToolClient
    from familyplus.adapters.cloud.idempotency import ProviderCache
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

#: Builds a provider-call persistence layer in a file (the local SQLite one, passed in by bootstrap.py).
LocalIdempotency = Callable[[Path], "BasePersistenceLayer"]


def _required(value: str | SecretStr | None, variable: str) -> str:
    """Settings validated this already for profile=cloud; this narrows the type and guards direct use."""
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if not value:
        raise ConfigurationError(f"{variable} is not set (needed by the cloud profile)")
    return value


class CloudAdapters(LazyAdapters):
    """The providers behind each port; `local_idempotency` is the provider-call cache's persistence when no
    DynamoDB table is configured (the cloud profile run from a laptop)."""

    def __init__(
        self, settings: Settings, *, local_idempotency: LocalIdempotency | None = None, **overrides: object
    ) -> None:
        super().__init__(settings, **overrides)
        self.local_idempotency = local_idempotency

    def register_lambda_context(self, context: object) -> None:
        """Bound in-progress provider-call records by this invocation's deadline (call on every invocation)."""
        self.cache.register_lambda_context(context)

    # --- infrastructure ------------------------------------------------------------------------------

    @cached_property
    def cache(self) -> ProviderCache:
        from familyplus.adapters.cloud.idempotency import ProviderCache

        s = self.settings
        if s.idempotency_table:
            from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

            from familyplus.adapters.cloud.aws import dynamodb_client

            client = dynamodb_client(region=s.aws_region)
            table = s.idempotency_table
            return ProviderCache(
                lambda: DynamoDBPersistenceLayer(table_name=table, boto3_client=client), ttl=s.idempotency_ttl
            )
        local = self.local_idempotency
        if local is None:
            raise ConfigurationError("FAMILYPLUS_IDEMPOTENCY_TABLE is not set (needed by the cloud profile)")
        path = s.data_dir / "idempotency.db"
        return ProviderCache(lambda: local(path), ttl=s.idempotency_ttl)

    @cached_property
    def bedrock(self) -> BedrockToolClient:
        from familyplus.adapters.cloud.aws import bedrock_runtime_client
        from familyplus.adapters.cloud.bedrock import BedrockToolClient

        s = self.settings
        token = s.aws_bearer_token_bedrock.get_secret_value() if s.aws_bearer_token_bedrock else None
        client = bedrock_runtime_client(
            region=_required(s.bedrock_region or s.aws_region, "AWS_REGION"),
            read_timeout=s.provider_timeout,
            bearer_token=token,
        )
        return BedrockToolClient(client, s.bedrock_model_id, max_tokens=s.bedrock_max_tokens)

    @cached_property
    def supabase(self) -> Any:
        """One service-role Supabase client for every Supabase-backed port of this process."""
        from familyplus.adapters.cloud.supabase_store import make_supabase_client

        s = self.settings
        return make_supabase_client(
            _required(s.supabase_url, "SUPABASE_URL"),
            _required(s.supabase_key, "SUPABASE_KEY"),
            timeout=s.provider_timeout,
        )

    # --- ports ---------------------------------------------------------------------------------------

    @cached_property
    def store(self) -> Store:
        from familyplus.adapters.cloud.supabase_store import SupabaseStore

        return SupabaseStore(self.supabase)

    @cached_property
    def embedder(self) -> Embedder:
        from familyplus.adapters.cloud.idempotency import EMBED, cached
        from familyplus.adapters.cloud.openai_embedder import OpenAIEmbedder, make_openai_client

        s = self.settings
        client = make_openai_client(_required(s.openai_api_key, "OPENAI_API_KEY"), timeout=s.provider_timeout)
        return cached(OpenAIEmbedder(client, model=s.openai_embedding_model), self.cache, EMBED)

    @cached_property
    def tagger(self) -> ValueTagger:
        from familyplus.adapters.cloud.bedrock_adapters import BedrockValueTagger
        from familyplus.adapters.cloud.idempotency import TAG_VALUES, cached

        return cached(BedrockValueTagger(self.bedrock, max_tags=self.settings.max_tags), self.cache, TAG_VALUES)

    @cached_property
    def wisdom(self) -> WisdomExtractor:
        from familyplus.adapters.cloud.bedrock_adapters import BedrockWisdomExtractor
        from familyplus.adapters.cloud.idempotency import EXTRACT_WISDOM, cached

        return cached(BedrockWisdomExtractor(self.bedrock), self.cache, EXTRACT_WISDOM)

    @cached_property
    def writer(self) -> StoryWriter:
        from familyplus.adapters.cloud.bedrock_adapters import BedrockStoryWriter
        from familyplus.adapters.cloud.idempotency import WRITE_STORY, cached

        return cached(BedrockStoryWriter(self.bedrock), self.cache, WRITE_STORY)

    @cached_property
    def quotes(self) -> QuoteProposer:
        from familyplus.adapters.cloud.bedrock_adapters import BedrockQuoteProposer
        from familyplus.adapters.cloud.idempotency import EXTRACT_QUOTES, cached

        return cached(BedrockQuoteProposer(self.bedrock), self.cache, EXTRACT_QUOTES)

    # --- audio: transcription and podcasts --------------------------------------------------------------

    @cached_property
    def audio(self) -> Audio:
        from familyplus.adapters.shared.ffmpeg_audio import FfmpegAudio

        return FfmpegAudio(self.settings.ffmpeg_path)

    @cached_property
    def media(self) -> MediaStore:
        from familyplus.adapters.cloud.s3_media_store import S3MediaStore
        from familyplus.adapters.shared.https_fetcher import fetcher_from_settings

        bucket = _required(self.settings.media_bucket, "FAMILYPLUS_MEDIA_BUCKET")
        return S3MediaStore(bucket, prefix=self.settings.media_prefix, fetcher=fetcher_from_settings(self.settings))

    @cached_property
    def transcriber(self) -> Transcriber:
        from familyplus.adapters.cloud.cartesia import CartesiaTranscriber

        s = self.settings
        return CartesiaTranscriber(
            _required(s.cartesia_api_key, "CARTESIA_API_KEY"),
            model=s.cartesia_stt_model,
            base_url=s.cartesia_base_url,
            version=s.cartesia_version,
            timeout_s=s.cartesia_timeout_seconds,
        )

    @cached_property
    def speech(self) -> Speech:
        from familyplus.adapters.cloud.cartesia import CartesiaSpeech

        s = self.settings
        return CartesiaSpeech(
            _required(s.cartesia_api_key, "CARTESIA_API_KEY"),
            voices={
                "host": _required(s.cartesia_voice_host, "FAMILYPLUS_CARTESIA_VOICE_HOST"),
                "narrator": _required(s.cartesia_voice_narrator, "FAMILYPLUS_CARTESIA_VOICE_NARRATOR"),
            },
            model=s.cartesia_tts_model,
            base_url=s.cartesia_base_url,
            version=s.cartesia_version,
            timeout_s=s.cartesia_timeout_seconds,
        )

    @cached_property
    def podcast_writer(self) -> PodcastWriter:
        from familyplus.adapters.cloud.bedrock_adapters import BedrockPodcastScriptWriter
        from familyplus.adapters.cloud.idempotency import PODCAST_SCRIPT, cached

        return cached(BedrockPodcastScriptWriter(self.bedrock), self.cache, PODCAST_SCRIPT)

    # --- daily quotes ----------------------------------------------------------------------------------

    @cached_property
    def families(self) -> FamilyDirectory:
        from familyplus.adapters.cloud.supabase_daily_quotes import SupabaseFamilyDirectory

        return SupabaseFamilyDirectory(self.supabase)

    @cached_property
    def quote_ledger(self) -> QuoteLedger:
        from familyplus.adapters.cloud.supabase_daily_quotes import SupabaseQuoteLedger

        return SupabaseQuoteLedger(self.supabase)

    @cached_property
    def episode_notices(self) -> EpisodeNotices:
        from familyplus.adapters.cloud.supabase_episode_notices import SupabaseEpisodeNotices

        return SupabaseEpisodeNotices(self.supabase)

    @cached_property
    def notifier(self) -> Notifier:
        """Twilio SMS; its keys are required (a Lambda's file system is read-only: an outbox would lose messages)."""
        from familyplus.adapters.shared.twilio_notifier import twilio_from_settings

        twilio = twilio_from_settings(self.settings)
        if twilio is None:
            raise ConfigurationError("twilio_account_sid and twilio_auth_token are needed by the cloud profile")
        return twilio


def build(
    settings: Settings, *, local_idempotency: LocalIdempotency | None = None, **overrides: object
) -> CloudAdapters:
    """The cloud profile's adapters; `overrides` replace named ports (tests, fault injection)."""
    return CloudAdapters(settings, local_idempotency=local_idempotency, **overrides)
