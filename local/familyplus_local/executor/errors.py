"""Exceptions of the executor: the public ones (raised to callers) and the internal control-flow signals.

ASL error names used by the engine are constants here so that every module spells them the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

# ASL built-in error names (https://states-language.net/#appendix-a-predefined-error-codes).
STATES_ALL = "States.ALL"
STATES_RUNTIME = "States.Runtime"
STATES_TASK_FAILED = "States.TaskFailed"
STATES_TIMEOUT = "States.Timeout"
STATES_NO_CHOICE_MATCHED = "States.NoChoiceMatched"
STATES_INTRINSIC_FAILURE = "States.IntrinsicFailure"
STATES_RESULT_PATH_MATCH_FAILURE = "States.ResultPathMatchFailure"
STATES_EXCEED_TOLERATED_FAILURE_THRESHOLD = "States.ExceedToleratedFailureThreshold"
STATES_ITEM_READER_FAILED = "States.ItemReaderFailed"
STATES_RESULT_WRITER_FAILED = "States.ResultWriterFailed"
STATES_DATA_LIMIT_EXCEEDED = "States.DataLimitExceeded"
STATES_QUERY_EVALUATION_ERROR = "States.QueryEvaluationError"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a definition: where (JSON pointer) and what."""

    pointer: str
    message: str

    def __str__(self) -> str:
        return f"{self.pointer or '/'}: {self.message}"


class DefinitionError(ValueError):
    """Raised when a definition cannot be used: by `load_definition` when it is malformed or uses something
    this executor does not support, and by the CDK stack when it names something the catalog does not have or
    that IAM cannot scope. Every problem found is listed (`problems`), each naming the JSON pointer of the
    offending field, e.g. ``/States/Transcribe/HeartbeatSeconds``, and the state it belongs to; `source` names
    the file when one is known."""

    def __init__(self, problems: list[Problem], *, source: str | None = None):
        self.problems = list(problems)
        self.source = source
        lines = "\n".join(f"  - {p}" for p in self.problems)
        where = f"{source}: " if source else ""
        super().__init__(f"{where}invalid state machine definition ({len(self.problems)} problem(s)):\n{lines}")


class RedriveError(ValueError):
    """Raised by `redrive_execution` when the execution cannot be redriven (it is SUCCEEDED or RUNNING, or the
    state it would resume at is not in the given definition)."""


class MissingHookError(ValueError):
    """Raised at run start when the definition uses a resource whose hook was not given
    (e.g. `arn:aws:states:::states:startExecution` without `start_execution=`, or a distributed Map's
    ItemReader/ResultWriter without `objects=`)."""


class InvalidObjectKeyError(ValueError):
    """Raised by `DirectoryObjectStore` when a bucket name or object key is invalid or could reach outside the
    bucket's directory (absolute keys, `..` segments, symlinks leading elsewhere, ...)."""


class NoSuchObjectError(KeyError):
    """Raised by `DirectoryObjectStore.get_object` when the object does not exist (S3's NoSuchKey)."""

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0]) if self.args else "no such object"


class InvalidNameError(ValueError):
    """Raised at run start when an execution or state machine name breaks the AWS naming rules."""


class ExecutionNotFoundError(KeyError):
    """Raised by `SqliteExecutionStore.get` when no execution has the given ARN or name."""

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0]) if self.args else "execution not found"


class ExecutionAlreadyExistsError(ValueError):
    """Raised by `SqliteExecutionStore.append_event` (so, by a run using the store's listener) when an
    execution with the same ARN was already recorded: like AWS, a name is used once per state machine."""


class ExecutionNotRunningError(ValueError):
    """Raised by `SqliteExecutionStore.stop` when the execution already ended (AWS: nothing to stop)."""


class ExecutionLostError(RuntimeError):
    """Raised to a run's owner when its execution was stopped or taken for an orphan: it must not write on."""


class SubjectBusyError(ValueError):
    """Raised at the start (or redrive) of an execution whose subject — e.g. a response — another live
    execution of the same state machine is working on: two runs of one response would mix their results."""


class AmbiguousExecutionError(LookupError):
    """Raised by `SqliteExecutionStore.get` when a bare name matches executions of several state machines."""


class TaskError(Exception):
    """Raise from an `invoke` (or `start_execution`) hook to report a named ASL error, exactly as a Lambda
    function's `errorType` would be reported: `error` is what `ErrorEquals` matches, `cause` is free text."""

    def __init__(self, error: str, cause: str | None = None):
        super().__init__(f"{error}: {cause}" if cause else error)
        self.error = error
        self.cause = cause


# ---- internal signals (never escape run_state_machine) ----


class StatesFailure(Exception):
    """A state failed with an ASL error; it travels up until a Retry/Catch handles it or it fails the run.
    `located_cause`: the cause as the EvaluationFailed and ExecutionFailed events give it, beginning with the state
    that failed (AWS does this for States.QueryEvaluationError; a Catch sees the plain cause)."""

    def __init__(self, error: str, cause: str | None = None):
        super().__init__(f"{error}: {cause}" if cause else error)
        self.error = error
        self.cause = cause
        self.located_cause: str | None = None


class ExecutionTimedOutSignal(Exception):
    """The execution's TimeoutSeconds elapsed; not catchable by the definition."""


class AbortedSignal(Exception):
    """A sibling branch/iteration failed (or the run was interrupted): stop this branch at the next step."""
