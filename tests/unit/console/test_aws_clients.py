"""`--aws` region: the ARN's, then AWS_REGION / AWS_DEFAULT_REGION, then the profile's; none is one line."""

from __future__ import annotations

import pytest

from familyplus_local.aws_clients import AwsSetupError, resolve_region

ARN = "arn:aws:states:eu-west-1:123456789012:stateMachine:familyplus-dev-process-response"


def test_region_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "us-east-2")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-west-1")
    assert resolve_region(ARN, "ap-south-1") == "eu-west-1"
    assert resolve_region(None, "ap-south-1") == "us-east-2"
    monkeypatch.delenv("AWS_REGION")
    assert resolve_region("response-r1", "ap-south-1") == "us-west-1"
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    assert resolve_region(None, "ap-south-1") == "ap-south-1"
    with pytest.raises(AwsSetupError, match="no AWS region: give a full ARN"):
        resolve_region(None, None)
