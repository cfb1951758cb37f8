"""`familyplus batch FILE.jsonl --distributed`: the AWS manifest path, on a laptop.

The valid lines become a JSONL manifest in the local S3 stand-in (<data_dir>/s3/<bucket>/batches/<sha256>.jsonl,
the runner's objects hook) and one batch_responses execution runs them through its Distributed Map — the same
definition, the same 5-at-a-time lane and tolerated-failure threshold as on AWS.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from familyplus.models.keys import BATCH_MANIFEST_PREFIX
from familyplus_local.executor import Execution
from familyplus_local.ops.batch.lines import (
    DEFAULT_TOLERATED_FAILURE_PERCENTAGE,
    LineResult,
    manifest_bytes,
    parse_lines,
)
from familyplus_local.runtime.runner import Listener, LocalRunner

#: The local bucket for manifests and result files (a folder under <data_dir>/s3).
LOCAL_BUCKET = "familyplus-local-batches"


@dataclass
class DistributedBatch:
    execution: Execution
    #: Lines refused before the batch (not sent), with their reasons.
    invalid: list[LineResult] = field(default_factory=list)
    #: The ResultWriter's records of failed lines (AWS format: Input, Error, Cause, ...).
    failed: list[dict[str, Any]] = field(default_factory=list)
    succeeded: int = 0


def run_distributed_batch(
    runner: LocalRunner,
    path: Path,
    *,
    tolerated_failure_percentage: float = DEFAULT_TOLERATED_FAILURE_PERCENTAGE,
    listener: Listener | None = None,
) -> DistributedBatch:
    parsed = list(parse_lines(path, runner.adapters.media.put))
    invalid = [item for _, item in parsed if isinstance(item, LineResult)]
    data = manifest_bytes([item for _, item in parsed if not isinstance(item, LineResult)])
    digest = hashlib.sha256(data).hexdigest()
    key = f"{BATCH_MANIFEST_PREFIX}{digest}.jsonl"
    runner.objects.put_object(LOCAL_BUCKET, key, data)
    execution = runner.start(
        "batch_responses",
        {"bucket": LOCAL_BUCKET, "key": key, "toleratedFailurePercentage": tolerated_failure_percentage},
        name=f"batch-{digest[:40]}",  # as on AWS: the same file twice is one batch (redrive it if it failed)
        listener=listener,
    )
    batch = DistributedBatch(execution, invalid)
    output = execution.output if isinstance(execution.output, dict) else {}
    details = output.get("results", {}).get("ResultWriterDetails")
    if details:
        manifest = json.loads(runner.objects.get_object(details["Bucket"], details["Key"]))
        for status, files in manifest["ResultFiles"].items():
            records = [r for f in files for r in json.loads(runner.objects.get_object(details["Bucket"], f["Key"]))]
            if status == "FAILED":
                batch.failed = records
            elif status == "SUCCEEDED":
                batch.succeeded = len(records)
    return batch
