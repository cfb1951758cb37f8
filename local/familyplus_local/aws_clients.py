"""boto3 clients for the `--aws` commands, with the region and credentials found the way a user expects, and
one clear line (never a traceback) when either is missing.

Region, first found: the region in the ARN the command works on (`arn:aws:states:<region>:…`), then
`AWS_REGION` / `AWS_DEFAULT_REGION`, then the profile's (`AWS_PROFILE`, `~/.aws/config`). Credentials: boto3's
usual chain (environment, profile, SSO, instance role), checked before the first call.
"""

from __future__ import annotations

import os
from typing import Any


class AwsSetupError(Exception):
    """No region or no credentials for an `--aws` command; the message says what to set."""


def region_from_arn(arn: str | None) -> str | None:
    if not arn or not arn.startswith("arn:"):
        return None
    parts = arn.split(":")
    return parts[3] if len(parts) > 3 and parts[3] else None


def resolve_region(arn: str | None = None, profile_region: str | None = None) -> str:
    region = region_from_arn(arn) or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    region = region or profile_region
    if not region:
        raise AwsSetupError(
            "no AWS region: give a full ARN (arn:aws:states:<region>:…), set AWS_REGION, or set a region in "
            "your AWS profile (aws configure)"
        )
    return region


def session(arn: str | None = None) -> Any:
    """A boto3 Session with a region and credentials, or AwsSetupError saying which is missing."""
    import boto3
    from botocore.exceptions import BotoCoreError

    try:
        base = boto3.Session()
        region = resolve_region(arn, base.region_name)
        made = boto3.Session(region_name=region)
        credentials = made.get_credentials()
    except BotoCoreError as exc:  # e.g. a profile named in AWS_PROFILE that does not exist
        raise AwsSetupError(f"AWS configuration: {exc}") from exc
    if credentials is None:
        raise AwsSetupError(
            f"no AWS credentials found (region {region}): set AWS_PROFILE, or AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, or run `aws sso login`"
        )
    return made


def client(service: str, arn: str | None = None) -> Any:
    return session(arn).client(service)


def describe_aws_error(exc: BaseException) -> str | None:
    """One line for the AWS errors a user can fix (credentials, access, throttling, not found), else None."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    if isinstance(exc, AwsSetupError):
        return str(exc)
    if isinstance(exc, NoCredentialsError):
        return "no AWS credentials found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        operation = getattr(exc, "operation_name", "the AWS call")
        return f"AWS {operation}: {error.get('Code', 'error')}: {error.get('Message', '')}".rstrip(": ")
    if isinstance(exc, BotoCoreError):
        return f"AWS: {exc}"
    return None
