"""Distributed Map ResultWriter.WriterConfig conformance (Transformation NONE | COMPACT | FLATTEN, OutputType
JSON | JSONL), each test quoting the rule of the AWS Step Functions developer guide's "ResultWriter (Map)" page
it checks: the three field combinations, what the state output holds in each, the exported files, and the
load-time refusals (JSON-pointer errors). Virtual time."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from familyplus_local.executor import (
    DefinitionError,
    DirectoryObjectStore,
    TaskError,
    VirtualClock,
    load_definition,
    redrive_execution,
)

from .support import START, Functions, chain, run, task

PUT = "arn:aws:states:::s3:putObject"
EXPORT = {"Resource": PUT, "Parameters": {"Bucket": "results", "Prefix": "csvProcessJobs"}}
# The guide's example child output: "assume that each child workflow execution returns an output, which is an
# array of objects".
ORDERS = {
    "100000": [{"customer_id": "145538", "order_id": "100000"}, {"customer_id": "898037", "order_id": "100001"}],
    "100002": [{"customer_id": "711282", "order_id": "100002"}],
}


def dmap(language: str = "JSONPath", **fields: Any) -> dict[str, Any]:
    items = "{% $states.input.orders %}" if language == "JSONata" else None
    state: dict[str, Any] = {
        "Type": "Map",
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "Work",
            "States": {"Work": task("work", End=True)},
        },
        **({"Items": items} if items else {"ItemsPath": "$.orders"}),
        **fields,
    }
    if language == "JSONata":  # a JSONata Task hands its Arguments to the function as its payload
        state["ItemProcessor"]["States"]["Work"] = {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Arguments": {"FunctionName": "work", "Payload": "{% $states.input %}"},
            "Output": "{% $states.result.Payload %}",
            "End": True,
        }
    return chain(("Fan", state), **({"QueryLanguage": "JSONata"} if language == "JSONata" else {}))


def orders(*bad: str) -> Functions:
    def work(payload: Any) -> Any:
        # str(): a JSONata lambda:invoke decodes a JSON-text string Payload, as AWS does ("100000" arrives as 100000)
        order = str(payload["order_id"] if isinstance(payload, dict) else payload)
        if order in bad:
            raise TaskError("Boom", "bad order")
        return ORDERS.get(order, {"single": order})

    return Functions(work=work)


def written(store_root: Path, name: str) -> bytes:
    return next(store_root.rglob(name)).read_bytes()


# ---- WriterConfig alone: the formatted results are the state output, nothing is exported ----


@pytest.mark.parametrize(
    ("transformation", "expected"),
    [
        # "COMPACT - returns the output of the child workflow executions."
        ("COMPACT", [ORDERS["100000"], ORDERS["100002"]]),
        # "FLATTEN - ... If a child workflow execution returns an array, this option flattens the array, prior to
        # returning the result to a state output or writing the result to an Amazon S3 object."
        ("FLATTEN", [*ORDERS["100000"], *ORDERS["100002"]]),
    ],
)
def test_writer_config_alone_returns_the_formatted_results_as_the_state_output(
    transformation: str, expected: list[Any]
) -> None:
    # "WriterConfig - to preview the formatted output, without saving the results to Amazon S3." No objects
    # hook is needed: nothing is written.
    definition = dmap(ResultWriter={"WriterConfig": {"Transformation": transformation, "OutputType": "JSON"}})
    execution = run(definition, {"orders": ["100000", "100002"]}, invoke=orders())
    assert execution.status == "SUCCEEDED", execution.cause
    assert execution.output == expected


def test_none_returns_the_child_outputs_unchanged_with_the_workflow_metadata() -> None:
    # "NONE - returns the output of the child workflow executions unchanged, in addition to the workflow metadata."
    definition = dmap(ResultWriter={"WriterConfig": {"Transformation": "NONE", "OutputType": "JSON"}})
    execution = run(definition, {"orders": ["100000", "100002"]}, invoke=orders())
    assert execution.status == "SUCCEEDED", execution.cause
    records = execution.output
    assert [json.loads(r["Output"]) for r in records] == [ORDERS["100000"], ORDERS["100002"]]
    assert [json.loads(r["Input"]) for r in records] == ["100000", "100002"]
    assert {r["Status"] for r in records} == {"SUCCEEDED"}
    assert all(r["ExecutionArn"].rsplit(":", 1)[1] == r["Name"] for r in records)


def test_flatten_keeps_a_non_array_output_and_a_failed_childs_record_as_they_are() -> None:
    # "If a child workflow execution fails, Step Functions returns its execution result unchanged. The results
    # would be equivalent to having set Transformation to NONE."
    definition = dmap(
        ToleratedFailureCount=1,
        ResultWriter={"WriterConfig": {"Transformation": "FLATTEN", "OutputType": "JSON"}},
    )
    execution = run(definition, {"orders": ["100000", "bad", "other"]}, invoke=orders("bad"))
    assert execution.status == "SUCCEEDED", execution.cause
    *flat, failed, single = execution.output
    assert flat == ORDERS["100000"]
    assert (failed["Status"], failed["Error"], json.loads(failed["Input"])) == ("FAILED", "Boom", "bad")
    assert single == {"single": "other"}


def test_writer_config_alone_with_jsonl_gives_the_json_lines_as_the_state_output() -> None:
    # "JSONL - formats the results as JSON Lines." Without an export the state output holds them as one string.
    definition = dmap(ResultWriter={"WriterConfig": {"Transformation": "FLATTEN", "OutputType": "JSONL"}})
    execution = run(definition, {"orders": ["100000", "100002"]}, invoke=orders())
    assert execution.status == "SUCCEEDED", execution.cause
    assert isinstance(execution.output, str)
    lines = execution.output.splitlines()
    assert [json.loads(line) for line in lines] == [*ORDERS["100000"], *ORDERS["100002"]]


# ---- Resource and Parameters, with and without WriterConfig ----


def test_resource_and_parameters_alone_export_records_unformatted(tmp_path: Path) -> None:
    # "Resource and Parameters - to save the results to Amazon S3 without additional formatting"; NONE is the
    # "Default when exporting the child workflow execution results to Amazon S3 and WriterConfig is not
    # specified."
    store = DirectoryObjectStore(tmp_path)
    execution = run(dmap(ResultWriter=EXPORT), {"orders": ["100000"]}, invoke=orders(), objects=store)
    assert execution.status == "SUCCEEDED", execution.cause
    assert set(execution.output) == {"MapRunArn", "ResultWriterDetails"}
    (record,) = json.loads(written(tmp_path, "SUCCEEDED_0.json"))
    assert json.loads(record["Output"]) == ORDERS["100000"]


def test_all_three_fields_format_the_results_and_export_them(tmp_path: Path) -> None:
    # "All three fields: WriterConfig, Resource and Parameters - to format the output and save it to Amazon S3."
    store = DirectoryObjectStore(tmp_path)
    definition = dmap(
        ToleratedFailureCount=1,
        ResultWriter={"WriterConfig": {"Transformation": "FLATTEN", "OutputType": "JSON"}, **EXPORT},
    )
    execution = run(definition, {"orders": ["100000", "bad", "100002"]}, invoke=orders("bad"), objects=store)
    assert execution.status == "SUCCEEDED", execution.cause
    run_id = execution.output["MapRunArn"].rsplit(":", 1)[1]
    assert execution.output["ResultWriterDetails"] == {
        "Bucket": "results",
        "Key": f"csvProcessJobs/{run_id}/manifest.json",
    }
    assert json.loads(store.get_object("results", f"csvProcessJobs/{run_id}/SUCCEEDED_0.json")) == [
        *ORDERS["100000"],
        *ORDERS["100002"],
    ]
    (failed,) = json.loads(store.get_object("results", f"csvProcessJobs/{run_id}/FAILED_0.json"))
    assert (failed["Status"], failed["Error"]) == ("FAILED", "Boom")


def test_jsonl_export_writes_json_lines_files_listed_in_the_manifest(tmp_path: Path) -> None:
    # "JSONL - formats the results as JSON Lines": one result a line in each exported file; the manifest lists
    # them (FAILED, PENDING, SUCCEEDED with Key and Size) as for JSON.
    store = DirectoryObjectStore(tmp_path)
    definition = dmap(
        ToleratedFailureCount=1,
        ResultWriter={"WriterConfig": {"Transformation": "COMPACT", "OutputType": "JSONL"}, **EXPORT},
    )
    execution = run(definition, {"orders": ["100000", "bad", "100002"]}, invoke=orders("bad"), objects=store)
    assert execution.status == "SUCCEEDED", execution.cause
    manifest = json.loads(store.get_object("results", execution.output["ResultWriterDetails"]["Key"]))
    files = manifest["ResultFiles"]
    assert files["PENDING"] == []
    succeeded_key, failed_key = files["SUCCEEDED"][0]["Key"], files["FAILED"][0]["Key"]
    succeeded = store.get_object("results", succeeded_key)
    assert files["SUCCEEDED"][0]["Size"] == len(succeeded)
    assert [json.loads(line) for line in succeeded.decode().splitlines()] == [ORDERS["100000"], ORDERS["100002"]]
    failed_lines = store.get_object("results", failed_key).decode().splitlines()
    assert [json.loads(line)["Status"] for line in failed_lines] == ["FAILED"]


def test_jsonata_map_takes_writer_config_with_arguments(tmp_path: Path) -> None:
    # Same fields in a JSONata state, where "Parameters will be replaced with Arguments".
    store = DirectoryObjectStore(tmp_path)
    definition = dmap(
        "JSONata",
        ResultWriter={
            "WriterConfig": {"Transformation": "FLATTEN", "OutputType": "JSONL"},
            "Resource": PUT,
            "Arguments": {"Bucket": "results", "Prefix": "{% 'jobs/' & $states.input.run %}"},
        },
    )
    execution = run(definition, {"orders": ["100000"], "run": "r1"}, invoke=orders(), objects=store)
    assert execution.status == "SUCCEEDED", execution.cause
    key = execution.output["ResultWriterDetails"]["Key"]
    assert key.startswith("jobs/r1/")
    body = written(tmp_path, "SUCCEEDED_0.json").decode()
    assert [json.loads(line) for line in body.splitlines()] == ORDERS["100000"]
    alone = dmap("JSONata", ResultWriter={"WriterConfig": {"Transformation": "COMPACT", "OutputType": "JSON"}})
    assert run(alone, {"orders": ["100002"]}, invoke=orders()).output == [ORDERS["100002"]]


def test_a_redriven_map_run_formats_the_kept_and_the_new_results_alike(tmp_path: Path) -> None:
    # Guide ("Redriving Map Runs"): the redrive runs again only the unsuccessful children; the succeeded ones
    # keep their output, so the formatted results hold both, in item order, under the same WriterConfig.
    store = DirectoryObjectStore(tmp_path)
    definition = dmap(
        ToleratedFailureCount=0,
        ResultWriter={"WriterConfig": {"Transformation": "FLATTEN", "OutputType": "JSONL"}, **EXPORT},
    )
    first = run(definition, {"orders": ["100000", "100002"]}, invoke=orders("100002"), objects=store)
    assert first.status == "FAILED"
    again = orders()
    redriven = redrive_execution(definition, first, invoke=again, objects=store, clock=VirtualClock(START))
    assert redriven.status == "SUCCEEDED", redriven.cause
    assert again.payloads("work") == ["100002"]
    manifest = json.loads(store.get_object("results", redriven.output["ResultWriterDetails"]["Key"]))
    body = store.get_object("results", manifest["ResultFiles"]["SUCCEEDED"][0]["Key"]).decode()
    assert [json.loads(line) for line in body.splitlines()] == [*ORDERS["100000"], *ORDERS["100002"]]


# ---- load-time refusals ----


@pytest.mark.parametrize(
    ("writer", "pointer", "expected"),
    [
        # "The ResultWriter field cannot be empty. You must specify one of these sets of sub-fields."
        ({}, "/States/Fan/ResultWriter", "ResultWriter cannot be empty"),
        ({"Resource": PUT}, "/States/Fan/ResultWriter/Parameters", "ResultWriter Resource needs Parameters too"),
        (
            {"Parameters": {"Bucket": "b"}, "WriterConfig": {"Transformation": "NONE", "OutputType": "JSON"}},
            "/States/Fan/ResultWriter/Resource",
            "ResultWriter Parameters needs Resource too",
        ),
        # Transformation is one of NONE, COMPACT, FLATTEN; OutputType one of JSON, JSONL.
        (
            {"WriterConfig": {"Transformation": "SQUASH", "OutputType": "JSON"}},
            "/States/Fan/ResultWriter/WriterConfig/Transformation",
            "Transformation must be one of NONE, COMPACT, FLATTEN, got 'SQUASH'",
        ),
        (
            {"WriterConfig": {"Transformation": "NONE", "OutputType": "CSV"}, **EXPORT},
            "/States/Fan/ResultWriter/WriterConfig/OutputType",
            "OutputType must be one of JSON, JSONL, got 'CSV'",
        ),
        (
            {"WriterConfig": {"Transformation": "NONE", "Compression": "GZIP"}},
            "/States/Fan/ResultWriter/WriterConfig/Compression",
            "Compression",
        ),
        ({"WriterConfig": "FLATTEN"}, "/States/Fan/ResultWriter/WriterConfig", "WriterConfig must be a JSON object"),
    ],
)
def test_invalid_result_writers_are_refused_at_load_with_a_json_pointer(
    writer: dict[str, Any], pointer: str, expected: str
) -> None:
    with pytest.raises(DefinitionError) as error:
        load_definition(dmap(ResultWriter=writer))
    assert pointer in str(error.value)
    assert expected in str(error.value)
