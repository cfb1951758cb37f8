"""A local Amazon States Language (ASL) executor: runs Step Functions definitions in-process, with AWS
semantics, so the same `.asl.json` files run on a laptop without an AWS account.

Usage::

    from familyplus_local.executor import VirtualClock, TaskError, load_definition, run_state_machine

    machine = load_definition("statemachines/process_response.asl.json",
                              substitutions={"TranscribeFunctionArn": "transcribe", ...})

    def invoke(function: str, payload: object) -> object:    # (function name/ARN, payload) -> result
        if function == "transcribe":
            return {"transcript": "..."}
        raise TaskError("PermanentError", f"unknown function {function}")  # a named ASL error

    execution = run_state_machine(machine, {"responseId": "r1"}, invoke=invoke, name="response-r1",
                                  clock=VirtualClock())      # virtual time: retries/Waits take no time
    execution.status, execution.output, execution.error     # "SUCCEEDED", {...}, None
    execution.history[-1].type                               # "ExecutionSucceeded"

Persistence and redrive::

    store = SqliteExecutionStore(".familyplus/local.db")
    arn = execution_arn("local", "response-r1")
    execution = run_state_machine(machine, data, invoke=invoke, name="response-r1", listener=store.listener(arn))
    store.save(execution)
    failed = store.get("response-r1")
    redrive_execution(machine, failed, invoke=invoke, listener=store.listener(arn))

Supported: Task (`arn:aws:states:::lambda:invoke` with Payload wrapping, direct Lambda function ARNs,
`arn:aws:states:::states:startExecution[.sync|.sync:2]`), Pass, Choice, Parallel, Map, Wait, Succeed, Fail;
InputPath/Parameters/ResultSelector/ResultPath/OutputPath with `$$` and intrinsics; Retry/Catch; TimeoutSeconds
(task and execution); the JSONata query language (`QueryLanguage`, top level or per state: Arguments, Output,
Items, ItemSelector, Choice Condition, `{% %}` values, `$states`) and workflow variables (`Assign` and `$name`
in both query languages; see `variables`). Map: INLINE, or DISTRIBUTED (`ProcessorConfig.ExecutionType` STANDARD
or EXPRESS) with Label, ItemsPath or ItemReader (`arn:aws:states:::s3:getObject`, InputType JSON/JSONL/CSV,
CSVHeaderLocation FIRST_ROW/GIVEN + CSVHeaders, CSVDelimiter, MaxItems(Path)), ItemSelector, ItemBatcher
(MaxItemsPerBatch(Path), MaxInputBytesPerBatch(Path), BatchInput), ToleratedFailureCount(Path) /
ToleratedFailurePercentage(Path) (exceeded → States.ExceedToleratedFailureThreshold) and ResultWriter
(`arn:aws:states:::s3:putObject`, Bucket/Prefix; manifest.json + SUCCEEDED_0.json/FAILED_0.json; WriterConfig
Transformation NONE/COMPACT/FLATTEN and OutputType JSON/JSONL, alone or with the export) — see
`states/map_run.py` for the output of failed items. Anything else is refused by `load_definition` with a
DefinitionError naming the field. Errors raised by `invoke`: TaskError → (error, cause) as given; any other
exception → its class name, with a Lambda-style JSON cause.

Objects: ItemReader/ResultWriter go through `objects=` (an `ObjectStore`: `get_object(bucket, key) -> bytes`,
`put_object(bucket, key, data)`), e.g. `DirectoryObjectStore(root)` (files `root/<bucket>/<key>`, keys that
could leave the bucket refused); a definition that needs it without it → MissingHookError at run start.

Time: every wait and timeout goes through the clock. With `VirtualClock` (sleep advances time instantly)
a Task's duration is what its own thread slept, so concurrent iterations do not time each other out. With
`SystemClock`, a Task that has a TimeoutSeconds (or runs under an execution TimeoutSeconds) is called in a
helper daemon thread so that the real wait is bounded too.

Threads: Parallel branches and Map iterations run in thread pools (at most MaxConcurrency, capped by
`max_workers`), so `invoke` must be thread-safe. The listener is called under a lock, in history order.

Documented differences from AWS: a run that ended in a Fail state reached through a Catch is redriven from the
state whose error was caught, and a redriven distributed Map re-runs its whole map run (see `redrive`; a
Parallel or inline Map reruns only its unsuccessful branches/iterations, as in AWS). Distributed Map: child
executions' events are kept in the parent's history under `<Map>/<child index>/...` (AWS keeps separate child
histories); STANDARD and EXPRESS children behave alike; results are written by a ResultWriter only when the map
run succeeds; MaxInputBytesPerBatch bounds the whole child input JSON. A Catch's error output always has a
"Cause" ("" when there is none) and `$$.Map.Item` is in an ItemSelector's context object only, both as in AWS.
"""

from .clock import Clock, SystemClock, VirtualClock
from .context import Invoke, StartExecution
from .definition import StateMachine, load_definition
from .engine import redrive_execution, run_state_machine
from .errors import (
    AmbiguousExecutionError,
    DefinitionError,
    ExecutionAlreadyExistsError,
    ExecutionLostError,
    ExecutionNotFoundError,
    ExecutionNotRunningError,
    InvalidNameError,
    InvalidObjectKeyError,
    MissingHookError,
    NoSuchObjectError,
    Problem,
    RedriveError,
    SubjectBusyError,
    TaskError,
)
from .history import ABORTED, FAILED, RUNNING, SUCCEEDED, TIMED_OUT, Execution, HistoryEvent
from .leases import Lease, LeaseKeeper, Owner
from .names import execution_arn, state_machine_arn, validate_name
from .objects import DirectoryObjectStore, ObjectStore
from .persistence import SqliteExecutionStore

__all__ = [
    "ABORTED",
    "FAILED",
    "RUNNING",
    "SUCCEEDED",
    "TIMED_OUT",
    "AmbiguousExecutionError",
    "Clock",
    "DefinitionError",
    "DirectoryObjectStore",
    "Execution",
    "ExecutionAlreadyExistsError",
    "ExecutionLostError",
    "ExecutionNotFoundError",
    "ExecutionNotRunningError",
    "HistoryEvent",
    "InvalidNameError",
    "InvalidObjectKeyError",
    "Invoke",
    "Lease",
    "LeaseKeeper",
    "MissingHookError",
    "NoSuchObjectError",
    "ObjectStore",
    "Owner",
    "Problem",
    "RedriveError",
    "SqliteExecutionStore",
    "StartExecution",
    "StateMachine",
    "SubjectBusyError",
    "SystemClock",
    "TaskError",
    "VirtualClock",
    "execution_arn",
    "load_definition",
    "redrive_execution",
    "run_state_machine",
    "state_machine_arn",
    "validate_name",
]
