"""Every environment variable the Lambda package reads, declared and validated once.

Business logic never reads `os.environ`: handlers get a `Settings` from `load_settings()` (cached per cold
start) and `bootstrap.py` turns it into adapters. Locally a git-ignored `.env` is read too (or, when there
is no `.env`, the seed's `.dev.vars`: the same KEY=value lines); `.env.example` documents every variable.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from familyplus.errors import ConfigurationError


def _env(name: str, *seed_names: str) -> Any:
    """A cloud variable read as FAMILYPLUS_<NAME> or under the seed's own name (SUPABASE_URL, ...)."""
    return AliasChoices(f"FAMILYPLUS_{name.upper()}", *seed_names)


class Settings(BaseSettings):
    # env_ignore_empty: `NAME=` (as in .env.example) means unset, so the default applies.
    model_config = SettingsConfigDict(
        env_prefix="FAMILYPLUS_", env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    #: `local`: SQLite + files + offline providers (no keys). `cloud`: Supabase, Bedrock, OpenAI, Cartesia, S3.
    profile: Literal["local", "cloud"] = "local"
    #: Local profile: folder for the SQLite database and media files.
    data_dir: Path = Path(".familyplus")
    #: How many quotes a story keeps at most.
    max_quotes: int = Field(default=5, ge=1, le=20)
    #: How many value tags a response keeps at most.
    max_tags: int = Field(default=5, ge=1, le=16)
    #: Fault injection (local runtime), e.g. `tag_values=transient:2,embed=permanent,store=unavailable:3`;
    #: empty: none. See `familyplus.faults` and docs/reliability.md.
    faults: str = ""

    # --- cloud profile (adapters/cloud; README "Cloud configuration") ------------------------------------
    # The variables declared with `_env(...)` (keys, SUPABASE_URL, ...) may also come from one Secrets Manager
    # secret, see `secret_name`.
    #: AWS: name of the Secrets Manager secret (a JSON object keyed by the variable names below) holding the
    #: provider keys; read through Powertools parameters, cached `secret_max_age` seconds.
    secret_name: str | None = None
    secret_max_age: int = Field(default=300, ge=0)
    aws_region: str | None = Field(default=None, validation_alias=_env("aws_region", "AWS_REGION"))
    #: Bedrock model (or inference profile) id for tagging, wisdom, stories, quotes and podcast scripts.
    bedrock_model_id: str = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
    #: Region of the Bedrock endpoint; defaults to AWS_REGION.
    bedrock_region: str | None = None
    bedrock_max_tokens: int = Field(default=4096, ge=256, le=32_000)
    #: Bedrock API key (botocore >= 1.39 bearer auth); unset: the Lambda role's credentials sign requests.
    aws_bearer_token_bedrock: SecretStr | None = Field(
        default=None, validation_alias=_env("aws_bearer_token_bedrock", "AWS_BEARER_TOKEN_BEDROCK")
    )
    openai_api_key: SecretStr | None = Field(default=None, validation_alias=_env("openai_api_key", "OPENAI_API_KEY"))
    openai_embedding_model: str = "text-embedding-3-small"
    supabase_url: str | None = Field(default=None, validation_alias=_env("supabase_url", "SUPABASE_URL"))
    #: Supabase service-role key (bypasses row level security: server side only).
    supabase_key: SecretStr | None = Field(default=None, validation_alias=_env("supabase_key", "SUPABASE_KEY"))
    cartesia_api_key: SecretStr | None = Field(
        default=None, validation_alias=_env("cartesia_api_key", "CARTESIA_API_KEY")
    )
    #: Cartesia's API origin; another origin (a regional or test endpoint) can be set here or in the secret.
    cartesia_base_url: str = Field(
        default="https://api.cartesia.ai", validation_alias=_env("cartesia_base_url", "CARTESIA_BASE_URL")
    )
    twilio_account_sid: SecretStr | None = Field(
        default=None, validation_alias=_env("twilio_account_sid", "twilio_account_sid")
    )
    twilio_auth_token: SecretStr | None = Field(
        default=None, validation_alias=_env("twilio_auth_token", "twilio_auth_token")
    )
    #: Twilio sender: a phone number (E.164) or a Messaging Service SID (MG...). Needed with the Twilio keys.
    twilio_from: str | None = Field(default=None, validation_alias=_env("twilio_from", "TWILIO_FROM"))
    #: Twilio's REST API base (default the public one); another base (a test endpoint) here or in the secret.
    twilio_api_url: str = Field(
        default="https://api.twilio.com/2010-04-01", validation_alias=_env("twilio_api_url", "TWILIO_API_URL")
    )
    #: Daily quote: a quote is not sent to the same family again within this many days.
    quote_repeat_days: int = Field(default=30, ge=0, le=3650)
    #: Daily quote: the local hour (family's timezone) in which the hourly job delivers.
    quote_send_hour: int = Field(default=9, ge=0, le=23)
    #: Daily podcasts: at most this many stories (oldest first) per nightly run; the rest wait for the next.
    daily_podcast_limit: int = Field(default=50, ge=1, le=500)
    #: Seconds a provider call (Bedrock, OpenAI, Supabase) may take; keep it below the Lambda timeout so a
    #: slow provider surfaces as a retried TransientError, not as an unretried Sandbox.Timedout.
    provider_timeout: float = Field(default=45.0, gt=0, le=600)
    #: DynamoDB table of idempotency records (provider-call cache); unset: SQLite in `data_dir`.
    idempotency_table: str | None = None
    #: How long a provider answer is reused for the same content (seconds; the seed's 24 h cache).
    idempotency_ttl: int = Field(default=86_400, ge=60)
    #: Set by Lambda itself; tells settings we run in AWS (where the idempotency table is required).
    lambda_function_name: str | None = Field(default=None, validation_alias="AWS_LAMBDA_FUNCTION_NAME")

    # --- audio (transcription, podcasts) ---------------------------------------------------------------
    #: A recording longer than this is cut into chunks transcribed in parallel (DESIGN.md §4).
    audio_chunk_threshold_seconds: float = Field(default=600.0, gt=0)
    audio_chunk_seconds: float = Field(default=600.0, gt=0)
    #: Overlap between chunks, so no word is cut in two; merge_transcript removes the duplicates.
    audio_chunk_overlap_seconds: float = Field(default=5.0, ge=0)
    #: Caps on a recording: bytes fetched or read, and duration after probing.
    audio_max_bytes: int = Field(default=200 * 1024 * 1024, gt=0)
    audio_max_seconds: float = Field(default=7200.0, gt=0)
    #: Hosts `https` audio URLs may be fetched from (comma-separated); empty: URLs are refused.
    audio_allowed_hosts: str = ""
    audio_fetch_timeout_seconds: float = Field(default=30.0, gt=0)
    #: Chunks transcribed at once (the Map's MaxConcurrency): keep within the STT provider's concurrency quota.
    transcribe_max_concurrency: int = Field(default=4, ge=1, le=40)
    #: Spoken language for transcription (ISO 639-1); empty: detect.
    transcribe_language: str | None = "en"
    podcast_crossfade_seconds: float = Field(default=0.25, ge=0, le=5)
    #: FFmpeg binary; the Lambda layer puts it at /opt/bin/ffmpeg. Unset: the imageio-ffmpeg wheel's binary.
    ffmpeg_path: str | None = Field(
        default=None, validation_alias=AliasChoices("FAMILYPLUS_FFMPEG_PATH", "FFMPEG_PATH")
    )
    #: Where the offline Whisper model is assembled once (default: <data_dir>/models).
    whisper_cache_dir: Path | None = None
    #: Cloud profile: S3 bucket (and key prefix) for recordings, chunks and podcasts.
    media_bucket: str | None = None
    media_prefix: str = ""
    cartesia_version: str = "2025-04-16"
    cartesia_stt_model: str = "ink-whisper"
    cartesia_tts_model: str = "sonic-2"
    #: Cartesia voice ids for the podcast's host and narrator (cloud profile).
    #: Also read from the secret (CARTESIA_VOICE_HOST / CARTESIA_VOICE_NARRATOR): the template sets no voice,
    #: so a deployed stack gets them where ops put the provider keys.
    cartesia_voice_host: str | None = Field(
        default=None, validation_alias=_env("cartesia_voice_host", "CARTESIA_VOICE_HOST")
    )
    cartesia_voice_narrator: str | None = Field(
        default=None, validation_alias=_env("cartesia_voice_narrator", "CARTESIA_VOICE_NARRATOR")
    )
    cartesia_timeout_seconds: float = Field(default=120.0, gt=0, le=900)

    @property
    def allowed_hosts(self) -> list[str]:
        return [host.strip().lower() for host in self.audio_allowed_hosts.split(",") if host.strip()]

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Lowest priority last: a variable set in the environment wins over the secret.
        return init_settings, env_settings, dotenv_settings, _SecretsManagerSource(settings_cls)

    @model_validator(mode="after")
    def _cloud_needs_keys(self) -> Settings:
        if self.profile != "cloud":
            return self
        required = {
            "SUPABASE_URL": self.supabase_url,
            "SUPABASE_KEY": self.supabase_key,
            "OPENAI_API_KEY": self.openai_api_key,
            "CARTESIA_API_KEY": self.cartesia_api_key,
            "AWS_REGION": self.aws_region or self.bedrock_region,
        }
        if self.lambda_function_name:  # in AWS the provider-call cache must be shared by all invocations
            required["FAMILYPLUS_IDEMPOTENCY_TABLE"] = self.idempotency_table
        missing = [name for name, value in required.items() if not value]
        if missing:
            where = f"secret {self.secret_name!r}" if self.secret_name else "FAMILYPLUS_SECRET_NAME's secret"
            raise ValueError(
                f"FAMILYPLUS_PROFILE=cloud needs {', '.join(missing)}: set them in the environment, in .env, "
                f"or (keys) in the {where}"
            )
        return self

    @property
    def database_path(self) -> Path:
        return self.data_dir / "familyplus.db"

    @property
    def outbox_path(self) -> Path:
        """Local notifier: one JSON line per message sent while no Twilio keys are set."""
        return self.data_dir / "outbox.jsonl"


ENV_FILE = ".env"
#: The seed's local variables file (Trigger.dev / Cloudflare Workers): read when there is no `.env`.
SEED_ENV_FILE = ".dev.vars"


def env_file(folder: Path | None = None) -> Path | None:
    """The local variables file to read: `.env`, else the seed's `.dev.vars`, else none."""
    for name in (ENV_FILE, SEED_ENV_FILE):
        candidate = (folder or Path.cwd()) / name
        if candidate.is_file():
            return candidate
    return None


@lru_cache(maxsize=1)
def load_settings() -> Settings:
    """Read and validate settings once; a bad value fails fast naming the variable."""
    try:
        return Settings(_env_file=env_file())
    except ValidationError as exc:
        # Name each variable with pydantic's reason, never the input values (they may be keys).
        reasons = "; ".join(
            f"{_variable(str(err['loc'][0])) + ': ' if err['loc'] else ''}{err['msg']}" for err in exc.errors()
        )
        raise ConfigurationError(f"invalid settings: {reasons}") from exc


def _variable(loc: str) -> str:
    """The environment variable behind an error location (a field name, or already an alias)."""
    return loc if loc.isupper() or loc not in Settings.model_fields else "FAMILYPLUS_" + loc.upper()


class _SecretsManagerSource(PydanticBaseSettingsSource):
    """The provider variables (keys, and the seed's other names such as SUPABASE_URL) from the JSON secret
    named by FAMILYPLUS_SECRET_NAME (AWS); a variable set in the environment or .env wins.

    The secret's keys are the variables' names (`OPENAI_API_KEY`, `SUPABASE_KEY`, ...; case-insensitive).
    Read with Powertools `get_secret` (cached `secret_max_age` s), imported lazily: the local profile and
    the tests never touch AWS unless a secret name is set.
    """

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # unused: __call__ reads the whole secret at once

    def __call__(self) -> dict[str, Any]:
        state = {k.lower(): v for k, v in self.current_state.items()}
        name = state.get("secret_name") or state.get("familyplus_secret_name")
        if not name:
            return {}
        from aws_lambda_powertools.utilities import parameters  # lazy: needs boto3 and AWS credentials

        max_age = int(state.get("secret_max_age") or state.get("familyplus_secret_max_age") or 300)
        try:
            secret = parameters.get_secret(str(name), transform="json", max_age=max_age)
        except Exception as exc:  # no such secret, no permission, not JSON: say which secret
            raise ConfigurationError(f"cannot read FAMILYPLUS_SECRET_NAME={name!r}: {exc}") from exc
        if not isinstance(secret, dict):
            raise ConfigurationError(f"FAMILYPLUS_SECRET_NAME={name!r} must hold a JSON object")
        given = {str(k).lower(): v for k, v in secret.items()}
        values: dict[str, Any] = {}
        for field in self.settings_cls.model_fields.values():
            if not isinstance(field.validation_alias, AliasChoices):  # only the `_env(...)` provider variables
                continue
            choices = [str(c) for c in field.validation_alias.choices]
            if any(c.lower() in state for c in choices):
                continue  # set in the environment or .env: that wins
            for choice in choices:
                if choice.lower() in given:
                    values[choices[0]] = given[choice.lower()]
                    break
        return values
