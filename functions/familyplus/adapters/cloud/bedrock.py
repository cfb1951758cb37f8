"""A small Bedrock client: one Converse call that must answer by calling one tool, validated by pydantic.

`toolConfig` declares a single tool whose input JSON schema is generated from the pydantic answer model,
and `toolChoice` forces the model to call it, so the answer is structured data rather than prose.

Output that fails validation raises `PermanentError` and is never stored. Why not `TransientError`: calls
run at temperature 0 with the schema in the request, so a retry mostly repeats the same answer and pays
for it again; the response is marked failed with the exact field that was wrong, and can be redriven
after the prompt (a new template version) is fixed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    ReadTimeoutError,
)
from pydantic import BaseModel, ValidationError

from familyplus.adapters.cloud.errors import for_status, refused
from familyplus.adapters.cloud.prompts import Prompt
from familyplus.errors import FamilyplusError, PermanentError, TransientError

M = TypeVar("M", bound=BaseModel)
Schema = dict[str, Any]

PROVIDER = "bedrock"
#: Bedrock error codes worth retrying whatever their HTTP status says (ModelErrorException is a 424).
_TRANSIENT_CODES = frozenset(
    {
        "ThrottlingException",
        "ModelTimeoutException",
        "ModelNotReadyException",
        "ModelErrorException",
        "InternalServerException",
        "ServiceUnavailableException",
    }
)
_REFUSALS = {
    "guardrail_intervened": "a guardrail intervened",
    "content_filtered": "the content filter blocked the answer",
}


def tool_schema(model: type[BaseModel]) -> Schema:
    """The model's JSON schema with `$defs` inlined: one self-contained object schema for `inputSchema`."""
    schema = model.model_json_schema()
    defs: dict[str, Any] = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                target = defs[node["$ref"].rsplit("/", 1)[-1]]
                return inline({**target, **{k: v for k, v in node.items() if k != "$ref"}})
            return {k: inline(v) for k, v in node.items()}
        if isinstance(node, list):
            return [inline(v) for v in node]
        return node

    inlined: Schema = inline(schema)
    return inlined


def map_client_error(exc: Exception) -> FamilyplusError:
    """botocore exception → TransientError / PermanentError with Bedrock's message."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", "Unknown"))
        message = f"{code}: {error.get('Message', exc)}"
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in _TRANSIENT_CODES:
            return TransientError(f"{PROVIDER} HTTP {status}: {message}")
        return for_status(PROVIDER, int(status) if status else 400, message)
    if isinstance(exc, ReadTimeoutError | ConnectTimeoutError | EndpointConnectionError | ConnectionClosedError):
        return TransientError(f"{PROVIDER}: {exc}")
    if isinstance(exc, NoCredentialsError):
        return PermanentError(f"{PROVIDER}: no credentials (Lambda role or AWS_BEARER_TOKEN_BEDROCK): {exc}")
    return PermanentError(f"{PROVIDER}: {exc}")


class BedrockToolClient:
    """Converse with one forced tool call; returns the tool input validated as `answer` (a pydantic model)."""

    def __init__(self, client: Any, model_id: str, *, max_tokens: int = 4096, temperature: float = 0.0) -> None:
        self.client = client
        self.model_id = model_id
        self.max_tokens = max_tokens
        self.temperature = temperature

    def request(self, prompt: Prompt, *, tool: str, description: str, schema: Schema) -> dict[str, Any]:
        """The Converse request (kept separate so tests can assert its exact shape)."""
        return {
            "modelId": self.model_id,
            "system": [{"text": prompt.system}],
            "messages": [{"role": "user", "content": [{"text": prompt.user}]}],
            "inferenceConfig": {"maxTokens": self.max_tokens, "temperature": self.temperature},
            "toolConfig": {
                "tools": [{"toolSpec": {"name": tool, "description": description, "inputSchema": {"json": schema}}}],
                "toolChoice": {"tool": {"name": tool}},
            },
        }

    def call(
        self,
        prompt: Prompt,
        answer: type[M],
        *,
        tool: str,
        description: str,
        version: str,
        customise_schema: Callable[[Schema], None] | None = None,
    ) -> M:
        schema = tool_schema(answer)
        if customise_schema is not None:
            customise_schema(schema)
        try:
            response = self.client.converse(**self.request(prompt, tool=tool, description=description, schema=schema))
        except (ClientError, BotoCoreError) as exc:
            raise map_client_error(exc) from exc
        return self._parse(response, answer, tool=tool, version=version)

    def _parse(self, response: dict[str, Any], answer: type[M], *, tool: str, version: str) -> M:
        where = f"{self.model_id} ({version})"
        stop = response.get("stopReason")
        if stop in _REFUSALS:
            raise refused(PROVIDER, f"{_REFUSALS[stop]} in {where}")
        if stop in {"max_tokens", "model_context_window_exceeded"}:
            raise PermanentError(f"{PROVIDER}: {where} stopped at {stop}: the answer is incomplete")
        content = response.get("output", {}).get("message", {}).get("content", [])
        calls = [block["toolUse"] for block in content if "toolUse" in block]
        call = next((c for c in calls if c.get("name") == tool), None)
        if call is None:
            raise PermanentError(f"{PROVIDER}: {where} did not call tool {tool!r} (stopReason {stop})")
        payload = call.get("input")
        if isinstance(payload, str):  # some models hand back the arguments as a JSON string
            try:
                payload = json.loads(payload)
            except json.JSONDecodeError as exc:
                raise PermanentError(f"{PROVIDER}: {where} answered {tool!r} with invalid JSON: {exc}") from exc
        try:
            return answer.model_validate(payload)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'input'}: {err['msg']}" for err in exc.errors()
            )
            raise PermanentError(
                f"{PROVIDER}: {where} answered {tool!r} with output that fails validation (not stored): {problems}"
            ) from exc
