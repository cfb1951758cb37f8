"""Distributed Map conformance: ItemReader (JSON, JSONL, CSV over the `objects` hook), MaxItems, ItemBatcher,
tolerated failures (count and percentage, under and over), ResultWriter layout, map run events, child
executions, concurrency, hook checks, DirectoryObjectStore key safety and load-time refusals. Virtual time."""

from __future__ import annotations

import copy
import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from familyplus_local.executor import (
    DefinitionError,
    DirectoryObjectStore,
    InvalidObjectKeyError,
    MissingHookError,
    NoSuchObjectError,
    TaskError,
    VirtualClock,
    load_definition,
    redrive_execution,
)

from .support import START, Functions, chain, run, task

BUCKET = "family-batches"


def dmap(**fields: Any) -> dict[str, Any]:
    """A one-state definition: a distributed Map `Fan` whose children call the `work` function."""
    state: dict[str, Any] = {
        "Type": "Map",
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "Work",
            "States": {"Work": task("work", End=True)},
        },
        **fields,
    }
    return chain(("Fan", state))


def reader(input_type: str, **config: Any) -> dict[str, Any]:
    return {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": input_type, **config},
        "Parameters": {"Bucket.$": "$.bucket", "Key.$": "$.key"},
    }


@pytest.fixture
def store(tmp_path: Path) -> DirectoryObjectStore:
    return DirectoryObjectStore(tmp_path / "s3")


def put(store: DirectoryObjectStore, key: str, body: str) -> dict[str, str]:
    store.put_object(BUCKET, key, body.encode("utf-8"))
    return {"bucket": BUCKET, "key": key}


def echo(payload: Any) -> Any:
    return {"got": payload}


# ---- ItemReader ----


def test_json_reader_feeds_each_item_through_item_selector_to_a_child(store: DirectoryObjectStore) -> None:
    where = put(store, "in/items.json", json.dumps([{"id": "a"}, {"id": "b"}, {"id": "c"}]))
    definition = dmap(
        ItemReader=reader("JSON"),
        ItemSelector={"index.$": "$$.Map.Item.Index", "id.$": "$$.Map.Item.Value.id", "tag.$": "$.tag"},
        ResultPath="$.results",
    )
    execution = run(definition, {**where, "tag": "t"}, invoke=Functions(work=echo), objects=store)
    assert execution.status == "SUCCEEDED", execution.cause
    assert execution.output["results"] == [{"got": {"index": i, "id": x, "tag": "t"}} for i, x in enumerate("abc")]
    own = [e.type for e in execution.history if e.path == "Fan"]
    assert own == [
        "MapStateEntered",
        "MapStateStarted",
        "MapRunStarted",
        "MapRunSucceeded",
        "MapStateSucceeded",
        "MapStateExited",
    ]
    children = [e for e in execution.history if e.path and e.path.startswith("Fan/")]
    assert {e.path for e in children if e.type == "TaskScheduled"} == {"Fan/0/Work", "Fan/1/Work", "Fan/2/Work"}
    assert sorted(str(e.path) for e in children if e.type == "MapIterationSucceeded") == ["Fan/0", "Fan/1", "Fan/2"]
    started = execution.events("MapRunStarted")[0].output["MapRunArn"]
    assert started.startswith("arn:aws:states:local:000000000000:mapRun:local/Fan:")
    summary = execution.events("MapRunSucceeded")[0].output
    assert summary["ItemCounts"] == {"Total": 3, "Succeeded": 3, "Failed": 0}


def test_jsonl_reader_skips_blank_lines_and_max_items_limits_the_items(store: DirectoryObjectStore) -> None:
    where = put(store, "in/items.jsonl", '{"n": 1}\n\n{"n": 2}\n{"n": 3}\n{"n": 4}\n')
    definition = dmap(ItemReader=reader("JSONL", MaxItems=3))
    execution = run(definition, where, invoke=Functions(work=lambda p: p["n"] * 10), objects=store)
    assert execution.output == [10, 20, 30]


def test_max_items_path_reads_the_limit_from_the_input(store: DirectoryObjectStore) -> None:
    where = put(store, "in/items.json", json.dumps(list(range(10))))
    definition = dmap(ItemReader=reader("JSON", MaxItemsPath="$.limit"))
    execution = run(definition, {**where, "limit": 2}, invoke=Functions(work=lambda p: p), objects=store)
    assert execution.output == [0, 1]
    unlimited = run(definition, {**where, "limit": 0}, invoke=Functions(work=lambda p: p), objects=store)
    assert unlimited.output == list(range(10))


def test_csv_reader_with_first_row_headers(store: DirectoryObjectStore) -> None:
    where = put(store, "in/people.csv", 'name,age\r\nAda,"36"\r\n"Lin, Jr",7\r\n\r\n')
    execution = run(dmap(ItemReader=reader("CSV")), where, invoke=Functions(work=lambda p: p), objects=store)
    assert execution.output == [{"name": "Ada", "age": "36"}, {"name": "Lin, Jr", "age": "7"}]


def test_csv_reader_with_given_headers_and_a_delimiter(store: DirectoryObjectStore) -> None:
    where = put(store, "in/people.psv", "Ada|36\nLin|7\n")
    config = {"CSVHeaderLocation": "GIVEN", "CSVHeaders": ["name", "age"], "CSVDelimiter": "PIPE", "MaxItems": 1}
    execution = run(dmap(ItemReader=reader("CSV", **config)), where, invoke=Functions(work=lambda p: p), objects=store)
    assert execution.output == [{"name": "Ada", "age": "36"}]


@pytest.mark.parametrize(
    ("input_type", "body", "cause"),
    [
        ("JSON", '{"not": "an array"}', "non-iterable node"),
        ("JSON", "[1, 2", "is not valid JSON"),
        ("JSONL", '{"a": 1}\n{oops}\n', "line 2 is not JSON"),
        ("CSV", "a,a\n1,2\n", "CSV headers cannot contain duplicates"),
    ],
)
def test_unreadable_objects_fail_the_map_with_item_reader_failed(
    store: DirectoryObjectStore, input_type: str, body: str, cause: str
) -> None:
    where = put(store, "in/bad", body)
    execution = run(dmap(ItemReader=reader(input_type)), where, invoke=Functions(work=lambda p: p), objects=store)
    assert (execution.status, execution.error) == ("FAILED", "States.ItemReaderFailed")
    assert cause in (execution.cause or "")
    assert [e.type for e in execution.history if e.path == "Fan"][-2:] == ["MapRunFailed", "MapStateFailed"]


def test_a_missing_object_is_an_item_reader_failure_that_can_be_caught(store: DirectoryObjectStore) -> None:
    definition = chain(
        (
            "Fan",
            dmap(
                ItemReader=reader("JSON"),
                Catch=[{"ErrorEquals": ["States.ItemReaderFailed"], "ResultPath": "$.error", "Next": "Recover"}],
                Next="Done",
            )["States"]["Fan"],
        ),
        ("Done", {"Type": "Succeed"}),
        ("Recover", {"Type": "Pass"}),
    )
    execution = run(definition, {"bucket": BUCKET, "key": "nope.json"}, objects=store)
    assert execution.status == "SUCCEEDED"
    assert execution.output["error"]["Error"] == "States.ItemReaderFailed"
    assert "NoSuchObjectError" in execution.output["error"]["Cause"]


# ---- ItemsPath, ItemBatcher ----


def test_items_path_works_without_an_item_reader_and_without_an_objects_hook() -> None:
    execution = run(dmap(ItemsPath="$.items"), {"items": [1, 2]}, invoke=Functions(work=lambda p: p + 1))
    assert (execution.status, execution.output) == ("SUCCEEDED", [2, 3])


def test_item_batcher_groups_items_with_batch_input() -> None:
    definition = dmap(
        ItemsPath="$.items",
        ItemBatcher={"MaxItemsPerBatch": 2, "BatchInput": {"run.$": "$.run"}},
    )
    functions = Functions(work=lambda p: len(p["Items"]))
    execution = run(definition, {"items": ["a", "b", "c", "d", "e"], "run": 7}, invoke=functions)
    assert execution.output == [2, 2, 1]
    assert sorted(functions.payloads("work"), key=lambda p: p["Items"]) == [
        {"BatchInput": {"run": 7}, "Items": ["a", "b"]},
        {"BatchInput": {"run": 7}, "Items": ["c", "d"]},
        {"BatchInput": {"run": 7}, "Items": ["e"]},
    ]


def test_item_batcher_keeps_each_batch_under_max_input_bytes() -> None:
    items = [{"text": "x" * n} for n in (10, 30, 5, 40, 1, 1, 1)]
    definition = dmap(ItemsPath="$.items", ItemBatcher={"MaxInputBytesPerBatch": 70})
    functions = Functions(work=lambda p: p["Items"])
    execution = run(definition, {"items": items}, invoke=functions)
    batches = execution.output
    assert [item for batch in batches for item in batch] == items  # nothing lost, order kept
    assert len(batches) > 1
    assert all(len(json.dumps({"Items": b}, separators=(",", ":"))) <= 70 for b in batches)
    too_big = run(definition, {"items": [{"text": "y" * 100}]}, invoke=functions)
    assert (too_big.status, too_big.error) == ("FAILED", "States.Runtime")


# ---- tolerated failures ----


def failing(*bad: int) -> Functions:
    def work(payload: Any) -> Any:
        if payload in bad:
            raise TaskError("Boom", f"item {payload} is bad")
        return payload * 10

    return Functions(work=work)


def test_without_a_threshold_one_failed_item_fails_the_map_and_stops_the_rest() -> None:
    functions = failing(1)
    execution = run(dmap(ItemsPath="$.items", MaxConcurrency=1), {"items": list(range(6))}, invoke=functions)
    assert (execution.status, execution.error) == ("FAILED", "States.ExceedToleratedFailureThreshold")
    assert "1 of 6 items failed (tolerated: count 0)" in (execution.cause or "")
    assert functions.payloads("work") == [0, 1]  # the map run stopped: items 2..5 never started
    failed = execution.events("MapRunFailed")[0]
    assert failed.error == "States.ExceedToleratedFailureThreshold"


def test_failures_within_the_tolerated_count_keep_execution_records_in_the_output() -> None:
    definition = dmap(ItemsPath="$.items", ToleratedFailureCount=2)
    execution = run(definition, {"items": [0, 1, 2, 3]}, invoke=failing(1, 3))
    assert execution.status == "SUCCEEDED", execution.cause
    out = execution.output
    assert [out[0], out[2]] == [0, 20]
    for index in (1, 3):
        record = out[index]
        assert record["Status"] == "FAILED"
        assert (record["Error"], record["Cause"]) == ("Boom", f"item {index} is bad")
        assert json.loads(record["Input"]) == index and record["InputDetails"] == {"Included": True}
        assert record["ExecutionArn"].endswith(":" + record["Name"])
        assert ":execution:local/Fan:" in record["ExecutionArn"]
        assert record["StateMachineArn"].endswith(":stateMachine:local/Fan")
        assert "Output" not in record
    assert execution.events("MapRunSucceeded")[0].output["ItemCounts"] == {"Total": 4, "Succeeded": 2, "Failed": 2}


def test_failures_over_the_tolerated_count_fail_the_map() -> None:
    definition = dmap(ItemsPath="$.items", ToleratedFailureCount=2)
    execution = run(definition, {"items": [0, 1, 2, 3]}, invoke=failing(0, 1, 3))
    assert (execution.status, execution.error) == ("FAILED", "States.ExceedToleratedFailureThreshold")
    assert "3 of 4 items failed" in (execution.cause or "")


@pytest.mark.parametrize(("percentage", "status"), [(25, "SUCCEEDED"), (24.9, "FAILED")])
def test_tolerated_failure_percentage_counts_failed_items_over_all_items(percentage: float, status: str) -> None:
    definition = dmap(ItemsPath="$.items", ToleratedFailurePercentage=percentage)
    execution = run(definition, {"items": [0, 1, 2, 3]}, invoke=failing(2))
    assert execution.status == status


def test_thresholds_can_come_from_paths_and_exceeding_either_fails() -> None:
    definition = dmap(ItemsPath="$.items", ToleratedFailureCountPath="$.count", ToleratedFailurePercentagePath="$.pct")
    items = list(range(10))
    assert run(definition, {"items": items, "count": 2, "pct": 50}, invoke=failing(1, 2)).status == "SUCCEEDED"
    assert run(definition, {"items": items, "count": 1, "pct": 50}, invoke=failing(1, 2)).status == "FAILED"
    assert run(definition, {"items": items, "count": 5, "pct": 10}, invoke=failing(1, 2)).status == "FAILED"
    bad = run(definition, {"items": items, "count": -1, "pct": 10}, invoke=failing())
    assert (bad.status, bad.error) == ("FAILED", "States.Runtime")


def test_a_failed_batch_counts_every_item_in_it() -> None:
    def work(payload: Any) -> Any:
        if 0 in payload["Items"]:
            raise TaskError("Boom")
        return "ok"

    definition = dmap(ItemsPath="$.items", ItemBatcher={"MaxItemsPerBatch": 3}, ToleratedFailureCount=2)
    execution = run(definition, {"items": list(range(9))}, invoke=Functions(work=work))
    assert (execution.status, execution.error) == ("FAILED", "States.ExceedToleratedFailureThreshold")
    assert "3 of 9 items failed" in (execution.cause or "")
    tolerant = copy.deepcopy(definition)
    tolerant["States"]["Fan"]["ToleratedFailureCount"] = 3
    ok = run(tolerant, {"items": list(range(9))}, invoke=Functions(work=work))
    assert ok.status == "SUCCEEDED"
    assert [r if isinstance(r, str) else r["Status"] for r in ok.output] == ["FAILED", "ok", "ok"]


def test_the_threshold_error_can_be_retried_and_caught() -> None:
    fan = dmap(
        ItemsPath="$.items",
        Retry=[{"ErrorEquals": ["States.ExceedToleratedFailureThreshold"], "MaxAttempts": 1}],
        Catch=[{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Recover"}],
        Next="Done",
    )["States"]["Fan"]
    definition = chain(("Fan", fan), ("Done", {"Type": "Succeed"}), ("Recover", {"Type": "Pass"}))
    execution = run(definition, {"items": [1]}, invoke=failing(1))
    assert execution.output["error"]["Error"] == "States.ExceedToleratedFailureThreshold"
    assert len(execution.events("MapRunStarted")) == 2  # a retry is a new map run
    arns = {e.output["MapRunArn"] for e in execution.events("MapRunStarted")}
    assert len(arns) == 2


# ---- ResultWriter ----


def test_result_writer_writes_manifest_and_result_files_and_outputs_their_location(
    store: DirectoryObjectStore,
) -> None:
    where = put(store, "in/items.json", json.dumps([0, 1, 2]))
    definition = dmap(
        ItemReader=reader("JSON"),
        ToleratedFailureCount=1,
        ResultWriter={
            "Resource": "arn:aws:states:::s3:putObject",
            "Parameters": {"Bucket": "results", "Prefix.$": "$.prefix"},
        },
    )
    execution = run(definition, {**where, "prefix": "runs/7/"}, invoke=failing(1), objects=store)
    assert execution.status == "SUCCEEDED", execution.cause
    details = execution.output
    map_run_arn = details["MapRunArn"]
    run_id = map_run_arn.rsplit(":", 1)[1]
    assert details["ResultWriterDetails"] == {"Bucket": "results", "Key": f"runs/7/{run_id}/manifest.json"}
    manifest = json.loads(store.get_object("results", f"runs/7/{run_id}/manifest.json"))
    succeeded_key, failed_key = f"runs/7/{run_id}/SUCCEEDED_0.json", f"runs/7/{run_id}/FAILED_0.json"
    assert manifest == {
        "DestinationBucket": "results",
        "MapRunArn": map_run_arn,
        "ResultFiles": {
            "FAILED": [{"Key": failed_key, "Size": len(store.get_object("results", failed_key))}],
            "PENDING": [],
            "SUCCEEDED": [{"Key": succeeded_key, "Size": len(store.get_object("results", succeeded_key))}],
        },
    }
    succeeded = json.loads(store.get_object("results", succeeded_key))
    assert [(json.loads(r["Input"]), json.loads(r["Output"]), r["Status"]) for r in succeeded] == [
        (0, 0, "SUCCEEDED"),
        (2, 20, "SUCCEEDED"),
    ]
    failed = json.loads(store.get_object("results", failed_key))
    assert [(r["Input"], r["Error"], r["Status"]) for r in failed] == [("1", "Boom", "FAILED")]


def test_result_writer_failure_is_states_result_writer_failed(tmp_path: Path) -> None:
    class ReadOnly(DirectoryObjectStore):
        def put_object(self, bucket: str, key: str, data: bytes) -> None:
            raise PermissionError("read-only bucket")

    definition = dmap(
        ItemsPath="$.items",
        ResultWriter={"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "results"}},
    )
    execution = run(definition, {"items": [1]}, invoke=failing(), objects=ReadOnly(tmp_path))
    assert (execution.status, execution.error) == ("FAILED", "States.ResultWriterFailed")
    assert "read-only bucket" in (execution.cause or "")


# ---- children, concurrency, hooks ----


def test_each_child_is_an_execution_with_its_own_context() -> None:
    child = {
        "Type": "Pass",
        "Parameters": {
            "name.$": "$$.Execution.Name",
            "id.$": "$$.Execution.Id",
            "input.$": "$$.Execution.Input",
            "machine.$": "$$.StateMachine.Name",
        },
        "End": True,
    }
    definition = dmap(ItemsPath="$.items", Label="Batch")
    definition["States"]["Fan"]["ItemProcessor"]["ProcessorConfig"]["ExecutionType"] = "EXPRESS"
    definition["States"]["Fan"]["ItemProcessor"]["States"] = {"Work": child}
    execution = run(definition, {"items": ["x", "y"]}, state_machine_name="nightly")
    first, second = execution.output
    assert first["input"] == "x" and second["input"] == "y"
    assert first["machine"] == "nightly/Batch"
    assert first["name"] != second["name"]
    assert first["id"] == f"arn:aws:states:local:000000000000:express:nightly/Batch:{first['name']}:{first['name']}"
    assert (
        execution.events("MapRunStarted")[0]
        .output["MapRunArn"]
        .startswith("arn:aws:states:local:000000000000:mapRun:nightly/Batch:")
    )


class ConcurrencyProbe:
    """An invoke that really blocks a little and records how many calls overlapped."""

    def __init__(self) -> None:
        self.current = self.peak = 0
        self._lock = threading.Lock()

    def __call__(self, function: str, payload: Any) -> Any:
        with self._lock:
            self.current += 1
            self.peak = max(self.peak, self.current)
        try:
            time.sleep(0.01)
            return payload
        finally:
            with self._lock:
                self.current -= 1


@pytest.mark.parametrize("limit", [1, 3])
def test_children_run_concurrently_but_never_above_max_concurrency(limit: int) -> None:
    probe = ConcurrencyProbe()
    execution = run(dmap(ItemsPath="$.items", MaxConcurrency=limit), {"items": list(range(12))}, invoke=probe)
    assert execution.output == list(range(12))
    assert probe.peak <= limit
    if limit > 1:
        assert probe.peak > 1  # really concurrent


def test_an_item_reader_or_result_writer_without_objects_hook_is_refused_at_run_start() -> None:
    with pytest.raises(MissingHookError, match="no objects hook"):
        run(dmap(ItemReader=reader("JSON")), {"bucket": BUCKET, "key": "k"})
    writer = {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "results"}}
    with pytest.raises(MissingHookError, match="ResultWriter"):
        run(dmap(ItemsPath="$.items", ResultWriter=writer), {"items": []})


# ---- DirectoryObjectStore ----


@pytest.mark.parametrize(
    ("bucket", "key"),
    [
        (BUCKET, "../other/x"),
        (BUCKET, "a/../../x"),
        (BUCKET, "/etc/passwd"),
        (BUCKET, "a\\..\\x"),
        (BUCKET, "a//b"),
        (BUCKET, "./a"),
        (BUCKET, ""),
        (BUCKET, "nul\0byte"),
        ("..", "x"),
        ("Upper", "x"),
        ("a", "x"),
        ("a/b", "x"),
    ],
)
def test_directory_object_store_refuses_keys_that_leave_the_bucket(
    store: DirectoryObjectStore, bucket: str, key: str
) -> None:
    with pytest.raises(InvalidObjectKeyError):
        store.put_object(bucket, key, b"x")
    with pytest.raises(InvalidObjectKeyError):
        store.get_object(bucket, key)


def test_directory_object_store_refuses_a_symlink_out_of_the_bucket(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_text("s")
    (tmp_path / "s3" / BUCKET).mkdir(parents=True)
    (tmp_path / "s3" / BUCKET / "link").symlink_to(outside)
    with pytest.raises(InvalidObjectKeyError, match="resolves outside"):
        DirectoryObjectStore(tmp_path / "s3").get_object(BUCKET, "link/secret")


def test_directory_object_store_round_trip_and_missing_object(store: DirectoryObjectStore) -> None:
    store.put_object(BUCKET, "a/b/c.json", b"[1]")
    store.put_object(BUCKET, "a/b/c.json", b"[2]")
    assert store.get_object(BUCKET, "a/b/c.json") == b"[2]"
    assert store.path(BUCKET, "a/b/c.json") == (store.root / BUCKET / "a/b/c.json").resolve()
    with pytest.raises(NoSuchObjectError, match="s3://family-batches/a/b/missing"):
        store.get_object(BUCKET, "a/b/missing")


# ---- load-time refusals ----

GOOD_READER = reader("JSON")


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"ItemReader": {**GOOD_READER, "Resource": "arn:aws:states:::s3:listObjectsV2"}},
            "ItemReader Resource must be 'arn:aws:states:::s3:getObject'",
        ),
        ({"ItemReader": reader("MANIFEST")}, "InputType must be JSON, JSONL or CSV"),
        ({"ItemReader": {**GOOD_READER, "ReaderConfig": {}}}, "InputType must be JSON, JSONL or CSV"),
        ({"ItemReader": reader("CSV", CSVHeaders=["a"])}, "CSVHeaders is only allowed with CSVHeaderLocation GIVEN"),
        ({"ItemReader": reader("CSV", CSVHeaderLocation="GIVEN")}, "CSVHeaderLocation GIVEN needs CSVHeaders"),
        ({"ItemReader": reader("JSON", CSVDelimiter="PIPE")}, "CSVDelimiter is only allowed with InputType CSV"),
        ({"ItemReader": reader("JSON", MaxItems=100_000_001)}, "MaxItems must be at most 100000000"),
        ({"ItemReader": reader("JSON", MaxItems=1, MaxItemsPath="$.n")}, "MaxItems and MaxItemsPath cannot both"),
        (
            {"ItemReader": {**GOOD_READER, "Parameters": {"Bucket": "b", "Key": "k", "VersionId": "1"}}},
            "parameter 'VersionId' is not supported",
        ),
        ({"ItemReader": {**GOOD_READER, "Parameters": {"Bucket": "b"}}}, "ItemReader needs the parameter 'Key'"),
        (
            {"ResultWriter": {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Prefix": "p"}}},
            "ResultWriter needs the parameter 'Bucket'",
        ),
        ({"ItemBatcher": {"BatchInput": {}}}, "ItemBatcher needs MaxItemsPerBatch(Path) or MaxInputBytesPerBatch"),
        ({"ItemBatcher": {"MaxInputBytesPerBatch": 262145}}, "must be at most 262144"),
        ({"ItemBatcher": {"MaxItemsPerBatch": 0}}, "MaxItemsPerBatch must be an integer > 0"),
        ({"ToleratedFailurePercentage": 101}, "must be at most 100"),
        ({"ToleratedFailureCount": 1.5}, "ToleratedFailureCount must be an integer >= 0"),
        ({"ToleratedFailureCount": 1, "ToleratedFailureCountPath": "$.n"}, "cannot both be given"),
        ({"Label": "has space"}, "contains characters AWS does not allow"),
        ({"Label": "x" * 41}, "Label must be a string of 1-40 characters"),
    ],
)
def test_unsupported_or_invalid_distributed_fields_are_refused_at_load_time(
    fields: dict[str, Any], expected: str
) -> None:
    with pytest.raises(DefinitionError) as error:
        load_definition(dmap(**fields))
    assert expected in str(error.value)
    assert "/States/Fan/" in str(error.value)


def test_processor_config_is_validated() -> None:
    inline_with_type = dmap(ItemsPath="$.items")
    inline_with_type["States"]["Fan"]["ItemProcessor"]["ProcessorConfig"] = {
        "Mode": "INLINE",
        "ExecutionType": "STANDARD",
    }
    with pytest.raises(DefinitionError, match="ExecutionType is only allowed with Mode DISTRIBUTED"):
        load_definition(inline_with_type)
    unknown = dmap(ItemsPath="$.items")
    unknown["States"]["Fan"]["ItemProcessor"]["ProcessorConfig"]["Concurrency"] = 3
    with pytest.raises(DefinitionError, match=r"ProcessorConfig/Concurrency: .*unknown field 'Concurrency'"):
        load_definition(unknown)
    assert load_definition(dmap(ItemsPath="$.items")).uses_objects is False
    assert load_definition(dmap(ItemReader=GOOD_READER)).uses_objects is True


def test_a_failed_map_run_is_redriven_with_the_objects_hook(store: DirectoryObjectStore) -> None:
    where = put(store, "in/items.json", json.dumps([1, 2, 3]))
    definition = dmap(ItemReader=reader("JSON"))
    failed = run(definition, where, invoke=failing(2), objects=store)
    assert failed.error == "States.ExceedToleratedFailureThreshold"
    with pytest.raises(MissingHookError):
        redrive_execution(definition, failed, invoke=failing(), clock=VirtualClock(START))
    redriven = redrive_execution(definition, failed, invoke=failing(), objects=store, clock=VirtualClock(START))
    assert (redriven.status, redriven.output, redriven.redrive_count) == ("SUCCEEDED", [10, 20, 30], 1)
    assert len(redriven.events("MapRunStarted")) == 1
    assert len(redriven.events("MapRunRedriven")) == 1


# ---- redriving map runs ----


def test_a_redrive_reruns_only_the_child_executions_that_did_not_succeed() -> None:
    # Guide ("Redriving Map Runs"): when you redrive the parent workflow, Step Functions redrives the Map Run:
    # only its unsuccessful child workflow executions (failed, aborted, or never started) run again; the Map
    # Run keeps its ARN and its redrive count increases.
    definition = dmap(ItemsPath="$.items", MaxConcurrency=1)
    failed = run(definition, {"items": [1, 2, 3, 4]}, invoke=failing(2))
    assert failed.error == "States.ExceedToleratedFailureThreshold"
    arn = failed.events("MapRunStarted")[0].output["MapRunArn"]
    children = [e.resource for e in failed.events("MapIterationStarted")]
    again, before = failing(), len(failed.history)
    redriven = redrive_execution(definition, failed, invoke=again, clock=VirtualClock(START))
    assert (redriven.status, redriven.output) == ("SUCCEEDED", [10, 20, 30, 40])
    assert again.payloads("work") == [2, 3, 4]  # item 1 succeeded; 3 and 4 never started
    assert redriven.events("MapRunRedriven")[0].output == {"MapRunArn": arn, "RedriveCount": 1}
    rerun = [e.resource for e in redriven.history[before:] if e.type == "MapIterationStarted"]
    assert rerun[0] == children[1]  # the failed child runs again as the same execution
    assert redriven.events("MapRunSucceeded")[0].output["MapRunArn"] == arn


def test_a_map_run_redriven_twice_keeps_every_success(store: DirectoryObjectStore) -> None:
    # Guide ("Redriving Map Runs"): each redrive re-runs the child executions still unsuccessful; the result
    # files list every child, a redriven one with its RedriveCount.
    writer = {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": BUCKET, "Prefix": "out"}}
    definition = dmap(ItemsPath="$.items", ToleratedFailureCount=0, ResultWriter=writer)
    items = {"items": [1, 2, 3]}
    first = run(definition, items, invoke=failing(2, 3), objects=store)
    assert first.status == "FAILED"
    second = redrive_execution(definition, first, invoke=failing(3), objects=store, clock=VirtualClock(START))
    assert second.status == "FAILED"
    last = failing()
    third = redrive_execution(definition, second, invoke=last, objects=store, clock=VirtualClock(START))
    assert third.status == "SUCCEEDED"
    assert last.payloads("work") == [3]
    assert third.events("MapRunRedriven")[-1].output["RedriveCount"] == 2
    manifest = json.loads(store.get_object(BUCKET, third.output["ResultWriterDetails"]["Key"]))
    key = manifest["ResultFiles"]["SUCCEEDED"][0]["Key"]
    records = json.loads(store.get_object(BUCKET, key))
    assert [(json.loads(r["Output"]), r["RedriveCount"]) for r in records] == [(10, 0), (20, 1), (30, 2)]


def two_step_map(execution_type: str) -> dict[str, Any]:
    definition = dmap(ItemsPath="$.items")
    processor = definition["States"]["Fan"]["ItemProcessor"]
    processor["ProcessorConfig"]["ExecutionType"] = execution_type
    processor["StartAt"] = "Prepare"
    processor["States"] = {
        "Prepare": task("prepare", Assign={"seen.$": "$"}, Next="Work"),
        "Work": task("work", Parameters={"item.$": "$", "seen.$": "$seen"}, End=True),
    }
    return definition


@pytest.mark.parametrize(("execution_type", "prepared_again"), [("STANDARD", []), ("EXPRESS", [2])])
def test_a_redriven_child_resumes_where_it_failed_if_standard(execution_type: str, prepared_again: list[int]) -> None:
    # Guide ("Redriving Map Runs", child workflow execution redrive behavior): a Standard child is "redriven
    # from the last state in ItemProcessor that resulted in their unsuccessful execution"; an Express child
    # is started again and "the first state in ItemProcessor is run first".
    def work(payload: dict[str, Any]) -> Any:
        if payload["item"] == 2 and not redriving:
            raise TaskError("Boom", "not yet")
        return payload["seen"] * 10

    redriving = False
    functions = Functions(prepare=lambda item: item, work=work)
    definition = two_step_map(execution_type)
    failed = run(definition, {"items": [1, 2]}, invoke=functions)
    assert failed.error == "States.ExceedToleratedFailureThreshold"
    redriving, calls = True, len(functions.calls)
    redriven = redrive_execution(definition, failed, invoke=functions, clock=VirtualClock(START))
    assert (redriven.status, redriven.output) == ("SUCCEEDED", [10, 20])
    assert [payload for name, payload in functions.calls[calls:] if name == "prepare"] == prepared_again
    assert [payload for name, payload in functions.calls[calls:] if name == "work"] == [{"item": 2, "seen": 2}]


def test_a_map_run_failed_by_a_runtime_error_is_started_anew() -> None:
    # Guide ("Redriving Map Runs"): "A new Map Run is started and the existing Map Run isn't redriven" when it
    # failed with States.DataLimitExceeded or a States.Runtime error.
    definition = dmap(ItemsPath="$.items", ToleratedFailureCountPath="$.tolerate")
    failed = run(definition, {"items": [1], "tolerate": "none"}, invoke=failing())
    assert failed.error == "States.Runtime"
    redriven = redrive_execution(definition, failed, invoke=failing(), clock=VirtualClock(START))
    assert redriven.error == "States.Runtime"  # the same input fails the same way, in a new map run
    assert len(redriven.events("MapRunStarted")) == 2
    assert redriven.events("MapRunRedriven") == []


def test_a_map_run_that_succeeded_is_not_redriven() -> None:
    # Guide ("Redriving Map Runs"): redrive restarts the unsuccessful child workflow executions of a Map Run;
    # when the map run succeeded and the Map state failed after it, the redriven Map starts a new map run.
    definition = dmap(ItemsPath="$.items", OutputPath="$.missing")
    failed = run(definition, {"items": [1]}, invoke=failing())
    assert (failed.error, len(failed.events("MapRunSucceeded"))) == ("States.Runtime", 1)
    again = failing()
    redriven = redrive_execution(definition, failed, invoke=again, clock=VirtualClock(START))
    assert (len(redriven.events("MapRunStarted")), redriven.events("MapRunRedriven")) == (2, [])
    assert again.payloads("work") == [1]
