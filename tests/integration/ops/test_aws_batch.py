"""`familyplus batch FILE --aws`: the token bucket on a fake clock, per-line starts and the manifest path
under moto (Step Functions and S3), and the CLI around them. Nothing here sleeps for real."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from typer.testing import CliRunner

from familyplus_local.cli import app, common
from familyplus_local.ops.batch.aws import (
    AwsBatchOptions,
    BatchConfigurationError,
    TokenBucket,
    batch_state_machine_arn,
    run_aws_batch,
)
from familyplus_local.ops.batch.lines import manifest_bytes
from tests.support import response

REGION = "us-east-1"
BUCKET = "familyplus-dev-media"
DEFINITION = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}})


class FakeClock:
    """time.monotonic / time.sleep stand-ins: sleeping advances the clock and is recorded."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


# --- the token bucket ---------------------------------------------------------------------------------------


def test_token_bucket_allows_its_burst_then_paces_at_its_rate() -> None:
    fake = FakeClock()
    bucket = TokenBucket(10, clock=fake.clock, sleep=fake.sleep)
    for _ in range(10):
        assert bucket.acquire() == 0.0  # the burst: 10 back to back
    waits = [bucket.acquire() for _ in range(15)]
    assert waits == pytest.approx([0.1] * 15)  # then one every 1/rate seconds
    assert fake.now - 100.0 == pytest.approx(1.5)  # 25 starts at 10/s with a burst of 10


def test_token_bucket_refills_while_idle_but_never_above_its_burst() -> None:
    fake = FakeClock()
    bucket = TokenBucket(2, burst=3, clock=fake.clock, sleep=fake.sleep)
    for _ in range(3):
        bucket.acquire()
    fake.now += 60  # a long pause earns at most `burst` tokens
    assert [bucket.acquire() for _ in range(4)] == pytest.approx([0, 0, 0, 0.5])
    with pytest.raises(ValueError, match="rate"):
        TokenBucket(0)


# --- moto: Step Functions and S3 ----------------------------------------------------------------------------


@pytest.fixture
def aws(fake_aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    sfn = boto3.client("stepfunctions", region_name=REGION)
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=BUCKET)
    arns = {
        name: sfn.create_state_machine(
            name=f"familyplus-dev-{name}", definition=DEFINITION, roleArn="arn:aws:iam::123456789012:role/sfn"
        )["stateMachineArn"]
        for name in ("process-response", "batch-responses")
    }
    monkeypatch.setattr(common, "stepfunctions_client", lambda *_: sfn)
    monkeypatch.setattr(common, "s3_client", lambda *_: s3)
    yield {"sfn": sfn, "s3": s3, **arns}


def write_lines(path: Path, lines: list[Any]) -> Path:
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines))
    return path


def executions(aws: dict[str, Any], machine: str) -> dict[str, dict[str, Any]]:
    listed = aws["sfn"].list_executions(stateMachineArn=aws[machine])["executions"]
    return {
        e["name"]: json.loads(aws["sfn"].describe_execution(executionArn=e["executionArn"])["input"]) for e in listed
    }


def test_small_batch_starts_one_named_execution_per_line_at_the_rate(aws: dict[str, Any], tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "b.jsonl",
        [
            response("k1"),
            "{oops",
            response("k2", prompt="Your first job?"),
            response("k3"),
        ],
    )
    fake = FakeClock()
    options = AwsBatchOptions(state_machine_arn=aws["process-response"], rate=2)

    report = run_aws_batch(
        path,
        options,
        sfn=aws["sfn"],
        s3=lambda: aws["s3"],
        limiter=TokenBucket(2, burst=1, clock=fake.clock, sleep=fake.sleep),
    )

    assert [(r.line, r.ok) for r in report.results] == [(1, True), (2, False), (3, True), (4, True)]
    assert fake.slept == pytest.approx([0.5, 0.5])  # 3 starts at 2/s, burst 1: paced, never a real sleep
    started = executions(aws, "process-response")
    assert set(started) == {"response-k1", "response-k2", "response-k3"}
    assert started["response-k2"]["prompt"] == "Your first job?" and started["response-k2"]["familyId"] == "f1"
    assert report.submission is None and executions(aws, "batch-responses") == {}

    # the same file again starts nothing new (names are response-<id>); a changed line is refused, named
    again = write_lines(tmp_path / "again.jsonl", [response("k1"), response("k3", text="Another answer entirely.")])
    rerun = run_aws_batch(
        again, options, sfn=aws["sfn"], s3=lambda: aws["s3"], limiter=TokenBucket(2, clock=fake.clock, sleep=fake.sleep)
    )
    assert [(r.line, r.ok) for r in rerun.results] == [(1, True), (2, False)]
    assert "already exists" in (rerun.results[1].reason or "")
    assert len(executions(aws, "process-response")) == 3


def test_large_batch_goes_through_an_s3_manifest_and_one_distributed_map(aws: dict[str, Any], tmp_path: Path) -> None:
    lines = [response(f"L{i}") for i in range(5)]
    path = write_lines(tmp_path / "big.jsonl", [*lines, {"responseId": "L9"}])  # the last line is invalid
    options = AwsBatchOptions(
        state_machine_arn=aws["process-response"], bucket=BUCKET, threshold=3, tolerated_failure_percentage=10
    )

    report = run_aws_batch(path, options, sfn=aws["sfn"], s3=lambda: aws["s3"])

    submission = report.submission
    assert submission is not None and submission.started and submission.lines == 5
    assert submission.key.startswith("batches/") and submission.key.endswith(".jsonl")
    body = aws["s3"].get_object(Bucket=BUCKET, Key=submission.key)["Body"].read()
    valid = [json.loads(line) for line in body.decode().splitlines()]
    assert [v["responseId"] for v in valid] == [f"L{i}" for i in range(5)]
    assert body == manifest_bytes(valid)
    ((name, batch_input),) = executions(aws, "batch-responses").items()
    assert name.startswith("batch-") and submission.execution_arn.endswith(name)
    assert batch_input == {"bucket": BUCKET, "key": submission.key, "toleratedFailurePercentage": 10}
    assert executions(aws, "process-response") == {}  # the Map starts them, not the CLI
    assert [(r.line, r.ok) for r in report.results] == [(6, False)]  # invalid lines are reported, not sent

    # submitting the same file again, while it runs and after it ended, finds that batch instead of a second one
    running = run_aws_batch(path, options, sfn=aws["sfn"], s3=lambda: aws["s3"]).submission
    assert running is not None and running.execution_arn == submission.execution_arn
    aws["sfn"].stop_execution(executionArn=submission.execution_arn)
    ended = run_aws_batch(path, options, sfn=aws["sfn"], s3=lambda: aws["s3"]).submission
    assert ended is not None and (ended.started, ended.status) == (False, "ABORTED")
    assert ended.execution_arn == submission.execution_arn
    assert len(executions(aws, "batch-responses")) == 1
    # the same manifest with another threshold is a different request: refused, naming the earlier one
    with pytest.raises(BatchConfigurationError, match="submitted before with other options"):
        run_aws_batch(
            path,
            AwsBatchOptions(state_machine_arn=aws["process-response"], bucket=BUCKET, threshold=3),
            sfn=aws["sfn"],
            s3=lambda: aws["s3"],
        )


def test_manifest_path_needs_a_bucket_and_a_derivable_batch_arn(aws: dict[str, Any], tmp_path: Path) -> None:
    path = write_lines(tmp_path / "big.jsonl", [response(f"N{i}") for i in range(3)])
    with pytest.raises(BatchConfigurationError, match="--bucket"):
        run_aws_batch(
            path,
            AwsBatchOptions(state_machine_arn=aws["process-response"], threshold=1),
            sfn=aws["sfn"],
            s3=lambda: aws["s3"],
        )
    assert batch_state_machine_arn(aws["process-response"]) == aws["batch-responses"]
    with pytest.raises(BatchConfigurationError, match="--batch-state-machine-arn"):
        batch_state_machine_arn("arn:aws:states:us-east-1:123456789012:stateMachine:something-else")


def test_cli_batch_aws_both_paths(aws: dict[str, Any], tmp_path: Path) -> None:
    cli = CliRunner()
    small = write_lines(tmp_path / "small.jsonl", [response("c1"), response("c2")])
    result = cli.invoke(app, ["batch", str(small), "--aws", "--state-machine-arn", aws["process-response"]])
    assert result.exit_code == 0, result.output
    assert "2 execution(s) started or found" in result.output and "2 succeeded, 0 failed" in result.output

    big = write_lines(tmp_path / "big.jsonl", [response(f"c{i}") for i in range(3, 7)])
    result = cli.invoke(
        app,
        [
            "batch",
            str(big),
            "--aws",
            "--state-machine-arn",
            aws["process-response"],
            "--threshold",
            "2",
            "--bucket",
            BUCKET,
        ],
    )
    assert result.exit_code == 0, result.output
    assert f"manifest s3://{BUCKET}/batches/" in result.output and "batch_responses started" in result.output
    assert len(executions(aws, "batch-responses")) == 1

    missing = cli.invoke(app, ["batch", str(big), "--aws"], env={"FAMILYPLUS_STATE_MACHINE_ARN": ""})
    assert missing.exit_code == 2 and "--state-machine-arn" in missing.output
