"""`--aws`: executions list/show under moto; redrive (which moto does not implement) with botocore Stubber."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from typer.testing import CliRunner

from familyplus_local.cli import app, common
from familyplus_local.ops.executions import redrive_refusal
from familyplus_local.ops.stepfunctions import StepFunctionsExecutions

REGION = "us-east-1"
DEFINITION = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}})


@pytest.fixture
def sfn(fake_aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, str]]:
    client = boto3.client("stepfunctions", region_name=REGION)
    arn = client.create_state_machine(
        name="process_response", definition=DEFINITION, roleArn="arn:aws:iam::123456789012:role/sfn"
    )["stateMachineArn"]
    monkeypatch.setattr(common, "stepfunctions_client", lambda *_: client)
    yield client, arn


def test_list_filters_by_status_and_show_prints_history(sfn: tuple[Any, str]) -> None:
    client, arn = sfn
    for name in ("response-a", "response-b", "response-c"):
        client.start_execution(stateMachineArn=arn, name=name, input="{}")
    execution_arn = arn.replace(":stateMachine:", ":execution:") + ":response-b"
    client.stop_execution(executionArn=execution_arn, error="Boom", cause="test")

    ops = StepFunctionsExecutions(client, arn)
    aborted = ops.list_executions(status="ABORTED")
    assert [e.name for e in aborted] == ["response-b"]
    assert {e.name for e in ops.list_executions(since=datetime.now(UTC) - timedelta(hours=1))} == {
        "response-a",
        "response-b",
        "response-c",
    }

    cli = CliRunner()
    listed = cli.invoke(
        app, ["executions", "list", "--aws", "--state-machine-arn", arn, "--status", "ABORTED", "--since", "24h"]
    )
    assert listed.exit_code == 0, listed.output
    assert "response-b" in listed.output and "response-a" not in listed.output
    shown = cli.invoke(app, ["executions", "show", "response-b", "--aws", "--state-machine-arn", arn])
    assert shown.exit_code == 0, shown.output
    assert "response-b" in shown.output and "ABORTED" in shown.output


def test_bulk_dry_run_lists_exactly_the_redrivable(sfn: tuple[Any, str]) -> None:
    client, arn = sfn
    for name in ("response-x", "response-y", "response-z"):
        client.start_execution(stateMachineArn=arn, name=name, input="{}")
    for name in ("response-x", "response-z"):
        client.stop_execution(executionArn=arn.replace(":stateMachine:", ":execution:") + f":{name}")
    result = CliRunner().invoke(
        app, ["redrive", "--aws", "--state-machine-arn", arn, "--status", "ABORTED", "--since", "1h", "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    assert "would redrive 2" in result.output
    assert "response-x" in result.output and "response-z" in result.output and "response-y" not in result.output
    assert "14 days" in result.output


def test_bulk_redrive_calls_redrive_execution_for_each_match(monkeypatch: pytest.MonkeyPatch) -> None:
    client = boto3.client("stepfunctions", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    arn = "arn:aws:states:us-east-1:123456789012:stateMachine:process_response"
    now = datetime.now(UTC)
    executions = [
        {
            "executionArn": f"{arn.replace(':stateMachine:', ':execution:')}:{name}",
            "stateMachineArn": arn,
            "name": name,
            "status": "FAILED",
            "startDate": start,
        }
        for name, start in (("response-new", now - timedelta(hours=2)), ("response-old", now - timedelta(days=15)))
    ]
    with Stubber(client) as stub:
        stub.add_response(
            "describe_state_machine",
            {
                "stateMachineArn": arn,
                "name": "process_response",
                "definition": DEFINITION,
                "roleArn": "arn:aws:iam::123456789012:role/sfn",
                "type": "STANDARD",
                "creationDate": now,
            },
            {"stateMachineArn": arn},
        )
        stub.add_response(
            "list_executions",
            {"executions": executions},
            {"stateMachineArn": arn, "maxResults": 1000, "statusFilter": "FAILED"},
        )
        stub.add_response("redrive_execution", {"redriveDate": now}, {"executionArn": executions[0]["executionArn"]})
        monkeypatch.setattr(common, "stepfunctions_client", lambda *_: client)
        result = CliRunner().invoke(
            app, ["redrive", "--aws", "--state-machine-arn", arn, "--status", "FAILED", "--since", "30d"]
        )
        stub.assert_no_pending_responses()  # exactly one redrive_execution: the 15-day-old one was skipped
    assert result.exit_code == 0, result.output
    assert "older than 14 days skipped" in result.output and "response-new redriven" in result.output


def test_redrive_refusal_rules() -> None:
    now = datetime(2026, 3, 1, tzinfo=UTC)
    assert redrive_refusal("FAILED", now - timedelta(days=13), now) is None
    assert redrive_refusal("TIMED_OUT", now, now) is None
    assert "14 days" in (redrive_refusal("FAILED", now - timedelta(days=15), now) or "")
    assert "status SUCCEEDED" in (redrive_refusal("SUCCEEDED", now, now) or "")


def test_stop_aborts_a_running_execution(sfn: tuple[Any, str]) -> None:
    client, arn = sfn
    client.start_execution(stateMachineArn=arn, name="response-s", input="{}")
    ops = StepFunctionsExecutions(client, arn)
    stopped = ops.stop("response-s", cause="operator")
    assert stopped.tzinfo is not None
    assert ops.describe_execution("response-s")["status"] == "ABORTED"
