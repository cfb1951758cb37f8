"""botocore clients for the cloud adapters, configured for one retry layer (the state machine).

SDK retries are off (`total_max_attempts=1`, standard mode) and timeouts are explicit, so one Lambda
attempt is one provider call and a slow provider surfaces as a `TransientError` before the Lambda times out.
"""

from __future__ import annotations

from typing import Any

import botocore.session
from botocore.config import Config
from botocore.tokens import FrozenAuthToken

CONNECT_TIMEOUT_S = 5.0


class StaticTokenProvider:
    """botocore token provider for a Bedrock API key held in settings (e.g. read from Secrets Manager).

    botocore >= 1.39 reads AWS_BEARER_TOKEN_BEDROCK from the environment by itself; this covers the key
    coming from the secret instead, without writing it into `os.environ`.
    """

    def __init__(self, token: str) -> None:
        self._token = FrozenAuthToken(token)

    def load_token(self, **_: Any) -> FrozenAuthToken:
        return self._token


def client_config(*, region: str | None, read_timeout: float, signature_version: str | None = None) -> Config:
    return Config(
        region_name=region,
        retries={"mode": "standard", "total_max_attempts": 1},
        connect_timeout=CONNECT_TIMEOUT_S,
        read_timeout=read_timeout,
        signature_version=signature_version,
        user_agent_extra="familyplus",
    )


def bedrock_runtime_client(*, region: str | None, read_timeout: float, bearer_token: str | None = None) -> Any:
    """A `bedrock-runtime` client: bearer auth with `bearer_token`, else the default credential chain
    (the Lambda role; or AWS_BEARER_TOKEN_BEDROCK from the environment, which botocore prefers itself)."""
    session = botocore.session.Session()
    signature_version = None
    if bearer_token:
        session.register_component("token_provider", StaticTokenProvider(bearer_token))
        signature_version = "bearer"
    config = client_config(region=region, read_timeout=read_timeout, signature_version=signature_version)
    return session.create_client("bedrock-runtime", config=config)


def dynamodb_client(*, region: str | None, read_timeout: float = 10.0) -> Any:
    return botocore.session.Session().create_client(
        "dynamodb", config=client_config(region=region, read_timeout=read_timeout)
    )
