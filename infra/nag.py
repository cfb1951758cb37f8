"""cdk-nag acknowledgements, each with its reason, in one small helper so every call site reads the same."""

from __future__ import annotations

from typing import Any

from aws_cdk import Acknowledgment, Stack, Validations
from constructs import IConstruct

MIN_REASON = 20


def acknowledge(scope: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge (suppress) one cdk-nag finding on `scope` and its children.

    `rule` is a rule id, or a rule id with its finding (`AwsSolutions-IAM5[Resource::*]`) so that only that
    finding is accepted. A reason is mandatory and must say why the finding is acceptable here."""
    if len(reason.strip()) < MIN_REASON:
        raise ValueError(f"acknowledging {rule} needs a real reason (at least {MIN_REASON} characters)")
    Validations.of(scope).acknowledge(Acknowledgment(id=rule, reason=reason))


def wildcard_resource(scope: IConstruct, arn: str) -> str:
    """The id cdk-nag gives the IAM5 finding for `arn` (a string or token), e.g.
    `AwsSolutions-IAM5[Resource::<MediaBucket.Arn>/*]`. Computed from the resolved value, so it stays right
    whether account and region are tokens (environment-agnostic synth) or literals (the CLI's environment)."""
    return f"AwsSolutions-IAM5[Resource::{_shown(Stack.of(scope).resolve(arn))}]"


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return value
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(_shown(part) for part in parts)
    if "Ref" in value:
        return f"<{value['Ref']}>"
    if "Fn::GetAtt" in value:
        return f"<{value['Fn::GetAtt'][0]}.{value['Fn::GetAtt'][1]}>"
    raise ValueError(f"cannot show {value!r} the way cdk-nag does")
