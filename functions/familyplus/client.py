"""Starting the pipeline from a backend: `start_processing(...)` → the execution ARN.

The execution name is deterministic (`response-<id>`), so a repeated or retried call never starts a second
execution: Step Functions Standard keeps names unique per state machine for 90 days. AWS returns the existing
execution for a repeated name+input only while it runs; once it has finished it answers
`ExecutionAlreadyExists` — we then compare inputs and return the existing ARN when they match, and raise
`ExecutionAlreadyExistsError` when they do not (the same response id sent with different content).

With `media` (the media bucket as a `MediaStore`: `S3MediaStore(<MediaBucketName>)`), a typed answer is
stored first, under `answers/<familyId>/<responseId>/<sha256>.txt`, and the execution starts with that key
and the hash only: the family's words never enter the execution input, so never its history (kept 90 days,
readable from the console) nor its logs. The backend's role then needs `s3:PutObject` on `answers/*` of the
bucket (the stack's BackendPolicy grants it). Without `media` the seed's inline `text` input is sent.

This is the one module of the package that talks to AWS through boto3 (the backend's side, not a stage).
"""

from __future__ import annotations

import json
import re
from typing import Any

import boto3
from botocore.config import Config

from familyplus.errors import ExecutionAlreadyExistsError
from familyplus.models.base import MediaType
from familyplus.models.keys import execution_name, text_key, text_sha256
from familyplus.models.response import ProcessResponseInput
from familyplus.ports import MediaStore

#: Step Functions' name rules: 1-80 characters, no whitespace, brackets, wildcards, `"#%\^|~`$&,;:/`, or
#: control characters. Our names use a stricter, portable subset.
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,80}$")
_STATE_MACHINE_ARN = re.compile(r"^arn:aws[a-z-]*:states:([a-z0-9-]+):(\d{12}):stateMachine:([A-Za-z0-9_-]{1,80})$")
#: DESIGN.md §3: one retry layer. StartExecution with a fixed name is idempotent, so one SDK retry of a
#: throttled or dropped call is safe; the caller decides about anything beyond that.
_RETRIES = Config(retries={"mode": "standard", "max_attempts": 2}, connect_timeout=5, read_timeout=10)


def checked_execution_name(response_id: str) -> str:
    """`execution_name(response_id)`, checked against Step Functions' naming rules."""
    name = execution_name(response_id)
    if not _NAME.match(name):
        raise ValueError(f"execution name {name!r} is not valid for Step Functions (1-80 of A-Z a-z 0-9 _ . -)")
    return name


def execution_arn(state_machine_arn: str, name: str) -> str:
    """The ARN Step Functions gives execution `name` of `state_machine_arn` (Standard workflows)."""
    match = _STATE_MACHINE_ARN.match(state_machine_arn)
    if not match:
        raise ValueError(f"not a state machine ARN: {state_machine_arn!r}")
    return state_machine_arn.replace(":stateMachine:", ":execution:", 1) + ":" + name


def start_processing(
    response_id: str,
    family_id: str,
    *,
    media_type: MediaType,
    text: str | None = None,
    audio_key: str | None = None,
    prompt: str | None = None,
    podcast: bool = False,
    state_machine_arn: str,
    prompt_id: str | None = None,
    client: Any = None,
    media: MediaStore | None = None,
) -> str:
    """Start (or find) the process_response execution for one response; returns its execution ARN.

    The input is validated with the workflow's own model first (`pydantic.ValidationError` names the bad
    field). `client` is a boto3 Step Functions client; by default one is made for the ARN's region. With
    `media`, a text answer is stored there first and referenced by key (see the module's docstring)."""
    fields: dict[str, Any] = {
        "response_id": response_id,
        "family_id": family_id,
        "media_type": media_type,
        "text": text,
        "audio_key": audio_key,
        "prompt": prompt,
        "prompt_id": prompt_id,
        "podcast": podcast,
    }
    payload = ProcessResponseInput(**fields).wire()  # validated inline first: a bad answer is never stored
    name = checked_execution_name(response_id)
    arn = execution_arn(state_machine_arn, name)
    if media is not None and text is not None:
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("text is not valid Unicode (a lone surrogate)") from None
        digest = text_sha256(text)
        key = text_key(family_id, response_id, digest)
        # Stored before the start, and idempotent (the key is the content's): a retried call rewrites the
        # same bytes. A start that then fails leaves an object the bucket's lifecycle rule expires.
        media.put_bytes(key, data)
        payload = ProcessResponseInput(**{**fields, "text": None, "text_key": key, "text_sha256": digest}).wire()
    document = json.dumps(payload, sort_keys=True, separators=(",", ":"))  # same call → same input bytes
    sfn = client or boto3.client("stepfunctions", region_name=arn.split(":")[3], config=_RETRIES)
    try:
        started = sfn.start_execution(stateMachineArn=state_machine_arn, name=name, input=document)
        return str(started["executionArn"])
    except sfn.exceptions.ExecutionAlreadyExists:
        existing = sfn.describe_execution(executionArn=arn)
        if json.loads(existing.get("input") or "null") == payload:
            return str(existing["executionArn"])
        raise ExecutionAlreadyExistsError(
            f"execution {name} already exists ({existing.get('status', 'unknown status')}) with a different "
            f"input than this call for response {response_id}: the same response id was sent with other "
            "content",
            field="responseId",
        ) from None
