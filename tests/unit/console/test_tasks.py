"""`tasks`: the catalog and ASL files locally; on AWS each state machine and function looked up by the names
the stack gives them, missing ones said so."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from familyplus.catalog import STAGES, WORKFLOWS
from familyplus_local.tasks import as_json, deployed_catalog, local_catalog, stack_prefix

PROCESS = "arn:aws:states:eu-west-1:123456789012:stateMachine:familyplus-dev-process-response"


def test_local_catalog_lists_every_workflow_and_stage() -> None:
    workflows, stages = local_catalog()
    assert [w.name for w in workflows] == [w.name for w in WORKFLOWS]
    assert [s.name for s in stages] == [s.name for s in STAGES]
    process = workflows[0]
    assert "AcceptResponse" in process.task_states and "TranscribeChunkInMap" in process.task_states
    assert next(s for s in stages if s.name == "assemble_podcast").needs == ["ffmpeg", "media"]


class Fakes:
    def __init__(self) -> None:
        self.asked: list[str] = []

    def describe_state_machine(self, stateMachineArn: str) -> dict[str, Any]:
        self.asked.append(stateMachineArn)
        if stateMachineArn.endswith("batch-responses"):
            raise ClientError({"Error": {"Code": "StateMachineDoesNotExist", "Message": "no"}}, "DescribeStateMachine")
        return {"status": "ACTIVE"}

    def get_function_configuration(self, FunctionName: str) -> dict[str, Any]:
        self.asked.append(FunctionName)
        if FunctionName == "familyplus-dev-embed":
            raise ClientError({"Error": {"Code": "ResourceNotFoundException", "Message": "no"}}, "GetFunction")
        return {"MemorySize": 512, "Timeout": 60, "LastModified": "2026-12-01T09:00:00.000+0000"}


def test_deployed_catalog_names_what_is_missing() -> None:
    fakes = Fakes()
    workflows, stages = deployed_catalog(fakes, fakes, PROCESS)
    assert next(w for w in workflows if w.name == "batch_responses").deployed == "missing"
    assert next(w for w in workflows if w.name == "generate_podcast").deployed == (
        "ACTIVE " + PROCESS.replace("process-response", "generate-podcast")
    )
    assert next(s for s in stages if s.name == "embed").deployed == "missing"
    assert next(s for s in stages if s.name == "write_story").deployed == "512 MB, 60 s, 2026-12-01T09:00:00"
    assert "familyplus-dev-transcribe-chunk" in fakes.asked
    assert as_json(workflows, stages)["stages"][0]["name"] == "accept_response"


def test_an_arn_of_another_stack_is_refused_naming_it() -> None:
    assert stack_prefix(PROCESS) == "familyplus-dev"
    with pytest.raises(ValueError, match="should end in '-process-response'"):
        stack_prefix("arn:aws:states:eu-west-1:1:stateMachine:other")
