"""A distributed Map's map run: its ARNs, the tolerated-failure threshold, and what it outputs.

AWS semantics implemented here:
* Failure threshold. With neither ToleratedFailureCount nor ToleratedFailurePercentage, one failed item fails
  the map run; otherwise it fails as soon as the failed items exceed a given threshold (more than the count,
  or more than the percentage of all items). The error is States.ExceedToleratedFailureThreshold. With an
  ItemBatcher every item of a failed batch counts as failed.
* Output without a ResultWriter: the array of child results in item (batch) order. A child that succeeded
  contributes its output (Transformation COMPACT, AWS's default without ResultWriter); a tolerated failed child
  contributes its execution record unchanged (AWS: "If a child workflow execution fails, Step Functions returns
  its execution result unchanged ... equivalent to Transformation NONE"): ExecutionArn, Input (JSON text),
  InputDetails, Name, Error, Cause, RedriveCount, StartDate, StateMachineArn, Status "FAILED", StopDate.
* ResultWriter.WriterConfig shapes the succeeded children's results: NONE their execution records (Output as
  JSON text), COMPACT their outputs, FLATTEN their outputs with each array output spliced in; OutputType JSON
  is a JSON array, JSONL JSON Lines (one result a line). With WriterConfig alone that is the Map's result (JSON
  Lines as a string, the one way a state's JSON result can hold them).
* With Resource and Parameters (s3:putObject, Bucket, Prefix): `<Prefix>/<map run id>/SUCCEEDED_0.json` and
  `FAILED_0.json` (Transformation NONE unless a WriterConfig says otherwise; failed children always as records;
  a file only when it has records; the `.json` name whatever the OutputType) and `manifest.json`
  ({DestinationBucket, MapRunArn, ResultFiles: {FAILED, PENDING, SUCCEEDED: [{Key, Size}]}}); the Map's
  result is then {MapRunArn, ResultWriterDetails: {Bucket, Key (of manifest.json)}}.
"""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..clock import iso_millis
from ..context import RunContext
from ..definition.model import DistributedConfig, WriterConfigSpec
from ..errors import STATES_RESULT_WRITER_FAILED, STATES_RUNTIME, StatesFailure
from ..expressions.env import Env
from ..expressions.jsonpath.processing import build, read_value
from ..names import ACCOUNT_PREFIX

SUCCEEDED, FAILED = "SUCCEEDED", "FAILED"


def random_id(rng: random.Random) -> str:
    """A UUID4 drawn from the run's rng, so that a seeded run names its map runs and children reproducibly."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


@dataclass(frozen=True)
class MapRunNames:
    """The ARNs of one map run and of its child executions (AWS layout: `mapRun:<machine>/<label>:<id>`,
    children `execution:<machine>/<label>:<name>`, or `express:...` for EXPRESS children)."""

    machine: str  # "<parent machine>/<label>"
    run_id: str
    express: bool

    @property
    def arn(self) -> str:
        return f"{ACCOUNT_PREFIX}:mapRun:{self.machine}:{self.run_id}"

    @property
    def machine_arn(self) -> str:
        return f"{ACCOUNT_PREFIX}:stateMachine:{self.machine}"

    def child_arn(self, name: str) -> str:
        if self.express:
            return f"{ACCOUNT_PREFIX}:express:{self.machine}:{name}:{name}"
        return f"{ACCOUNT_PREFIX}:execution:{self.machine}:{name}"


@dataclass
class ChildResult:
    """How one child execution ended (`items`: how many Map items it processed, >1 with an ItemBatcher)."""

    index: int
    name: str
    arn: str
    input: Any
    items: int
    start: datetime
    stop: datetime
    status: str
    output: Any = None
    error: str | None = None
    cause: str | None = None
    redrive_count: int = 0

    def record(self, machine_arn: str) -> dict[str, Any]:
        """The execution record (Transformation NONE), as in AWS's result files."""
        data: dict[str, Any] = {
            "ExecutionArn": self.arn,
            "Input": _text(self.input),
            "InputDetails": {"Included": True},
            "Name": self.name,
        }
        if self.status == SUCCEEDED:
            data["Output"], data["OutputDetails"] = _text(self.output), {"Included": True}
        if self.error:
            data["Error"] = self.error
        if self.cause is not None:
            data["Cause"] = self.cause
        data.update(
            RedriveCount=self.redrive_count,
            StartDate=iso_millis(self.start),
            StateMachineArn=machine_arn,
            Status=self.status,
            StopDate=iso_millis(self.stop),
        )
        return data


def _text(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


@dataclass
class Tolerance:
    """The resolved failure threshold of one map run, and the running count of failed items."""

    total: int
    count: int | None
    percentage: float | None
    failed: int = 0
    failed_children: list[int] = field(default_factory=list)

    @classmethod
    def resolve(cls, config: DistributedConfig, total: int, effective: Any, env: Env, state: str) -> Tolerance:
        count, percentage = config.tolerated_count, config.tolerated_percentage
        if config.tolerated_count_path is not None:
            value = read_value(config.tolerated_count_path, effective, env, "ToleratedFailureCountPath", state)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                # LocalStack's reproduction of AWS's words.
                cause = (
                    "ToleratedFailureCount cannot be negative."
                    if isinstance(value, int) and not isinstance(value, bool)
                    else f'The ToleratedFailureCountPath field refers to value "{_shown(value)}" which is not a '
                    f"valid integer: {getattr(config.tolerated_count_path, 'text', '')}"
                )
                raise StatesFailure(STATES_RUNTIME, f"{env.where(state)} {cause}")
            count = value
        if config.tolerated_percentage_path is not None:
            value = read_value(
                config.tolerated_percentage_path, effective, env, "ToleratedFailurePercentagePath", state
            )
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
                cause = (
                    "ToleratedFailurePercentage must be between 0 and 100."
                    if isinstance(value, int | float) and not isinstance(value, bool)
                    else f'The ToleratedFailurePercentagePath field refers to value "{_shown(value)}" which is not '
                    f"a valid float: {getattr(config.tolerated_percentage_path, 'text', '')}"
                )
                raise StatesFailure(STATES_RUNTIME, f"{env.where(state)} {cause}")
            percentage = float(value)
        if count is None and percentage is None:
            count = 0  # no threshold: any failed item fails the map run
        return cls(total, count, percentage)

    def add_failure(self, child: ChildResult) -> bool:
        """Count a failed child; True when the threshold is now exceeded."""
        self.failed += child.items
        self.failed_children.append(child.index)
        return self.exceeded

    @property
    def exceeded(self) -> bool:
        over_count = self.count is not None and self.failed > self.count
        over_percentage = self.percentage is not None and self.failed * 100 > self.percentage * self.total
        return over_count or over_percentage

    def describe(self) -> str:
        limits = [
            f"count {self.count}" if self.count is not None else "",
            f"percentage {self.percentage:g}%" if self.percentage is not None else "",
        ]
        return (
            f"The specified tolerated failure threshold was exceeded: {self.failed} of {self.total} items "
            f"failed (tolerated: {', '.join(x for x in limits if x)})"
        )


def shaped(results: list[ChildResult], machine_arn: str, transformation: str) -> list[Any]:
    """The child results under a Transformation; a failed child is always its record (AWS: "If a child
    workflow execution fails, Step Functions returns its execution result unchanged")."""
    out: list[Any] = []
    for r in results:
        if r.status != SUCCEEDED or transformation == "NONE":
            out.append(r.record(machine_arn))
        elif transformation == "FLATTEN" and isinstance(r.output, list):
            out.extend(r.output)
        else:
            out.append(r.output)
    return out


def serialized(values: list[Any], output_type: str) -> bytes:
    """A result file's body: a JSON array, or JSON Lines (each value on its own line)."""
    if output_type == "JSONL":
        return "".join(json.dumps(v, ensure_ascii=False) + "\n" for v in values).encode("utf-8")
    return json.dumps(values, ensure_ascii=False).encode("utf-8")


def unexported_output(results: list[ChildResult], machine_arn: str, config: WriterConfigSpec | None) -> Any:
    """The Map's result when nothing is exported: COMPACT JSON without a WriterConfig, else as it says."""
    if config is None:
        return shaped(results, machine_arn, "COMPACT")
    values = shaped(results, machine_arn, config.transformation or "COMPACT")
    return serialized(values, "JSONL").decode("utf-8") if config.output_type == "JSONL" else values


def write_results(
    rc: RunContext,
    writer: Any,
    config: WriterConfigSpec | None,
    results: list[ChildResult],
    names: MapRunNames,
    effective: Any,
    env: Env,
    state: str,
) -> dict[str, Any]:
    """Write the result files and the manifest through `rc.objects`; returns the Map's result."""
    params = build(writer, effective, env)
    bucket = params.get("Bucket") if isinstance(params, dict) else None
    prefix = params.get("Prefix", "") if isinstance(params, dict) else None
    if not isinstance(bucket, str) or not bucket or not isinstance(prefix, str):
        raise StatesFailure(
            STATES_RUNTIME, f"State {state!r}: ResultWriter needs a string Bucket (and Prefix), got {params!r}"
        )
    store = rc.objects
    if store is None:  # checked at run start; kept for direct callers
        raise StatesFailure(STATES_RUNTIME, "no objects hook was given")
    transformation = (config.transformation if config else "") or "NONE"  # NONE: AWS's export default
    output_type = config.output_type if config else "JSON"
    base = f"{prefix.rstrip('/')}/{names.run_id}/" if prefix.strip("/") else f"{names.run_id}/"
    files: dict[str, list[dict[str, Any]]] = {FAILED: [], "PENDING": [], SUCCEEDED: []}

    def put(key: str, data: bytes) -> None:
        try:
            store.put_object(bucket, key, data)
        except Exception as exc:
            raise StatesFailure(
                STATES_RESULT_WRITER_FAILED, f"could not write s3://{bucket}/{key}: {type(exc).__name__}: {exc}"
            ) from None

    for status in (SUCCEEDED, FAILED):
        of_status = [r for r in results if r.status == status]
        if of_status:
            key = f"{base}{status}_0.json"
            data = serialized(shaped(of_status, names.machine_arn, transformation), output_type)
            put(key, data)
            files[status].append({"Key": key, "Size": len(data)})
    manifest = {"DestinationBucket": bucket, "MapRunArn": names.arn, "ResultFiles": files}
    put(f"{base}manifest.json", json.dumps(manifest, indent=2).encode("utf-8"))
    return {"MapRunArn": names.arn, "ResultWriterDetails": {"Bucket": bucket, "Key": f"{base}manifest.json"}}


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)
