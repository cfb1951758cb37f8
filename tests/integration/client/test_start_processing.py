"""`start_processing` against Step Functions under moto: deterministic names, one execution per response."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from pydantic import ValidationError

from familyplus.client import checked_execution_name, execution_arn, start_processing
from familyplus.errors import ExecutionAlreadyExistsError, PermanentError

REGION = "us-east-1"
DEFINITION = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}})


@pytest.fixture
def sfn(fake_aws: None) -> Iterator[tuple[Any, str]]:
    client = boto3.client("stepfunctions", region_name=REGION)
    arn = client.create_state_machine(
        name="familyplus-test-process-response",
        definition=DEFINITION,
        roleArn="arn:aws:iam::123456789012:role/sfn",
    )["stateMachineArn"]
    yield client, arn


def _executions(client: Any, arn: str) -> list[dict[str, Any]]:
    return list(client.list_executions(stateMachineArn=arn)["executions"])


def test_same_response_twice_is_one_execution(sfn: tuple[Any, str]) -> None:
    client, arn = sfn
    kwargs: dict[str, Any] = {"media_type": "text", "text": "My first job was at the mill.", "state_machine_arn": arn}

    first = start_processing("resp-1", "fam-1", client=client, **kwargs)
    second = start_processing("resp-1", "fam-1", client=client, **kwargs)

    assert first == second == execution_arn(arn, "response-resp-1")
    (execution,) = _executions(client, arn)
    assert execution["name"] == "response-resp-1"
    sent = json.loads(client.describe_execution(executionArn=first)["input"])
    assert sent == {
        "responseId": "resp-1",
        "familyId": "fam-1",
        "mediaType": "text",
        "text": "My first job was at the mill.",
        "podcast": False,
    }


def test_repeat_after_the_execution_finished_returns_it(sfn: tuple[Any, str]) -> None:
    """AWS answers ExecutionAlreadyExists for a closed execution even with the same input: still success."""
    client, arn = sfn
    first = start_processing(
        "resp-2", "fam-1", media_type="audio", audio_key="uploads/r2.m4a", state_machine_arn=arn, client=client
    )
    client.stop_execution(executionArn=first)

    again = start_processing(
        "resp-2", "fam-1", media_type="audio", audio_key="uploads/r2.m4a", state_machine_arn=arn, client=client
    )

    assert again == first
    assert len(_executions(client, arn)) == 1


def test_different_input_for_an_existing_name_is_a_clear_error(sfn: tuple[Any, str]) -> None:
    client, arn = sfn
    start_processing("resp-3", "fam-1", media_type="text", text="Version one.", state_machine_arn=arn, client=client)

    with pytest.raises(
        ExecutionAlreadyExistsError, match=r"response-resp-3 already exists .* different input"
    ) as caught:
        start_processing(
            "resp-3", "fam-1", media_type="text", text="Version two.", state_machine_arn=arn, client=client
        )

    assert isinstance(caught.value, PermanentError)
    assert len(_executions(client, arn)) == 1


def test_the_same_response_for_another_prompt_is_a_clear_error(sfn: tuple[Any, str]) -> None:
    client, arn = sfn
    text = "My first job was at the mill."
    kwargs: dict[str, Any] = {"media_type": "text", "text": text, "state_machine_arn": arn, "client": client}
    first = start_processing("resp-5", "fam-1", prompt_id="prompt-1", **kwargs)
    assert start_processing("resp-5", "fam-1", prompt_id="prompt-1", **kwargs) == first

    with pytest.raises(ExecutionAlreadyExistsError, match=r"response-resp-5 already exists .* different input"):
        start_processing("resp-5", "fam-1", prompt_id="prompt-2", **kwargs)
    assert len(_executions(client, arn)) == 1


def test_invalid_input_is_refused_before_any_call(sfn: tuple[Any, str]) -> None:
    client, arn = sfn
    with pytest.raises(ValidationError, match=r"response_id|responseId"):
        start_processing(
            "bad id with spaces", "fam-1", media_type="text", text="x", state_machine_arn=arn, client=client
        )
    assert _executions(client, arn) == []


def test_execution_names_follow_step_functions_rules() -> None:
    longest = "a" * 58  # models.Id allows up to 58 characters
    assert checked_execution_name(longest) == "response-" + longest and len(checked_execution_name(longest)) <= 80
    for bad in ("has space", "colon:", "slash/", "a" * 72):
        with pytest.raises(ValueError, match="not valid for Step Functions"):
            checked_execution_name(bad)
    with pytest.raises(ValueError, match="not a state machine ARN"):
        execution_arn("arn:aws:lambda:us-east-1:123456789012:function:x", "response-1")


def test_default_client_uses_the_region_of_the_state_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        client = boto3.client("stepfunctions", region_name="eu-west-1")
        arn = client.create_state_machine(
            name="sm", definition=DEFINITION, roleArn="arn:aws:iam::123456789012:role/sfn"
        )["stateMachineArn"]
        started = start_processing("resp-4", "fam-1", media_type="text", text="Hi.", state_machine_arn=arn)
    assert started.startswith("arn:aws:states:eu-west-1:")
