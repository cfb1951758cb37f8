"""batch_responses end to end through LocalRunner: the Distributed Map reads a JSONL manifest from
<data_dir>/s3/<bucket>/<key> (the runner's objects hook), starts process_response (.sync:2) per line, writes
its result files back, and fails only above the tolerated-failure percentage."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from familyplus_local.runtime.runner import LocalRunner
from tests.support import response

BUCKET = "familyplus-media"


def put_manifest(runner: LocalRunner, key: str, lines: list[dict[str, Any]]) -> None:
    runner.objects.put_object(BUCKET, key, "".join(json.dumps(line) + "\n" for line in lines).encode())


def result_files(runner: LocalRunner, execution: Any) -> dict[str, list[dict[str, Any]]]:
    """The ResultWriter's files for this run, by status, read back through the manifest.json it wrote."""
    details = execution.output["results"]["ResultWriterDetails"]
    manifest = json.loads(runner.objects.get_object(details["Bucket"], details["Key"]))
    return {
        status: [record for f in files for record in json.loads(runner.objects.get_object(BUCKET, f["Key"]))]
        for status, files in manifest["ResultFiles"].items()
        if files
    }


def processed(runner: LocalRunner) -> dict[str, str]:
    return {e.name: e.status for e in runner.executions.list(state_machine_name="process_response", limit=1000)}


def test_each_manifest_line_becomes_a_process_response_execution(make_runner: Callable[..., LocalRunner]) -> None:
    runner = make_runner()
    put_manifest(runner, "batches/m1.jsonl", [response("m1"), response("m2"), response("m3")])

    execution = runner.start("batch_responses", {"bucket": BUCKET, "key": "batches/m1.jsonl"})

    assert execution.status == "SUCCEEDED", (execution.error, execution.cause)
    assert execution.output["toleratedFailurePercentage"] == 5  # the definition's default
    assert processed(runner) == {"response-m1": "SUCCEEDED", "response-m2": "SUCCEEDED", "response-m3": "SUCCEEDED"}
    assert all(runner.adapters.store.get_story(f"story-m{i}").title for i in (1, 2, 3))
    details = execution.output["results"]["ResultWriterDetails"]
    assert details["Bucket"] == BUCKET and details["Key"].startswith("batches/results/")
    files = result_files(runner, execution)
    assert set(files) == {"SUCCEEDED"} and len(files["SUCCEEDED"]) == 3
    outputs = [json.loads(r["Output"]) for r in files["SUCCEEDED"]]
    assert sorted(o["executionArn"].rsplit(":", 1)[1] for o in outputs) == ["response-m1", "response-m2", "response-m3"]


@pytest.mark.parametrize(("tolerated", "status"), [(30, "SUCCEEDED"), (None, "FAILED")])
def test_a_bad_line_is_tolerated_under_the_threshold_and_fails_the_batch_over_it(
    make_runner: Callable[..., LocalRunner], tolerated: int | None, status: str
) -> None:
    # Given four lines, one of which process_response refuses (a text answer without text): 25 % failed
    runner = make_runner()
    bad = {k: v for k, v in response("t2").items() if k != "text"}
    put_manifest(runner, "batches/t.jsonl", [response("t1"), bad, response("t3"), response("t4")])
    given: dict[str, Any] = {"bucket": BUCKET, "key": "batches/t.jsonl"}
    if tolerated is not None:
        given["toleratedFailurePercentage"] = tolerated

    execution = runner.start("batch_responses", given)

    # Then the others are processed either way; the batch succeeds under 30 % and fails over the default 5 %
    assert execution.status == status, (execution.error, execution.cause)
    assert processed(runner) == {
        "response-t1": "SUCCEEDED",
        "response-t2": "FAILED",
        "response-t3": "SUCCEEDED",
        "response-t4": "SUCCEEDED",
    }
    assert runner.adapters.store.get_response("t2").status == "failed"  # its own MarkFailed recorded why
    if status == "SUCCEEDED":
        files = result_files(runner, execution)
        (failed,) = files["FAILED"]
        assert json.loads(failed["Input"])["responseId"] == "t2" and len(files["SUCCEEDED"]) == 3
    else:
        assert execution.error == "States.ExceedToleratedFailureThreshold"
        assert "1 of 4 items failed" in (execution.cause or "")


def test_running_a_manifest_again_processes_nothing_twice(make_runner: Callable[..., LocalRunner]) -> None:
    runner = make_runner()
    put_manifest(runner, "batches/again.jsonl", [response("g1"), response("g2")])
    first = runner.start("batch_responses", {"bucket": BUCKET, "key": "batches/again.jsonl"})
    assert first.status == "SUCCEEDED", (first.error, first.cause)
    before = runner.executions.list(state_machine_name="process_response", limit=1000)

    second = runner.start("batch_responses", {"bucket": BUCKET, "key": "batches/again.jsonl"})

    assert second.status == "SUCCEEDED", (second.error, second.cause)
    after = runner.executions.list(state_machine_name="process_response", limit=1000)
    assert sorted(e.execution_arn for e in after) == sorted(e.execution_arn for e in before)  # response-<id> names


def test_a_missing_manifest_fails_the_batch_through_mark_failed(make_runner: Callable[..., LocalRunner]) -> None:
    runner = make_runner()
    execution = runner.start("batch_responses", {"bucket": BUCKET, "key": "batches/none.jsonl"})
    assert (execution.status, execution.error) == ("FAILED", "States.ItemReaderFailed")
    assert any(e.state == "MarkFailed" for e in execution.history if e.type == "TaskScheduled")
    assert processed(runner) == {}


def test_local_batch_command_can_take_the_distributed_map_path(
    make_runner: Callable[..., LocalRunner], monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    from typer.testing import CliRunner

    from familyplus_local.cli import app, common

    runner = make_runner()
    monkeypatch.setattr(common, "runner", lambda verbose=False: runner)
    monkeypatch.setenv("COLUMNS", "200")  # not console.width: that would pin the width for later tests
    bad = {k: v for k, v in response("d2").items() if k != "text"}
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in (response("d1"), bad, response("d3"))) + "\n{nope\n")

    result = CliRunner().invoke(app, ["batch", str(path), "--distributed", "--tolerated-failure-percentage", "50"])

    assert result.exit_code == 1, result.output  # one line failed, one was not even sent
    assert "batch: 2 succeeded, 1 failed (tolerated: 50%)" in result.output
    assert "d2: States.TaskFailed" in result.output and "line 4 not sent: not JSON" in result.output
    assert processed(runner) == {"response-d1": "SUCCEEDED", "response-d2": "FAILED", "response-d3": "SUCCEEDED"}
    (batch,) = runner.executions.list(state_machine_name="batch_responses")
    assert batch.status == "SUCCEEDED" and batch.name.startswith("batch-")
