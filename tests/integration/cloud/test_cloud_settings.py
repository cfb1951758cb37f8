"""Cloud configuration: variables under the seed's names or FAMILYPLUS_*, validated once and failing fast
by name; keys from one Secrets Manager secret (moto) through Powertools; bootstrap picks cloud adapters."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from moto import mock_aws

from familyplus import bootstrap
from familyplus.adapters.cloud import CloudAdapters
from familyplus.adapters.cloud.idempotency import ProviderCached
from familyplus.adapters.cloud.openai_embedder import OpenAIEmbedder
from familyplus.adapters.cloud.supabase_store import SupabaseStore
from familyplus.adapters.local.sqlite_idempotency import SqlitePersistenceLayer
from familyplus.errors import ConfigurationError
from familyplus.settings import Settings, load_settings

CLOUD_VARIABLES = (
    "FAMILYPLUS_PROFILE",
    "SUPABASE_URL",
    "SUPABASE_KEY",
    "OPENAI_API_KEY",
    "CARTESIA_API_KEY",
    "AWS_REGION",
    "AWS_BEARER_TOKEN_BEDROCK",
    "FAMILYPLUS_SECRET_NAME",
    "FAMILYPLUS_IDEMPOTENCY_TABLE",
    "AWS_LAMBDA_FUNCTION_NAME",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "FAMILYPLUS_OPENAI_API_KEY",
    "FAMILYPLUS_SUPABASE_URL",
)
KEYS = {
    "SUPABASE_URL": "https://proj.supabase.co",
    "SUPABASE_KEY": "sb_secret_x",
    "OPENAI_API_KEY": "sk-x",
    "CARTESIA_API_KEY": "sk_car_x",
    "AWS_REGION": "us-west-2",
}


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for name in CLOUD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env
    load_settings.cache_clear()
    parameters.clear_caches()
    yield
    load_settings.cache_clear()
    parameters.clear_caches()


def test_the_local_profile_needs_no_keys() -> None:
    assert load_settings().profile == "local"


def test_the_cloud_profile_fails_fast_naming_every_missing_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAMILYPLUS_PROFILE", "cloud")
    monkeypatch.setenv("SUPABASE_URL", "https://proj.supabase.co")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret-value")
    with pytest.raises(ConfigurationError) as failure:
        load_settings()
    message = str(failure.value)
    assert "SUPABASE_KEY, CARTESIA_API_KEY, AWS_REGION" in message
    assert "SUPABASE_URL" not in message.split("needs")[1].split(":")[0]
    assert "sk-secret-value" not in message  # a key's value never appears in errors


def test_seed_names_and_familyplus_names_both_work(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAMILYPLUS_PROFILE", "cloud")
    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("FAMILYPLUS_OPENAI_API_KEY", "sk-prefixed")  # the prefixed name wins over the seed's
    monkeypatch.setenv("twilio_account_sid", "AC123")  # the seed's lower-case names
    monkeypatch.setenv("twilio_auth_token", "tok")
    settings = load_settings()
    assert settings.openai_api_key is not None and settings.openai_api_key.get_secret_value() == "sk-prefixed"
    assert settings.twilio_account_sid is not None and settings.twilio_account_sid.get_secret_value() == "AC123"
    assert settings.supabase_url == "https://proj.supabase.co" and settings.aws_region == "us-west-2"
    assert "sb_secret_x" not in repr(settings)  # SecretStr: keys are masked in reprs and logs


def test_in_lambda_the_idempotency_table_is_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAMILYPLUS_PROFILE", "cloud")
    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "familyplus-embed")
    with pytest.raises(ConfigurationError, match="FAMILYPLUS_IDEMPOTENCY_TABLE"):
        load_settings()


def test_keys_come_from_one_secrets_manager_secret_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-west-2",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        secrets = boto3.client("secretsmanager", region_name="us-west-2")
        secret = {
            "SUPABASE_KEY": "sb_from_secret",
            "OPENAI_API_KEY": "sk-from-secret",
            "CARTESIA_API_KEY": "car-from-secret",
            "AWS_BEARER_TOKEN_BEDROCK": "bedrock-from-secret",
            "twilio_auth_token": "twilio-from-secret",
            "SUPABASE_URL": "https://from-secret.supabase.co",
        }
        secrets.create_secret(Name="familyplus/providers", SecretString=json.dumps(secret))
        # Given only non-secret configuration in the environment, and one key overridden there
        monkeypatch.setenv("FAMILYPLUS_PROFILE", "cloud")
        monkeypatch.setenv("FAMILYPLUS_SECRET_NAME", "familyplus/providers")
        monkeypatch.setenv("SUPABASE_URL", "https://proj.supabase.co")
        monkeypatch.setenv("AWS_REGION", "us-west-2")
        monkeypatch.setenv("CARTESIA_API_KEY", "car-from-env")

        settings = load_settings()

        def revealed(field: Any) -> str:
            assert field is not None
            return str(field.get_secret_value())

        assert revealed(settings.supabase_key) == "sb_from_secret"
        assert revealed(settings.openai_api_key) == "sk-from-secret"
        assert revealed(settings.aws_bearer_token_bedrock) == "bedrock-from-secret"
        assert revealed(settings.twilio_auth_token) == "twilio-from-secret"
        assert revealed(settings.cartesia_api_key) == "car-from-env"  # the environment wins
        assert settings.supabase_url == "https://proj.supabase.co"  # set in the environment: that wins

        # Powertools caches the secret (max_age): a rotation is seen after the cache expires, not per call
        secrets.put_secret_value(
            SecretId="familyplus/providers", SecretString=json.dumps({**secret, "OPENAI_API_KEY": "sk-rotated"})
        )
        load_settings.cache_clear()
        assert revealed(load_settings().openai_api_key) == "sk-from-secret"
        parameters.clear_caches()
        load_settings.cache_clear()
        assert revealed(load_settings().openai_api_key) == "sk-rotated"


def test_a_missing_secret_fails_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-west-2",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        monkeypatch.setenv("FAMILYPLUS_SECRET_NAME", "familyplus/nope")
        with pytest.raises(ConfigurationError, match="familyplus/nope"):
            load_settings()


def test_bootstrap_builds_the_cloud_adapters_from_settings(tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None,
        profile="cloud",
        data_dir=tmp_path,
        supabase_url="https://proj.supabase.co",
        supabase_key="sb_secret_x",
        openai_api_key="sk-x",
        cartesia_api_key="car",
        aws_region="us-west-2",
        bedrock_model_id="us.anthropic.claude-haiku-4-5-20251001-v1:0",
    )
    adapters = bootstrap.build(settings)
    assert isinstance(adapters, CloudAdapters)
    assert isinstance(adapters.store, SupabaseStore)
    assert isinstance(adapters.embedder, ProviderCached) and isinstance(adapters.embedder.inner, OpenAIEmbedder)
    assert (adapters.embedder.model, adapters.embedder.dimensions) == ("text-embedding-3-small", 1536)
    assert isinstance(adapters.tagger, ProviderCached)
    assert type(adapters.tagger.inner).__name__ == "BedrockValueTagger"
    for port in ("wisdom", "writer", "quotes"):
        assert type(getattr(adapters, port).inner).__name__.startswith("Bedrock")
    bedrock = adapters.bedrock
    assert bedrock.model_id == settings.bedrock_model_id and bedrock.client.meta.region_name == "us-west-2"
    assert isinstance(adapters.cache.persistence, SqlitePersistenceLayer)  # no table set: local SQLite

    class Context:
        def get_remaining_time_in_millis(self) -> int:
            return 1234

    context = Context()
    adapters.register_lambda_context(context)
    assert adapters.cache.config.lambda_context is context


def test_the_secret_can_hold_every_provider_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given Lambda's environment as the stack sets it: profile, secret name, table; nothing else
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-west-2",
        "AWS_REGION": "us-west-2",
        "AWS_LAMBDA_FUNCTION_NAME": "familyplus-embed",
        "FAMILYPLUS_PROFILE": "cloud",
        "FAMILYPLUS_SECRET_NAME": "familyplus/providers",
        "FAMILYPLUS_IDEMPOTENCY_TABLE": "idempotency",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        secret = {**KEYS, "SUPABASE_URL": "https://from-secret.supabase.co"}
        del secret["AWS_REGION"]
        boto3.client("secretsmanager", region_name="us-west-2").create_secret(
            Name="familyplus/providers", SecretString=json.dumps(secret)
        )
        settings = load_settings()
    assert settings.supabase_url == "https://from-secret.supabase.co"
    assert settings.supabase_key is not None and settings.supabase_key.get_secret_value() == "sb_secret_x"
    assert settings.idempotency_table == "idempotency"


def test_bootstrap_builds_the_cloud_audio_adapters(tmp_path: Path) -> None:
    from familyplus.adapters.cloud.cartesia import CartesiaSpeech, CartesiaTranscriber
    from familyplus.adapters.cloud.s3_media_store import S3MediaStore
    from familyplus.errors import ConfigurationError

    base: dict[str, Any] = dict(
        _env_file=None,
        profile="cloud",
        data_dir=tmp_path,
        supabase_url="https://proj.supabase.co",
        supabase_key="sb_secret_x",
        openai_api_key="sk-x",
        cartesia_api_key="car",
        aws_region="us-west-2",
    )
    adapters = bootstrap.build(
        Settings(
            **base,
            media_bucket="media-bucket",
            audio_allowed_hosts="cdn.example.org",
            cartesia_voice_host="v-host",
            cartesia_voice_narrator="v-narr",
        )
    )
    assert isinstance(adapters.media, S3MediaStore) and adapters.media.bucket == "media-bucket"
    assert adapters.media.fetcher is not None and adapters.media.fetcher.allowed_hosts == ["cdn.example.org"]
    assert isinstance(adapters.transcriber, CartesiaTranscriber) and adapters.transcriber.model == "ink-whisper"
    assert isinstance(adapters.speech, CartesiaSpeech) and adapters.speech.voices == {
        "host": "v-host",
        "narrator": "v-narr",
    }
    bare = bootstrap.build(Settings(**base))
    with pytest.raises(ConfigurationError, match="FAMILYPLUS_MEDIA_BUCKET"):
        _ = bare.media
    with pytest.raises(ConfigurationError, match="FAMILYPLUS_CARTESIA_VOICE_HOST"):
        _ = bare.speech
