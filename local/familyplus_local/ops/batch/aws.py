"""`familyplus batch FILE.jsonl --aws`: many responses on AWS without crowding out the interactive ones.

* Up to `threshold` valid lines (default 100): one StartExecution per line through
  `familyplus.client.start_processing` (named `response-<id>`, so a re-run starts nothing twice), paced by a
  client-side token bucket (default 2 starts/s, burst 2). Step Functions' StartExecution quota for Standard
  workflows is a token bucket of 1,300 refilled at 300/s (us-east-1, us-west-2, eu-west-1; 800 and 150/s in
  other regions) shared with the backend's interactive starts; 2/s leaves nearly all of it to them. A rate
  bounds starts, not concurrency: about rate x duration executions run at once (~25 if a text response takes
  ~12 s in the cloud, an estimate), never more than `threshold`. Bigger batches take the Map path, whose
  MaxConcurrency bounds concurrency itself.
* Above the threshold: the valid lines go to S3 as one JSON Lines manifest (`batches/<sha256>.jsonl` in the
  media bucket, where the batch_responses role may read) and one batch_responses execution runs them through
  a Distributed Map, 5 at a time, tolerating a percentage of failed lines. The execution is named after the
  manifest's hash (`batch-<sha256 prefix>`): submitting the same file twice starts one batch.

Invalid lines are reported with their number and never sent (`lines.parse_lines`, the local command's parser).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from familyplus.client import start_processing
from familyplus.errors import ExecutionAlreadyExistsError
from familyplus.models.keys import BATCH_MANIFEST_PREFIX
from familyplus.models.response import ProcessResponseInput
from familyplus_local.ops.batch.lines import (
    DEFAULT_TOLERATED_FAILURE_PERCENTAGE,
    LineResult,
    manifest_bytes,
    parse_lines,
)
from familyplus_local.recordings import RecordingNotFoundError

#: Above this many lines a batch goes through S3 and the Distributed Map instead of one call per line.
DEFAULT_THRESHOLD = 100
#: Client-side StartExecution rate (per second) for the per-line path.
DEFAULT_RATE = 2.0
PROCESS_SUFFIX = "-process-response"
BATCH_SUFFIX = "-batch-responses"


class BatchConfigurationError(ValueError):
    """Raised when the AWS batch cannot be started as configured (no bucket, no batch state machine ARN)."""


class TokenBucket:
    """At most `rate` acquisitions per second on average and `burst` back to back (a token bucket).

    Written by hand (a dozen lines) so that time is injected: tests drive it with a fake clock and never
    sleep. Not thread-safe; the per-line path starts executions one after another."""

    def __init__(
        self,
        rate: float,
        burst: int | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError(f"rate must be positive, got {rate!r}")
        self.rate = float(rate)
        self.capacity = float(burst if burst is not None else max(1, int(rate)))
        if self.capacity < 1:
            raise ValueError(f"burst must be at least 1, got {burst!r}")
        self._clock, self._sleep = clock, sleep
        self._tokens = self.capacity
        self._stamp = clock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def acquire(self) -> float:
        """Take one token, sleeping until there is one; returns the seconds slept.

        Without a whole token the bucket goes into debt and sleeps exactly as long as the refill takes to repay
        it (no re-check loop: floating-point refills can approach 1 forever without reaching it)."""
        self._refill()
        self._tokens -= 1
        if self._tokens >= 0:
            return 0.0
        wait = -self._tokens / self.rate
        self._sleep(wait)
        return wait


@dataclass(frozen=True)
class ManifestSubmission:
    bucket: str
    key: str
    lines: int
    execution_arn: str
    #: True: StartExecution accepted it (a new batch, or this same batch still running: Standard workflows
    #: answer a repeated name and input with the running execution). False: it ran before and ended (`status`).
    started: bool
    status: str = "RUNNING"


@dataclass
class AwsBatchReport:
    """What happened: per-line results (invalid lines, and each start on the per-line path) and, on the
    manifest path, the submission."""

    results: list[LineResult] = field(default_factory=list)
    submission: ManifestSubmission | None = None
    slept: float = 0.0

    @property
    def failed(self) -> list[LineResult]:
        return [r for r in self.results if not r.ok]


def batch_state_machine_arn(process_arn: str) -> str:
    """The batch_responses ARN of the stack that owns `process_arn` (`<prefix>-process-response` →
    `<prefix>-batch-responses`, the names infra/workflows.py gives)."""
    if not process_arn.endswith(PROCESS_SUFFIX):
        raise BatchConfigurationError(
            f"cannot derive the batch_responses ARN from {process_arn!r}: pass --batch-state-machine-arn "
            "(or set FAMILYPLUS_BATCH_STATE_MACHINE_ARN)"
        )
    return process_arn.removesuffix(PROCESS_SUFFIX) + BATCH_SUFFIX


def _client_error(exc: Exception) -> str | None:
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and "Error" in response:
        error = response["Error"]
        return f"{error.get('Code', type(exc).__name__)}: {error.get('Message', exc)}"
    return None


def start_each(
    todo: Sequence[tuple[int, dict[str, Any]]],
    *,
    state_machine_arn: str,
    client: Any,
    limiter: TokenBucket,
    on_result: Callable[[LineResult], None] | None = None,
) -> tuple[list[LineResult], float]:
    """Start process_response for each (line number, validated input), paced by `limiter`."""
    results: list[LineResult] = []
    slept = 0.0
    for number, payload in todo:
        request = ProcessResponseInput.model_validate(payload)
        slept += limiter.acquire()
        try:
            arn = start_processing(
                request.response_id,
                request.family_id,
                media_type=request.media_type,
                text=request.text,
                audio_key=request.audio_key,
                prompt=request.prompt,
                podcast=request.podcast,
                state_machine_arn=state_machine_arn,
                client=client,
            )
        except ExecutionAlreadyExistsError as exc:
            result = LineResult(number, False, response_id=request.response_id, reason=str(exc))
        except Exception as exc:  # botocore ClientError (throttled after the SDK retry, access denied, ...)
            reason = _client_error(exc) or f"{type(exc).__name__}: {exc}"
            result = LineResult(number, False, response_id=request.response_id, reason=reason)
        else:
            result = LineResult(number, True, response_id=request.response_id, execution=arn)
        results.append(result)
        if on_result is not None:
            on_result(result)
    return results, slept


def submit_manifest(
    payloads: Sequence[dict[str, Any]],
    *,
    bucket: str,
    batch_arn: str,
    s3: Any,
    sfn: Any,
    tolerated_failure_percentage: float = DEFAULT_TOLERATED_FAILURE_PERCENTAGE,
) -> ManifestSubmission:
    """Upload the manifest and start batch_responses on it (or find the batch started before)."""
    if not bucket:
        raise BatchConfigurationError("the manifest path needs a bucket: pass --bucket or set FAMILYPLUS_MEDIA_BUCKET")
    if not 0 <= tolerated_failure_percentage <= 100:
        raise BatchConfigurationError(f"tolerated failure percentage must be 0-100, got {tolerated_failure_percentage}")
    data = manifest_bytes(payloads)
    digest = hashlib.sha256(data).hexdigest()
    key = f"{BATCH_MANIFEST_PREFIX}{digest}.jsonl"
    s3.put_object(Bucket=bucket, Key=key, Body=data, ContentType="application/x-ndjson")
    name = f"batch-{digest[:40]}"
    document = {"bucket": bucket, "key": key, "toleratedFailurePercentage": tolerated_failure_percentage}
    try:
        started = sfn.start_execution(stateMachineArn=batch_arn, name=name, input=json.dumps(document))
        return ManifestSubmission(bucket, key, len(payloads), str(started["executionArn"]), started=True)
    except sfn.exceptions.ExecutionAlreadyExists:
        arn = batch_arn.replace(":stateMachine:", ":execution:", 1) + ":" + name
        existing = sfn.describe_execution(executionArn=arn)
        if json.loads(existing.get("input") or "null") != document:
            raise BatchConfigurationError(
                f"this manifest was submitted before with other options ({name}, {existing.get('status')}); "
                "its input was " + str(existing.get("input"))
            ) from None
        return ManifestSubmission(
            bucket, key, len(payloads), arn, started=False, status=str(existing.get("status", "RUNNING"))
        )


@dataclass(frozen=True)
class AwsBatchOptions:
    state_machine_arn: str | None
    batch_state_machine_arn: str | None = None
    bucket: str | None = None
    threshold: int = DEFAULT_THRESHOLD
    rate: float = DEFAULT_RATE
    tolerated_failure_percentage: float = DEFAULT_TOLERATED_FAILURE_PERCENTAGE


def _bucket_upload(s3: Callable[[], Any], bucket: str | None) -> Callable[[str, Path], None]:
    """Local recordings named in the file go to the media bucket (the stack's MediaBucketName)."""

    clients: list[Any] = []

    def upload(key: str, file: Path) -> None:
        if not bucket:
            raise RecordingNotFoundError(
                f"{file} is a local recording: --aws needs --bucket (or FAMILYPLUS_MEDIA_BUCKET) to upload it"
            )
        if not clients:
            clients.append(s3())
        try:
            clients[0].upload_file(str(file), bucket, key)
        except Exception as exc:  # boto3's S3UploadFailedError, ClientError…: report it against the line
            raise RecordingNotFoundError(f"upload of {file} to s3://{bucket}/{key} failed: {exc}") from exc

    return upload


def run_aws_batch(
    path: Path,
    options: AwsBatchOptions,
    *,
    sfn: Any,
    s3: Callable[[], Any],
    limiter: TokenBucket | None = None,
    on_result: Callable[[LineResult], None] | None = None,
) -> AwsBatchReport:
    """Validate every line, then start them one by one (≤ threshold) or submit them as a manifest."""
    if not options.state_machine_arn:
        raise BatchConfigurationError("--aws needs --state-machine-arn or FAMILYPLUS_STATE_MACHINE_ARN")
    parsed = list(parse_lines(path, _bucket_upload(s3, options.bucket)))
    report = AwsBatchReport(results=[item for _, item in parsed if isinstance(item, LineResult)])
    todo = [(number, item) for number, item in parsed if not isinstance(item, LineResult)]
    if len(todo) <= options.threshold:
        bucket = limiter or TokenBucket(options.rate)
        started, report.slept = start_each(
            todo, state_machine_arn=options.state_machine_arn, client=sfn, limiter=bucket, on_result=on_result
        )
        report.results += started
    else:
        batch_arn = options.batch_state_machine_arn or batch_state_machine_arn(options.state_machine_arn)
        report.submission = submit_manifest(
            [payload for _, payload in todo],
            bucket=options.bucket or "",
            batch_arn=batch_arn,
            s3=s3(),
            sfn=sfn,
            tolerated_failure_percentage=options.tolerated_failure_percentage,
        )
    report.results.sort(key=lambda r: r.line)
    return report
