"""Deployment settings, read once from CDK context (`cdk.json` or `-c key=value`) or the environment.

Synth needs no AWS account: with no account/region the stack is environment-agnostic and the CLI fills them
in at deploy time. Precedence: `-c` context > environment variable > `cdk.json` default > built-in default.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from constructs import Construct

from familyplus.errors import ConfigurationError

_STAGE_NAME = re.compile(r"^[a-z][a-z0-9-]{0,15}$")
_ACCOUNT = re.compile(r"^\d{12}$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
_SCHEDULE = re.compile(r"^(cron|rate|at)\(.+\)$")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


@dataclass(frozen=True)
class DeployConfig:
    #: Deployment stage (dev, prod…) — part of every resource name. Not a pipeline stage.
    stage_name: str = "dev"
    account: str | None = None
    region: str | None = None
    #: IANA zone the schedules' cron expressions are read in.
    timezone: str = "America/New_York"
    podcast_schedule: str = "cron(0 2 * * ? *)"
    #: Hourly: the daily-quote job sends to each family whose *own* local time is in the 09:00 hour.
    quote_schedule: str = "cron(0 * * * ? *)"
    #: Bedrock model or inference profile the stages may invoke (also passed to them as FAMILYPLUS_BEDROCK_MODEL_ID).
    bedrock_model_id: str = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
    log_retention_days: int = 30
    log_level: str = "INFO"
    metrics_namespace: str = "Familyplus"
    #: Stage name → reserved concurrency, for stages whose provider has a concurrency quota.
    reserved_concurrency: Mapping[str, int] = field(default_factory=dict)
    #: Optional address subscribed to the alarm topic.
    alarm_email: str | None = None

    @property
    def prefix(self) -> str:
        """Resource name prefix: `familyplus-dev`."""
        return f"familyplus-{self.stage_name}"

    @classmethod
    def from_scope(cls, scope: Construct, environ: Mapping[str, str] | None = None) -> DeployConfig:
        env = os.environ if environ is None else environ

        def get(key: str, env_key: str | None = None) -> Any:
            value = scope.node.try_get_context(key)
            if value is None and env_key:
                value = env.get(env_key)
            return value

        values: dict[str, Any] = {
            "stage_name": get("stageName", "FAMILYPLUS_DEPLOY_STAGE"),
            "account": get("account", "CDK_DEFAULT_ACCOUNT"),
            "region": get("region", "CDK_DEFAULT_REGION"),
            "timezone": get("timezone", "FAMILYPLUS_TIMEZONE"),
            "podcast_schedule": get("podcastSchedule"),
            "quote_schedule": get("quoteSchedule"),
            "log_retention_days": get("logRetentionDays"),
            "log_level": get("logLevel"),
            "metrics_namespace": get("metricsNamespace"),
            "bedrock_model_id": get("bedrockModelId", "FAMILYPLUS_BEDROCK_MODEL_ID"),
            "reserved_concurrency": get("reservedConcurrency"),
            "alarm_email": get("alarmEmail", "FAMILYPLUS_ALARM_EMAIL"),
        }
        return cls.parse({k: v for k, v in values.items() if v not in (None, "")})

    @classmethod
    def parse(cls, values: Mapping[str, Any]) -> DeployConfig:
        """Validate raw values (strings from `-c`, or JSON types from cdk.json)."""
        v = dict(values)
        if "log_retention_days" in v:
            v["log_retention_days"] = _int("logRetentionDays", v["log_retention_days"])
        if "reserved_concurrency" in v:
            v["reserved_concurrency"] = _concurrency(v["reserved_concurrency"])
        config = cls(**v)
        config._validate()
        return config

    def _validate(self) -> None:
        if not _STAGE_NAME.match(self.stage_name):
            raise ConfigurationError(f"stageName {self.stage_name!r}: use 1-16 lower-case letters, digits or '-'")
        if self.account is not None and not _ACCOUNT.match(self.account):
            raise ConfigurationError(f"account {self.account!r} is not a 12-digit AWS account id")
        if self.region is not None and not _REGION.match(self.region):
            raise ConfigurationError(f"region {self.region!r} is not an AWS region name like us-east-1")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigurationError(f"timezone {self.timezone!r} is not an IANA time zone name") from exc
        for key, expression in (("podcastSchedule", self.podcast_schedule), ("quoteSchedule", self.quote_schedule)):
            if not _SCHEDULE.match(expression):
                raise ConfigurationError(f"{key} {expression!r}: expected cron(...), rate(...) or at(...)")
        if self.log_level.upper() not in LOG_LEVELS:
            raise ConfigurationError(f"logLevel {self.log_level!r}: expected one of {', '.join(LOG_LEVELS)}")


def _int(key: str, value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(f"{key} {value!r} is not an integer") from exc


def _concurrency(value: Any) -> dict[str, int]:
    """A JSON object (cdk.json) or a JSON string (`-c reservedConcurrency='{"transcribe": 4}'`)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise ConfigurationError(f"reservedConcurrency {value!r} is not a JSON object") from exc
    if not isinstance(value, dict):
        raise ConfigurationError(f"reservedConcurrency {value!r} is not a JSON object of stage name → integer")
    parsed = {str(name): _int(f"reservedConcurrency.{name}", n) for name, n in value.items()}
    for name, n in parsed.items():
        if n < 1:
            raise ConfigurationError(f"reservedConcurrency.{name} must be at least 1 (0 would disable the function)")
    return parsed
