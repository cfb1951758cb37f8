"""The causes of engine-generated errors, worded as AWS words them: users match on them and read them.

Each test names its source: "recorded" is a cause copied from an execution history recorded on real AWS (an
AWS console or CLI history quoted in a public repository, or LocalStack's snapshot tests, which are recorded
against AWS: their `recorded-date` entries); "LocalStack" is LocalStack's reproduction of AWS's words in its
ASL interpreter (also moto's, which ports it) where no recording was found. Causes never carry the state input
(a family's words): where AWS appends it, the tests say so."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from familyplus_local.executor import DirectoryObjectStore
from tests.unit.executor.support import LAMBDA_ARN, Functions, RecordingClock, chain, run, task

WHERE = "An error occurred while executing the state '{}' (entered at the event id #2)."


def wait(**fields: Any) -> dict[str, Any]:
    return chain(("Nap", {"Type": "Wait", **fields}))


# ---- Choice ----


def test_a_choice_variable_that_selects_nothing() -> None:
    # Recorded (ExecutionFailed): "An error occurred while executing the state 'CheckWorkerSuccess' (entered at
    # the event id #203). Invalid path '$.worker_result.Payload.status': The choice state's condition path
    # references an invalid value."
    rule = {"Variable": "$.status", "StringEquals": "ok", "Next": "Done"}
    definition = chain(("Check", {"Type": "Choice", "Choices": [rule], "Default": "Done"}), ("Done", {"Type": "Pass"}))
    execution = run(definition, {"other": 1})
    assert (execution.error, execution.cause) == (
        "States.Runtime",
        f"{WHERE.format('Check')} Invalid path '$.status': The choice state's condition path references an "
        "invalid value.",
    )


def test_no_choice_matched_is_its_own_error() -> None:
    # Spec: "States.NoChoiceMatched: A Choice state failed to find a match for the condition field extracted
    # from its input." (No recorded cause was found; ours names the state.)
    rule = {"Variable": "$.n", "NumericEquals": 1, "Next": "Done"}
    definition = chain(("Check", {"Type": "Choice", "Choices": [rule]}), ("Done", {"Type": "Pass"}))
    execution = run(definition, {"n": 2})
    assert (execution.status, execution.error) == ("FAILED", "States.NoChoiceMatched")
    assert "'Check'" in (execution.cause or "")


# ---- Task timeouts and the payload quota ----


def test_a_task_timeout_has_no_cause() -> None:
    # Recorded (LocalStack's test_timeouts snapshot, 10-03-2024): LambdaFunctionTimedOut and TaskTimedOut carry
    # {"error": "States.Timeout"} only, and so does ExecutionFailed.
    clock = RecordingClock()
    slow = Functions(slow=lambda event: clock.sleep(30))
    execution = run(chain(("Slow", task("slow", TimeoutSeconds=5))), invoke=slow, clock=clock)
    assert (execution.status, execution.error, execution.cause or None) == ("FAILED", "States.Timeout", None)


def test_a_result_over_the_quota_names_the_resource() -> None:
    # Recorded (LocalStack's test_states_errors snapshot, 21-03-2024): "The state/task 'lambda' returned a result
    # with a size exceeding the maximum number of bytes service limit." for arn:aws:states:::lambda:invoke, and
    # "The state/task 'arn:aws:lambda:...:function:...' returned ..." for a Lambda Task (also recorded in
    # NASA-IMPACT/csdap-cumulus issue #296: "The state/task 'arn:aws:lambda:us-west-2:...:function:cumulus-prod-
    # FormatProviderPaths' returned a result with a size exceeding the maximum number of bytes service limit.").
    big = Functions(big=lambda event: "x" * (256 * 1024))
    invoke = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "big"}}
    by_integration = run(chain(("Call", invoke)), invoke=big)
    assert (by_integration.error, by_integration.cause) == (
        "States.DataLimitExceeded",
        "The state/task 'lambda' returned a result with a size exceeding the maximum number of bytes service limit.",
    )
    by_arn = run(chain(("Call", task("big"))), invoke=big)
    assert by_arn.cause == (
        f"The state/task '{LAMBDA_ARN}big' returned a result with a size exceeding the maximum number of bytes "
        "service limit."
    )


# ---- Wait ----


def test_a_timestamp_path_that_is_not_a_timestamp() -> None:
    # Recorded (LocalStack's test_wait snapshot, 11-12-2023): "An error occurred while executing the state
    # 'State_1' (entered at the event id #2). The TimestampPath parameter does not reference a valid ISO-8601
    # extended offset date-time format string: $.start_at == <timestamp>"
    execution = run(wait(TimestampPath="$.at"), {"at": "next tuesday"})
    assert (execution.error, execution.cause) == (
        "States.Runtime",
        f"{WHERE.format('Nap')} The TimestampPath parameter does not reference a valid ISO-8601 extended offset "
        "date-time format string: $.at == next tuesday",
    )


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ({"s": 1.5}, "The SecondsPath parameter cannot be parsed as a long value: $.s == 1.5"),
        ({"s": "5"}, "The SecondsPath parameter cannot be parsed as a long value: $.s == 5"),
        ({"s": -1}, "The SecondsPath parameter references a negative value: $.s == -1"),
        ({}, "The SecondsPath parameter does not reference an input value: $.s"),
    ],
)
def test_a_seconds_path_that_is_not_a_non_negative_integer(given: dict[str, Any], reason: str) -> None:
    # LocalStack: "The SecondsPath parameter cannot be parsed as a long value: <path> == <value>", "... references
    # a negative value: ...", "... does not reference an input value: <path>".
    execution = run(wait(SecondsPath="$.s"), given)
    assert (execution.error, execution.cause) == ("States.Runtime", f"{WHERE.format('Nap')} {reason}")


# ---- paths ----


def test_a_timeout_seconds_path_that_selects_nothing() -> None:
    # LocalStack (as for InputPath, recorded): "Invalid path '$.t' : No results for path: $['t']"
    execution = run(chain(("Call", task("f", TimeoutSecondsPath="$.t"))), {}, invoke=Functions(f=lambda e: e))
    assert execution.cause == f"{WHERE.format('Call')} Invalid path '$.t' : No results for path: $['t']"


@pytest.mark.parametrize("seconds", [0, "ten"])
def test_a_timeout_seconds_path_that_is_not_a_positive_integer(seconds: Any) -> None:
    # LocalStack: "Expected non-negative integer for TimeoutSecondsPath, got '<value>' instead."
    definition = chain(("Call", task("f", TimeoutSecondsPath="$.t")))
    execution = run(definition, {"t": seconds}, invoke=Functions(f=lambda e: e))
    assert (execution.error, execution.cause) == (
        "States.Runtime",
        f"{WHERE.format('Call')} Expected non-negative integer for TimeoutSecondsPath, got '{seconds}' instead.",
    )


def test_a_context_object_or_intrinsic_argument_path_that_selects_nothing() -> None:
    # LocalStack: a `$$.` path is reported like an input path ("The JSONPath '$$.Execution.Nope' specified for
    # the field 'x.$' could not be found in the input '...'"), an intrinsic's argument as "The JSONPath '$.a'
    # could not be found in the input '...'" (the input left out here, as everywhere).
    context = run(chain(("Read", {"Type": "Pass", "Parameters": {"x.$": "$$.Execution.Nope"}})), {})
    assert context.cause == (
        f"{WHERE.format('Read')} The JSONPath '$$.Execution.Nope' specified for the field 'x.$' could not be found "
        "in the input"
    )
    intrinsic = run(chain(("Read", {"Type": "Pass", "Parameters": {"x.$": "States.JsonToString($.a)"}})), {})
    assert (intrinsic.error, intrinsic.cause) == (
        "States.Runtime",
        f"{WHERE.format('Read')} The JSONPath '$.a' could not be found in the input",
    )


def test_a_result_path_failure_does_not_quote_the_input() -> None:
    # Spec: "States.ResultPathMatchFailure: ... the state's input could not be updated with the result". The
    # cause names the path, never the input.
    definition = chain(("Put", {"Type": "Pass", "Result": 1, "ResultPath": "$.a.b"}))
    execution = run(definition, {"a": "words of a family"})
    assert execution.error == "States.ResultPathMatchFailure"
    assert "$.a.b" in (execution.cause or "")
    assert "words of a family" not in (execution.cause or "")


# ---- Parallel ----


def test_a_failed_branch_fails_the_parallel_with_its_own_error() -> None:
    # LocalStack (BranchesDecl): the Parallel state fails with the failed branch's error and cause, not with
    # the spec's generic States.BranchFailed, and a Catch on the Parallel matches that error.
    branch = {"StartAt": "Boom", "States": {"Boom": {"Type": "Fail", "Error": "Oops", "Cause": "it broke"}}}
    ok = {"StartAt": "Fine", "States": {"Fine": {"Type": "Pass", "End": True}}}
    both = {"Type": "Parallel", "Branches": [ok, branch]}
    failed = run(chain(("Both", both)), {})
    assert (failed.error, failed.cause) == ("Oops", "it broke")
    caught = run(
        chain(("Both", {**both, "Catch": [{"ErrorEquals": ["Oops"], "Next": "Caught"}]}), ("Caught", {"Type": "Pass"})),
        {},
    )
    assert caught.output == {"Error": "Oops", "Cause": "it broke"}


# ---- Map ----


def inline_map(**fields: Any) -> dict[str, Any]:
    processor = {"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": True}}}
    return chain(("Each", {"Type": "Map", "ItemProcessor": processor, **fields}))


@pytest.mark.parametrize(
    ("limit", "reason"),
    [
        ("many", 'The MaxConcurrencyPath field refers to value "many" which is not a valid integer: $.limit'),
        (-1, "Expected non-negative integer for MaxConcurrency, got '-1' instead."),
    ],
)
def test_a_max_concurrency_path_that_is_not_a_non_negative_integer(limit: Any, reason: str) -> None:
    # LocalStack: 'The MaxConcurrencyPath field refers to value "<value>" which is not a valid integer: <path>'
    # and "Expected non-negative integer for MaxConcurrency, got '<value>' instead."
    execution = run(inline_map(ItemsPath="$.items", MaxConcurrencyPath="$.limit"), {"items": [1], "limit": limit})
    assert (execution.error, execution.cause) == ("States.Runtime", f"{WHERE.format('Each')} {reason}")


def distributed(reader: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    state: dict[str, Any] = {
        "Type": "Map",
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "Echo",
            "States": {"Echo": {"Type": "Pass", "End": True}},
        },
        **fields,
    }
    if reader is not None:
        state["ItemReader"] = {
            "Resource": "arn:aws:states:::s3:getObject",
            "ReaderConfig": reader,
            "Parameters": {"Bucket": "inbox", "Key": "items.json"},
        }
    return chain(("Fan", state))


def store(tmp_path: Path, body: str) -> DirectoryObjectStore:
    objects = DirectoryObjectStore(tmp_path)
    objects.put_object("inbox", "items.json", body.encode())
    return objects


def test_an_item_reader_json_that_is_not_an_array(tmp_path: Path) -> None:
    # LocalStack: States.ItemReaderFailed, "Attempting to map over non-iterable node."
    execution = run(distributed({"InputType": "JSON"}), {}, objects=store(tmp_path, '{"a": 1}'))
    assert (execution.error, execution.cause) == (
        "States.ItemReaderFailed",
        "Attempting to map over non-iterable node.",
    )


@pytest.mark.parametrize(
    ("limit", "cause"),
    [
        ("ten", "The MaxItemsPath field refers to value 'ten' which is not a valid integer: $.limit"),
        (-1, "field MaxItems must be positive"),
    ],
)
def test_a_max_items_path_that_is_not_a_non_negative_integer(tmp_path: Path, limit: Any, cause: str) -> None:
    # LocalStack: States.ItemReaderFailed, "The MaxItemsPath field refers to value '<value>' which is not a
    # valid integer: <path>", and "field MaxItems must be positive".
    definition = distributed({"InputType": "JSON", "MaxItemsPath": "$.limit"})
    execution = run(definition, {"limit": limit}, objects=store(tmp_path, "[1]"))
    assert (execution.error, execution.cause) == ("States.ItemReaderFailed", cause)


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        (
            "ToleratedFailureCountPath",
            "some",
            'The ToleratedFailureCountPath field refers to value "some" which is not a valid integer: $.t',
        ),
        ("ToleratedFailureCountPath", -1, "ToleratedFailureCount cannot be negative."),
        (
            "ToleratedFailurePercentagePath",
            "half",
            'The ToleratedFailurePercentagePath field refers to value "half" which is not a valid float: $.t',
        ),
        ("ToleratedFailurePercentagePath", 101, "ToleratedFailurePercentage must be between 0 and 100."),
    ],
)
def test_a_tolerated_failure_path_out_of_range(field: str, value: Any, reason: str) -> None:
    # LocalStack: the …Path field "refers to value ... which is not a valid integer/float", "ToleratedFailureCount
    # cannot be negative.", "ToleratedFailurePercentage must be between 0 and 100."
    paths: dict[str, Any] = {field: "$.t"}
    execution = run(distributed(None, ItemsPath="$.items", **paths), {"items": [1], "t": value})
    assert (execution.error, execution.cause) == ("States.Runtime", f"{WHERE.format('Fan')} {reason}")


# ---- JSONata ----


def test_a_jsonata_expression_that_returns_nothing_names_its_field_and_state() -> None:
    # Recorded (a child execution's failure quoted in a public repository): "States.QueryEvaluationError",
    # "An error occurred while executing the state 'Run S3 Data Push' (entered at the event id #6). The JSONata
    # expression '$states.input.pushLocation' specified for the field 'Arguments/Input/pushLocation' returned
    # nothing (undefined)." LocalStack: the state is named in the EvaluationFailed and ExecutionFailed events only;
    # a Catch's error output has the plain cause.
    arguments = {"FunctionName": "f", "Payload": {"Input": {"pushLocation": "{% $states.input.pushLocation %}"}}}
    push = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Arguments": arguments}
    plain = (
        "The JSONata expression '$states.input.pushLocation' specified for the field "
        "'Arguments/Payload/Input/pushLocation' returned nothing (undefined)."
    )
    failed = run(chain(("Push", push), QueryLanguage="JSONata"), {}, invoke=Functions(f=lambda e: e))
    assert (failed.error, failed.cause) == ("States.QueryEvaluationError", f"{WHERE.format('Push')} {plain}")
    assert [e.cause for e in failed.events("EvaluationFailed")] == [f"{WHERE.format('Push')} {plain}"]
    catch = [{"ErrorEquals": ["States.QueryEvaluationError"], "Next": "Caught", "Output": "{% $states.errorOutput %}"}]
    definition = chain(("Push", {**push, "Catch": catch}), ("Caught", {"Type": "Pass"}), QueryLanguage="JSONata")
    caught = run(definition, {}, invoke=Functions(f=lambda e: e))
    assert caught.output == {"Error": "States.QueryEvaluationError", "Cause": plain}


def test_jsonata_items_that_are_not_an_array() -> None:
    # LocalStack: "The JSONata expression '<expr>' specified for the field 'Items' returned an unexpected result
    # type. Expected 'array', but was 'object' for value: <value>" (the value is left out here: a family's words).
    processor = {"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": True}}}
    each = {"Type": "Map", "Items": "{% $states.input.rows %}", "ItemProcessor": processor}
    execution = run(chain(("Each", each), QueryLanguage="JSONata"), {"rows": {"a": 1}})
    assert (execution.error, execution.cause) == (
        "States.QueryEvaluationError",
        f"{WHERE.format('Each')} The JSONata expression '$states.input.rows' specified for the field 'Items' "
        "returned an unexpected result type. Expected 'array', but was 'object'",
    )
