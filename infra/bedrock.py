"""Bedrock access for the stages: invoke exactly the configured model (or cross-region inference profile)."""

from __future__ import annotations

import re

from aws_cdk import Aws
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.nag import acknowledge, wildcard_resource

#: `us.anthropic...`: a cross-region inference profile id (geo prefix) rather than a model id.
_PROFILE = re.compile(r"^(us|eu|apac|us-gov|global)\.(.+)$")


def model_resources(model_id: str) -> tuple[list[str], str | None]:
    """ARNs that `bedrock:InvokeModel` (used by Converse) needs for `model_id`, and the one wildcard ARN if
    the id is an inference profile (it routes to the model in several regions of its geography)."""
    profile = _PROFILE.match(model_id)
    if not profile:
        return [f"arn:{Aws.PARTITION}:bedrock:{Aws.REGION}::foundation-model/{model_id}"], None
    routed = f"arn:{Aws.PARTITION}:bedrock:*::foundation-model/{profile.group(2)}"
    return [f"arn:{Aws.PARTITION}:bedrock:{Aws.REGION}:{Aws.ACCOUNT_ID}:inference-profile/{model_id}", routed], routed


def grant_invoke(grantee: iam.IGrantable, model_id: str, scope: Construct) -> None:
    """Allow invoking `model_id` only; `scope` (the grantee's construct) carries the nag acknowledgement
    for an inference profile's region wildcard."""
    resources, routed = model_resources(model_id)
    # Converse is authorized as bedrock:InvokeModel; nothing streams (ConverseStream would need
    # InvokeModelWithResponseStream).
    grantee.grant_principal.add_to_principal_policy(
        iam.PolicyStatement(actions=["bedrock:InvokeModel"], resources=resources)
    )
    if routed is None:
        return
    acknowledge(
        scope,
        wildcard_resource(scope, routed),
        f"Inference profile {model_id} routes each request to {model_id.split('.', 1)[1]} in one of several "
        "regions of its geography; only that one model is allowed, in any region the profile may pick.",
    )
