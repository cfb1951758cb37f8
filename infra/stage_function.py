"""`StageFunction`: the one construct every pipeline stage's Lambda is made with, from its `StageSpec`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import Duration, RemovalPolicy, Size
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from familyplus.catalog import StageSpec
from infra.config import DeployConfig
from infra.nag import acknowledge

from .runtime import ARCHITECTURE, FFMPEG_PATH, MAX_TIMEOUT_S, RUNTIME

_RETENTION = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
}


class StageSpecError(ValueError):
    """Raised at synth when a StageSpec asks for something Lambda cannot give (timeout > 900 s, bad memory)."""


def retention(days: int) -> logs.RetentionDays:
    try:
        return _RETENTION[days]
    except KeyError:
        raise ValueError(f"logRetentionDays {days}: choose one of {sorted(_RETENTION)}") from None


def function_name(config: DeployConfig, spec: StageSpec) -> str:
    return f"{config.prefix}-{spec.name.replace('_', '-')}"


def validate(spec: StageSpec) -> None:
    if not 1 <= spec.timeout_s <= MAX_TIMEOUT_S:
        raise StageSpecError(f"stage {spec.name}: timeout_s={spec.timeout_s} is outside Lambda's 1-900 s")
    if not 128 <= spec.memory_mb <= 10240:
        raise StageSpecError(f"stage {spec.name}: memory_mb={spec.memory_mb} is outside Lambda's 128-10240 MB")
    if not 512 <= spec.ephemeral_mb <= 10240:
        raise StageSpecError(f"stage {spec.name}: ephemeral_mb={spec.ephemeral_mb} is outside Lambda's 512-10240 MB")


class StageFunction(Construct):
    """One stage's Lambda: arm64 Python, handler from the catalog, its own role and log group, X-Ray on.

    The role starts empty except for writing its own log group; storage grants are added by the stack."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        spec: StageSpec,
        config: DeployConfig,
        code: lambda_.Code,
        layers: Sequence[lambda_.ILayerVersion],
        environment: Mapping[str, str],
        log_key: kms.IKey | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        validate(spec)
        self.spec = spec
        name = function_name(config, spec)

        self.log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=f"/aws/lambda/{name}",
            retention=retention(config.log_retention_days),
            removal_policy=RemovalPolicy.DESTROY,
            encryption_key=log_key,
        )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Family+ {spec.name} stage function",
        )
        # Instead of the managed AWSLambdaBasicExecutionRole (logs on every group): only its own log group.
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[self.log_group.log_group_arn],
            )
        )

        env = {
            "POWERTOOLS_SERVICE_NAME": "familyplus",
            "POWERTOOLS_METRICS_NAMESPACE": config.metrics_namespace,
            "LOG_LEVEL": config.log_level.upper(),
            "FAMILYPLUS_PROFILE": "cloud",
            **environment,
        }
        if spec.audio:
            env["FFMPEG_PATH"] = FFMPEG_PATH

        self.function = lambda_.Function(
            self,
            "Function",
            function_name=name,
            description=spec.description,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=spec.handler,
            code=code,
            layers=list(layers),
            memory_size=spec.memory_mb,
            ephemeral_storage_size=Size.mebibytes(spec.ephemeral_mb),
            timeout=Duration.seconds(spec.timeout_s),
            environment=env,
            tracing=lambda_.Tracing.ACTIVE,
            log_group=self.log_group,
            role=self.role,
            reserved_concurrent_executions=config.reserved_concurrency.get(spec.name),
        )
        acknowledge(
            self.role,
            "AwsSolutions-IAM5[Resource::*]",
            "X-Ray active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level "
            "permissions, so AWS requires Resource '*'.",
        )
        acknowledge(
            self.function,
            "AwsSolutions-L1",
            "Pinned to Python 3.12 on purpose: the dependencies layer's binary wheels (pydantic-core) are built "
            "for cp312; moving runtime means rebuilding the layer (layers/build.py PYTHON_VERSION).",
        )
