"""Conformance tests for JSONPath-state behaviours where the executor once differed from AWS. Each test quotes
the rule it checks, from the AWS Step Functions developer guide ("guide") or the Amazon States Language
specification ("spec"), or names the behaviour recorded on real AWS executions ("recorded") where the documents
are silent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from familyplus_local.executor import DirectoryObjectStore, load_definition
from tests.unit.executor.support import Functions, chain, run, task

LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"


def invoke_state(**parameters: Any) -> dict[str, Any]:
    return {"Type": "Task", "Resource": LAMBDA_INVOKE, "Parameters": {"FunctionName": "echo", **parameters}}


# ---- arn:aws:states:::lambda:invoke ----


def test_a_json_string_payload_reaches_the_function_as_the_value_it_encodes() -> None:
    # Recorded: a Payload that is a JSON-encoded string (e.g. States.JsonToString) arrives decoded, as Lambda
    # parses the request body it is given.
    functions = Functions(echo=lambda event: event)
    definition = chain(("Call", invoke_state(**{"Payload.$": "States.JsonToString($)"})))
    execution = run(definition, {"a": [1, 2]}, invoke=functions)
    assert functions.payloads("echo") == [{"a": [1, 2]}]
    assert execution.output["Payload"] == {"a": [1, 2]}


def test_a_null_or_absent_payload_arrives_as_an_empty_object() -> None:
    # Recorded: "Payload": null (and no Payload) invoke the function with {}.
    functions = Functions(echo=lambda event: event)
    run(chain(("Call", invoke_state(Payload=None)), ("Again", invoke_state())), invoke=functions)
    assert functions.payloads("echo") == [{}, {}]


def test_a_payload_string_that_is_not_json_fails_like_lambda() -> None:
    functions = Functions(echo=lambda event: event)
    execution = run(chain(("Call", invoke_state(Payload="not json"))), invoke=functions)
    assert (execution.status, execution.error) == ("FAILED", "Lambda.InvalidRequestContentException")
    assert functions.calls == []


def test_every_documented_invoke_parameter_is_accepted() -> None:
    # Guide (Invoke Lambda with Step Functions): "ClientContext, FunctionName, InvocationType, Qualifier,
    # Payload" are the supported parameters, and LogType of the Invoke API.
    functions = Functions(echo=lambda event: {"got": event})
    state = invoke_state(Payload={"x": 1}, ClientContext="e30=", LogType="Tail", Qualifier="7")
    execution = run(chain(("Call", state)), invoke=functions)
    assert execution.status == "SUCCEEDED"
    assert execution.output["Payload"] == {"got": {"x": 1}}
    assert execution.output["ExecutedVersion"] == "7"
    assert execution.output["LogResult"] == ""


@pytest.mark.parametrize(("invocation", "status", "called"), [("Event", 202, True), ("DryRun", 204, False)])
def test_asynchronous_and_dry_run_invocations(invocation: str, status: int, called: bool) -> None:
    # Lambda Invoke API: InvocationType "Event" (asynchronous: 202, no result) and "DryRun" (validate only: 204).
    def fails(event: Any) -> Any:
        raise RuntimeError("an asynchronous failure is not the task's")

    functions = Functions(echo=fails)
    execution = run(chain(("Call", invoke_state(InvocationType=invocation))), invoke=functions)
    assert execution.status == "SUCCEEDED"
    assert execution.output["StatusCode"] == status
    assert bool(functions.calls) is called


# ---- intrinsic functions ----


@pytest.mark.parametrize(
    ("a", "b", "total"),
    [(1.5, 0, 2), (-1.5, 0, -1), (-2.5, 0, -2), (2.4, 0.4, 2), (-0.5, 0, 0), (0.49999999999999994, 0, 0)],
)
def test_non_integer_intrinsic_arguments_are_rounded_like_aws(a: float, b: float, total: int) -> None:
    # Guide (States.MathAdd): "If you specify a non-integer value for one or both the arguments, Step Functions
    # will round it off to the nearest integer." Recorded: halves round up (Java's Math.round): -1.5 -> -1.
    definition = chain(("Add", {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.a, $.b)"}}))
    assert run(definition, {"a": a, "b": b}).output == {"n": total}


@pytest.mark.parametrize("text", ["", " "])
def test_string_to_json_of_an_empty_or_blank_string_is_null(text: str) -> None:
    # Recorded: States.StringToJson('') and States.StringToJson(' ') give null.
    definition = chain(("Parse", {"Type": "Pass", "Parameters": {"v.$": "States.StringToJson($.s)"}}))
    assert run(definition, {"s": text}).output == {"v": None}


def test_fail_error_path_and_cause_path_take_intrinsic_functions() -> None:
    # Guide (Fail state): ErrorPath/CausePath take "a reference path or an intrinsic function", e.g.
    # States.Format.
    definition = chain(
        (
            "Stop",
            {
                "Type": "Fail",
                "ErrorPath": "States.Format('{}.Failed', $.stage)",
                "CausePath": "States.JsonToString($.detail)",
            },
        )
    )
    execution = run(definition, {"stage": "Transcribe", "detail": {"code": 7}})
    assert (execution.error, execution.cause) == ("Transcribe.Failed", '{"code":7}')


# ---- payload quota ----


def test_a_state_result_over_256_kib_is_data_limit_exceeded_catchable_by_name_only() -> None:
    # Guide (error names): "States.DataLimitExceeded ... the output of a state is larger than payload size quota
    # ... This is a terminal error that can't be caught by the States.ALL error type."
    big = Functions(big=lambda event: {"blob": "x" * (256 * 1024)})
    by_all = chain(
        ("Call", task("big", Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Caught"}])), ("Caught", {"Type": "Pass"})
    )
    execution = run(by_all, invoke=big)
    assert (execution.status, execution.error) == ("FAILED", "States.DataLimitExceeded")
    assert "returned a result with a size exceeding the maximum number of bytes service limit" in (
        execution.cause or ""
    )
    by_name = chain(
        ("Call", task("big", Catch=[{"ErrorEquals": ["States.DataLimitExceeded"], "Next": "Caught"}])),
        ("Caught", {"Type": "Pass"}),
    )
    caught = run(by_name, invoke=big)
    assert caught.status == "SUCCEEDED"
    assert caught.output["Error"] == "States.DataLimitExceeded"


# ---- context object, Wait ----


def test_retry_count_is_only_in_states_that_retry() -> None:
    # Recorded: $$.State.RetryCount is in the context object of Task, Parallel and Map, not of a Pass.
    definition = chain(
        ("Read", {"Type": "Pass", "Parameters": {"state.$": "$$.State"}}),
        ("Call", task("echo", Parameters={"state.$": "$$.State"})),
    )
    functions = Functions(echo=lambda event: event)
    execution = run(definition, invoke=functions)
    assert "RetryCount" not in execution.events("PassStateExited")[0].output["state"]
    assert functions.payloads("echo")[0]["state"]["RetryCount"] == 0


@pytest.mark.parametrize("seconds", [1.5, "5", -1])
def test_wait_seconds_path_must_resolve_to_a_non_negative_integer(seconds: Any) -> None:
    # Guide (Wait state): SecondsPath selects the time to wait, in seconds, as an integer. Recorded: 1.5 fails
    # the execution with States.Runtime.
    execution = run(chain(("Nap", {"Type": "Wait", "SecondsPath": "$.s"})), {"s": seconds})
    assert (execution.status, execution.error) == ("FAILED", "States.Runtime")
    assert "SecondsPath" in (execution.cause or "")


# ---- JSONPath ----


def test_bracket_notation_keeps_backslashes() -> None:
    # Recorded: $['a\"b'] names the key a\"b (the backslash is part of the name), as Jayway JsonPath reads it.
    definition = chain(("Read", {"Type": "Pass", "InputPath": "$['a\\\"b']"}))
    assert run(definition, {'a\\"b': 1, 'a"b': 2}).output == 1


# ---- Map ----


def test_the_legacy_iterator_takes_a_processor_config() -> None:
    # Guide (Map state): "Iterator ... deprecated ... use ItemProcessor"; definitions that still use Iterator
    # with ProcessorConfig run (inline here).
    definition = chain(
        (
            "Each",
            {
                "Type": "Map",
                "Iterator": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "Echo",
                    "States": {"Echo": {"Type": "Pass", "End": True}},
                },
            },
        )
    )
    assert run(definition, [1, 2]).output == [1, 2]


def distributed(reader_config: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return chain(
        (
            "Fan",
            {
                "Type": "Map",
                "ItemReader": {
                    "Resource": "arn:aws:states:::s3:getObject",
                    "ReaderConfig": reader_config,
                    "Parameters": {"Bucket": "inbox", "Key": "rows.csv"},
                },
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "Echo",
                    "States": {"Echo": {"Type": "Pass", "End": True}},
                },
                **fields,
            },
        )
    )


def csv_store(tmp_path: Path, body: str) -> DirectoryObjectStore:
    store = DirectoryObjectStore(tmp_path)
    store.put_object("inbox", "rows.csv", body.encode())
    return store


def test_csv_rows_with_fewer_or_more_fields_than_headers_are_read_as_aws_reads_them(tmp_path: Path) -> None:
    # Recorded: AWS succeeds on ragged rows: missing fields are "", fields past the last header are dropped.
    store = csv_store(tmp_path, "a,b\n1\n2,3,4\n")
    execution = run(distributed({"InputType": "CSV"}), {}, objects=store)
    assert execution.output == [{"a": "1", "b": ""}, {"a": "2", "b": "3"}]


@pytest.mark.parametrize(
    ("config", "body"),
    [
        ({"InputType": "CSV"}, "a,a\n1,2\n"),
        ({"InputType": "CSV", "CSVHeaderLocation": "GIVEN", "CSVHeaders": ["x", "x"]}, "1,2\n"),
    ],
)
def test_duplicate_csv_headers_fail_the_reader(tmp_path: Path, config: dict[str, Any], body: str) -> None:
    # Recorded: duplicate headers (first row or CSVHeaders) fail the map run with States.ItemReaderFailed,
    # "CSV headers cannot contain duplicates."
    execution = run(distributed(config), {}, objects=csv_store(tmp_path, body))
    assert (execution.error, execution.cause) == ("States.ItemReaderFailed", "CSV headers cannot contain duplicates.")


def test_items_path_is_accepted_beside_an_item_reader(tmp_path: Path) -> None:
    # Recorded: AWS accepts ItemsPath together with ItemReader; the items are what the reader reads.
    load_definition(distributed({"InputType": "CSV"}, ItemsPath="$.rows"))
    execution = run(
        distributed({"InputType": "CSV"}, ItemsPath="$.rows"), {"rows": [9]}, objects=csv_store(tmp_path, "a\n1\n")
    )
    assert execution.output == [{"a": "1"}]
    assert json.dumps(execution.output)


def test_map_item_is_only_in_the_item_selectors_context_object() -> None:
    # Guide (Context object): "Map.Item.Index / Map.Item.Value ... in the ItemSelector field"; the states of
    # an iteration do not see it (a path into $$.Map selects nothing there).
    processor = {"StartAt": "Read", "States": {"Read": {"Type": "Pass", "Parameters": {"m.$": "$$.Map"}, "End": True}}}
    definition = chain(
        ("Each", {"Type": "Map", "ItemSelector": {"v.$": "$$.Map.Item.Value"}, "ItemProcessor": processor})
    )
    execution = run(definition, [1])
    assert (execution.status, execution.error) == ("FAILED", "States.Runtime")


def test_runtime_errors_are_worded_as_aws_words_them() -> None:
    # Recorded on AWS: "An error occurred while executing the state 'Call' (entered at the event id #2). The
    # JSONPath '$.missing' specified for the field 'x.$' could not be found in the input '{...}'" (the input is
    # left out here: a family's words never go into an error), and for InputPath "Invalid path '$.a' : No
    # results for path: $['a']".
    parameters = run(chain(("Call", task("f", Parameters={"x.$": "$.missing"}))), {"a": 1})
    assert (parameters.error, parameters.cause) == (
        "States.Runtime",
        "An error occurred while executing the state 'Call' (entered at the event id #2). The JSONPath "
        "'$.missing' specified for the field 'x.$' could not be found in the input",
    )
    input_path = run(chain(("Read", {"Type": "Pass", "InputPath": "$.a.b"})), {"a": {}})
    assert input_path.cause == (
        "An error occurred while executing the state 'Read' (entered at the event id #2). "
        "Invalid path '$.a.b' : No results for path: $['a']['b']"
    )
