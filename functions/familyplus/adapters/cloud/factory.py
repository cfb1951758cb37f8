"""`CloudAdapters`: the cloud profile's ports, built from `Settings` lazily (a Lambda pays only for the
clients its stage touches), each provider port wrapped in the provider-call cache (`ProviderCache`).

bootstrap.py delegates to it when `settings.profile == "cloud"`; handlers call
`register_lambda_context(context)` once per invocation (see `familyplus.adapters.cloud.idempotency`).
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from pydantic import SecretStr

from familyplus.adapters.cloud.bedrock import BedrockToolClient
from familyplus.adapters.cloud.idempotency import (
    IdempotentEmbedder,
    IdempotentPodcastWriter,
    IdempotentQuoteProposer,
    IdempotentStoryWriter,
    IdempotentValueTagger,
    IdempotentWisdomExtractor,
    ProviderCache,
)
from familyplus.errors import ConfigurationError
from familyplus.settings import Settings


def _required(value: str | SecretStr | None, variable: str) -> str:
    """Settings validated this already for profile=cloud; this narrows the type and guards direct use."""
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if not value:
        raise ConfigurationError(f"{variable} is not set (needed by the cloud profile)")
    return value


class CloudAdapters:
    """Supabase store; OpenAI embedder; Bedrock tagger, wisdom, writer, quotes and podcast script writer."""

    def __init__(self, settings: Settings) -> None:
        if settings.profile != "cloud":
            raise ConfigurationError("CloudAdapters needs FAMILYPLUS_PROFILE=cloud")
        self.settings = settings

    def register_lambda_context(self, context: Any) -> None:
        """Bound in-progress provider-call records by this invocation's deadline (call on every invocation)."""
        self.cache.register_lambda_context(context)

    # --- infrastructure ------------------------------------------------------------------------------

    @cached_property
    def cache(self) -> ProviderCache:
        s = self.settings
        if s.idempotency_table:
            from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

            from familyplus.adapters.cloud.aws import dynamodb_client

            client = dynamodb_client(region=s.aws_region)
            table = s.idempotency_table
            return ProviderCache(
                lambda: DynamoDBPersistenceLayer(table_name=table, boto3_client=client), ttl=s.idempotency_ttl
            )
        from familyplus.adapters.cloud.sqlite_idempotency import SqlitePersistenceLayer

        path = s.data_dir / "idempotency.db"
        return ProviderCache(lambda: SqlitePersistenceLayer(path), ttl=s.idempotency_ttl)

    @cached_property
    def bedrock(self) -> BedrockToolClient:
        from familyplus.adapters.cloud.aws import bedrock_runtime_client

        s = self.settings
        token = s.aws_bearer_token_bedrock.get_secret_value() if s.aws_bearer_token_bedrock else None
        client = bedrock_runtime_client(
            region=_required(s.bedrock_region or s.aws_region, "AWS_REGION"),
            read_timeout=s.provider_timeout,
            bearer_token=token,
        )
        return BedrockToolClient(client, s.bedrock_model_id, max_tokens=s.bedrock_max_tokens)

    # --- ports ---------------------------------------------------------------------------------------

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

    @cached_property
    def store(self) -> Any:
        from familyplus.adapters.cloud.supabase_store import SupabaseStore

        return SupabaseStore(self.supabase)

    @cached_property
    def families(self) -> Any:
        from familyplus.adapters.cloud.supabase_daily_quotes import SupabaseFamilyDirectory

        return SupabaseFamilyDirectory(self.supabase)

    @cached_property
    def episode_notices(self) -> Any:
        from familyplus.adapters.cloud.supabase_episode_notices import SupabaseEpisodeNotices

        return SupabaseEpisodeNotices(self.supabase)

    @cached_property
    def quote_ledger(self) -> Any:
        from familyplus.adapters.cloud.supabase_daily_quotes import SupabaseQuoteLedger

        return SupabaseQuoteLedger(self.supabase)

    @cached_property
    def embedder(self) -> IdempotentEmbedder:
        from familyplus.adapters.cloud.openai_embedder import OpenAIEmbedder, make_openai_client

        s = self.settings
        client = make_openai_client(_required(s.openai_api_key, "OPENAI_API_KEY"), timeout=s.provider_timeout)
        return IdempotentEmbedder(OpenAIEmbedder(client, model=s.openai_embedding_model), self.cache)

    @cached_property
    def tagger(self) -> IdempotentValueTagger:
        from familyplus.adapters.cloud.bedrock_adapters import BedrockValueTagger

        return IdempotentValueTagger(BedrockValueTagger(self.bedrock, max_tags=self.settings.max_tags), self.cache)

    @cached_property
    def wisdom(self) -> IdempotentWisdomExtractor:
        from familyplus.adapters.cloud.bedrock_adapters import BedrockWisdomExtractor

        return IdempotentWisdomExtractor(BedrockWisdomExtractor(self.bedrock), self.cache)

    @cached_property
    def writer(self) -> IdempotentStoryWriter:
        from familyplus.adapters.cloud.bedrock_adapters import BedrockStoryWriter

        return IdempotentStoryWriter(BedrockStoryWriter(self.bedrock), self.cache)

    @cached_property
    def quotes(self) -> IdempotentQuoteProposer:
        from familyplus.adapters.cloud.bedrock_adapters import BedrockQuoteProposer

        return IdempotentQuoteProposer(BedrockQuoteProposer(self.bedrock), self.cache)

    @cached_property
    def podcast_writer(self) -> IdempotentPodcastWriter:
        from familyplus.adapters.cloud.bedrock_adapters import BedrockPodcastScriptWriter

        return IdempotentPodcastWriter(BedrockPodcastScriptWriter(self.bedrock), self.cache)

    # --- audio (issue 6) -------------------------------------------------------------------------------

    @cached_property
    def media(self) -> Any:
        from familyplus.adapters.cloud.s3_media_store import S3MediaStore
        from familyplus.adapters.https_fetcher import fetcher_from_settings

        bucket = _required(self.settings.media_bucket, "FAMILYPLUS_MEDIA_BUCKET")
        return S3MediaStore(bucket, prefix=self.settings.media_prefix, fetcher=fetcher_from_settings(self.settings))

    @cached_property
    def transcriber(self) -> Any:
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
    def speech(self) -> Any:
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
