"""Deployment settings from context / environment, and the StageFunction's limits — on tiny stacks."""

from __future__ import annotations

from typing import Any

import pytest

from familyplus.catalog import StageSpec
from familyplus.errors import ConfigurationError
from infra.config import DeployConfig


def _config(context: dict[str, Any], environ: dict[str, str] | None = None) -> DeployConfig:
    from aws_cdk import App

    return DeployConfig.from_scope(App(context=context), environ or {})


def test_defaults_need_no_account_region_or_environment() -> None:
    config = _config({})
    assert (config.stage_name, config.account, config.region) == ("dev", None, None)
    assert config.timezone == "America/New_York"
    assert config.prefix == "familyplus-dev"


def test_context_wins_over_environment() -> None:
    environ = {
        "FAMILYPLUS_DEPLOY_STAGE": "staging",
        "CDK_DEFAULT_REGION": "eu-west-1",
        "FAMILYPLUS_TIMEZONE": "Asia/Tokyo",
    }
    config = _config({"stageName": "prod", "reservedConcurrency": '{"embed": 3}'}, environ)
    assert config.stage_name == "prod" and config.region == "eu-west-1" and config.timezone == "Asia/Tokyo"
    assert config.reserved_concurrency == {"embed": 3}


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone 'Mars/Olympus' is not an IANA time zone"),
        ({"stageName": "Prod_1"}, "stageName 'Prod_1'"),
        ({"account": "12345"}, "12-digit"),
        ({"reservedConcurrency": '{"embed": 0}'}, r"reservedConcurrency.embed must be at least 1"),
        ({"reservedConcurrency": "embed=3"}, "not a JSON object"),
        ({"quoteSchedule": "0 9 * * *"}, "quoteSchedule"),
        ({"logRetentionDays": "a month"}, "logRetentionDays"),
    ],
)
def test_bad_settings_fail_the_synth_naming_the_key(context: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        _config(context)


def _stage_stack(spec: StageSpec, config: DeployConfig) -> dict[str, Any]:
    from aws_cdk import App, Stack
    from aws_cdk import aws_lambda as lambda_
    from aws_cdk.assertions import Template

    from infra.stage_function import StageFunction

    stack = Stack(App(), "One")
    StageFunction(
        stack,
        "Stage",
        spec=spec,
        config=config,
        layers=[],
        environment={},
        code=lambda_.Code.from_inline("def handler(e, c): return e"),
    )
    (function,) = Template.from_stack(stack).find_resources("AWS::Lambda::Function").values()
    return dict(function["Properties"])


def test_reserved_concurrency_comes_from_context_for_the_named_stage_only() -> None:
    config = DeployConfig.parse({"reserved_concurrency": {"transcribe": 4}})
    assert _stage_stack(StageSpec("transcribe", "t", audio=True), config)["ReservedConcurrentExecutions"] == 4
    assert "ReservedConcurrentExecutions" not in _stage_stack(StageSpec("embed", "e"), config)


def test_a_stage_over_lambdas_900_seconds_is_refused() -> None:
    from infra.stage_function import StageSpecError

    with pytest.raises(StageSpecError, match="timeout_s=901"):
        _stage_stack(StageSpec("slow_stage", "s", timeout_s=901), DeployConfig())
