"""The compiled, validated form of a state machine definition (what `load_definition` returns)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from ..expressions.jsonata import JsonataTemplate, JsonataValue
from ..expressions.jsonpath.choice import ChoiceRule
from ..expressions.jsonpath.intrinsics.parser import Call
from ..expressions.jsonpath.paths import JsonPath
from ..expressions.jsonpath.template import Template
from ..retry import Catcher, Retrier

# A `...Path` field, or (in a JSONata distributed Map) a `{% %}` value read the same way.
ValueSource = JsonPath | JsonataValue


class ResourceKind(Enum):
    LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
    LAMBDA_FUNCTION = "lambda function ARN"
    START_EXECUTION = "arn:aws:states:::states:startExecution"
    START_EXECUTION_SYNC = "arn:aws:states:::states:startExecution.sync"
    START_EXECUTION_SYNC2 = "arn:aws:states:::states:startExecution.sync:2"


@dataclass(eq=False)
class State:
    name: str
    type: str
    pointer: str  # JSON pointer of the state in the definition, for messages
    next: str | None = None  # None: End (or Choice/Succeed/Fail)
    input_path: JsonPath | None = None  # None: InputPath null -> {}
    output_path: JsonPath | None = None
    language: str = "JSONPath"  # the state's QueryLanguage: JSONPath or JSONata
    assign: Any = None  # states.assign.AssignSpec (Assign, in either language)
    output: JsonataTemplate | None = None  # JSONata Output (absent: the state's default output)


@dataclass(eq=False)
class ResultState(State):
    """A state that produces a result: Task, Parallel, Map (and Pass without ResultSelector)."""

    parameters: Template | None = None
    arguments: JsonataTemplate | None = None  # JSONata Arguments (Task, Parallel)
    result_selector: Template | None = None
    result_path: JsonPath | None = None  # None: ResultPath null (discard the result)
    retry: tuple[Retrier, ...] = ()
    catch: tuple[Catcher, ...] = ()


@dataclass(eq=False)
class TaskState(ResultState):
    resource: str = ""
    kind: ResourceKind = ResourceKind.LAMBDA_FUNCTION
    timeout_seconds: float | None = None
    timeout_seconds_path: JsonPath | None = None
    timeout_expression: JsonataTemplate | None = None  # JSONata "TimeoutSeconds": "{% ... %}"


@dataclass(eq=False)
class PassState(ResultState):
    has_result: bool = False
    result: Any = None


@dataclass(eq=False)
class ChoiceState(State):
    choices: tuple[ChoiceRule, ...] = ()
    default: str | None = None


@dataclass(eq=False)
class WaitState(State):
    seconds: float | None = None
    seconds_path: JsonPath | None = None
    timestamp: str | None = None
    timestamp_path: JsonPath | None = None
    seconds_expression: JsonataTemplate | None = None  # JSONata Seconds / Timestamp as "{% ... %}"
    timestamp_expression: JsonataTemplate | None = None


@dataclass(eq=False)
class SucceedState(State):
    pass


@dataclass(eq=False)
class FailState(State):
    error: str | None = None
    cause: str | None = None
    error_path: JsonPath | Call | None = None  # a reference path or an intrinsic function
    cause_path: JsonPath | Call | None = None
    error_expression: JsonataTemplate | None = None  # JSONata Error / Cause as "{% ... %}"
    cause_expression: JsonataTemplate | None = None


@dataclass(eq=False)
class Machine:
    """A set of states with a StartAt: the whole definition, a Parallel branch or a Map item processor."""

    start_at: str
    states: dict[str, State]


@dataclass(eq=False)
class ParallelState(ResultState):
    branches: tuple[Machine, ...] = ()


@dataclass(frozen=True)
class ItemReaderSpec:
    """ItemReader with `arn:aws:states:::s3:getObject`: where (Bucket/Key template) and how to parse."""

    parameters: Template | None
    input_type: str  # JSON | JSONL | CSV
    csv_header_location: str = "FIRST_ROW"  # FIRST_ROW | GIVEN
    csv_headers: tuple[str, ...] = ()
    csv_delimiter: str = ","
    max_items: int = 0  # 0: no limit
    max_items_path: ValueSource | None = None


@dataclass(frozen=True)
class ItemBatcherSpec:
    max_items: int = 0  # 0: no limit on the number of items per batch
    max_items_path: ValueSource | None = None
    max_bytes: int = 0  # 0: no limit on the size of a batch
    max_bytes_path: ValueSource | None = None
    batch_input: Template | None = None


@dataclass(frozen=True)
class WriterConfigSpec:
    """ResultWriter.WriterConfig: how the child results are shaped (Transformation) and serialized (OutputType)."""

    transformation: str  # NONE | COMPACT | FLATTEN, or "" when left out (the default depends on the export)
    output_type: str  # JSON | JSONL


@dataclass(frozen=True)
class DistributedConfig:
    """What a Map with `ProcessorConfig.Mode: DISTRIBUTED` adds to an inline Map."""

    execution_type: str  # STANDARD | EXPRESS
    label: str  # the Label, or a stable generated one (it names the map run and the child executions)
    reader: ItemReaderSpec | None = None
    batcher: ItemBatcherSpec | None = None
    writer: Template | None = None  # ResultWriter Parameters (Bucket, Prefix), s3:putObject: export to S3
    writer_config: WriterConfigSpec | None = None  # ResultWriter WriterConfig (absent: AWS's defaults)
    tolerated_count: int | None = None
    tolerated_count_path: ValueSource | None = None
    tolerated_percentage: float | None = None
    tolerated_percentage_path: ValueSource | None = None


@dataclass(eq=False)
class MapState(ResultState):
    items_path: JsonPath | None = None
    item_selector: Template | None = None  # ItemSelector, or the legacy Parameters of a Map
    processor: Machine | None = None
    max_concurrency: int = 0  # 0: unbounded (capped by the run's max_workers)
    max_concurrency_path: JsonPath | None = None
    distributed: DistributedConfig | None = None  # None: an inline Map
    items: JsonataTemplate | None = None  # JSONata Items (absent: $states.input)
    item_selector_jsonata: JsonataTemplate | None = None  # JSONata ItemSelector
    max_concurrency_expression: JsonataTemplate | None = None


@dataclass(eq=False)
class StateMachine(Machine):
    """A loaded definition. `source` is the (substituted) JSON document it was built from."""

    timeout_seconds: float | None = None
    comment: str | None = None
    source: dict[str, Any] = field(default_factory=dict)
    resources: frozenset[ResourceKind] = frozenset()
    uses_objects: bool = False  # a distributed Map reads (ItemReader) or writes (ResultWriter) S3 objects

    @property
    def uses_start_execution(self) -> bool:
        return bool(
            self.resources
            & {ResourceKind.START_EXECUTION, ResourceKind.START_EXECUTION_SYNC, ResourceKind.START_EXECUTION_SYNC2}
        )
