"""Scheduled jobs and batch lanes in the stack: both jobs get their EventBridge Scheduler target, and the batch-lane
workflows (daily_podcasts, batch_responses) get exactly the grants their definitions need — no more."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from familyplus.catalog import WORKFLOWS
from familyplus_local.executor.errors import DefinitionError
from infra import asl
from tests.infra.conftest import Synth

STATEMACHINES = Path(__file__).resolve().parents[2] / "statemachines"


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _logical_id(synth: Synth, construct: Any) -> str:
    return str(synth.stack.get_logical_id(construct.node.default_child))


def _role_grants(synth: Synth, workflow: str) -> dict[str, list[str]]:
    """action → the role's resources for it, each rendered as JSON text (tokens included)."""
    role = _logical_id(synth, synth.stack.workflows.state_machines[workflow].role)
    grants: dict[str, list[str]] = {}
    for policy in synth.resources("AWS::IAM::Policy").values():
        if {"Ref": role} not in policy["Properties"]["Roles"]:
            continue
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            for action in _listed(statement["Action"]):
                grants.setdefault(action, []).extend(json.dumps(r) for r in _listed(statement["Resource"]))
    return grants


def _schedule(synth: Synth, name: str) -> dict[str, Any]:
    (found,) = [
        r["Properties"]
        for r in synth.resources("AWS::Scheduler::Schedule").values()
        if r["Properties"]["Name"] == f"familyplus-dev-{name}"
    ]
    return found


def test_both_scheduled_jobs_are_deployed_with_their_targets(synth: Synth) -> None:
    machines = synth.stack.workflows.state_machines
    podcasts = _schedule(synth, "daily-podcasts")
    assert podcasts["Target"]["Arn"] == {"Ref": _logical_id(synth, machines["daily_podcasts"])}
    assert podcasts["ScheduleExpression"] == "cron(0 2 * * ? *)"
    assert podcasts["ScheduleExpressionTimezone"] == "America/New_York"
    assert json.loads(podcasts["Target"]["Input"]) == {"now": "<aws.scheduler.scheduled-time>"}
    quote = _schedule(synth, "daily-quote")
    function = synth.stack.stage_functions["deliver_daily_quotes"].function
    assert quote["Target"]["Arn"] == {"Fn::GetAtt": [_logical_id(synth, function), "Arn"]}
    # the podcast schedule's role may start that one state machine, nothing else
    role = podcasts["Target"]["RoleArn"]["Fn::GetAtt"][0]
    (statements,) = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in synth.resources("AWS::IAM::Policy").values()
        if {"Ref": role} in p["Properties"]["Roles"]
    ]
    assert statements == [
        {
            "Action": "states:StartExecution",
            "Effect": "Allow",
            "Resource": {"Ref": _logical_id(synth, machines["daily_podcasts"])},
        }
    ]


def test_every_catalog_workflow_is_a_state_machine_with_an_output(synth: Synth) -> None:
    assert set(synth.stack.workflows.state_machines) == {w.name for w in WORKFLOWS}
    outputs = synth.document["Outputs"]
    for name in ("DailyPodcastsStateMachineArn", "BatchResponsesStateMachineArn"):
        assert name in outputs


def test_daily_podcasts_runs_generate_podcast_two_at_a_time(synth: Synth) -> None:
    definition = synth.stack.workflows.definitions["daily_podcasts"]
    (lane,) = [s for _, s in asl.states(definition.document) if s["Type"] == "Map"]
    assert lane["MaxConcurrency"] == 2 and "MaxConcurrencyPath" not in lane  # static: input cannot widen it
    assert definition.started_workflows() == {"GeneratePodcastStateMachineArn": True}
    grants = _role_grants(synth, "daily_podcasts")
    generate = _logical_id(synth, synth.stack.workflows.state_machines["generate_podcast"])
    assert grants["states:StartExecution"] == [json.dumps({"Ref": generate})]
    assert not [a for a in grants if a.startswith("s3:")]


def test_batch_responses_may_start_itself_and_process_response_and_touch_only_batch_objects(synth: Synth) -> None:
    grants = _role_grants(synth, "batch_responses")
    process = _logical_id(synth, synth.stack.workflows.state_machines["process_response"])
    started = grants["states:StartExecution"]
    assert json.dumps({"Ref": process}) in started
    # Distributed Map children are executions of the machine itself: formatted by name (no circular Ref)
    assert any(":stateMachine:familyplus-dev-batch-responses" in r for r in started) and len(started) == 2
    assert any(
        "execution:familyplus-dev-batch-responses/ProcessResponses:*" in r for r in grants["states:RedriveExecution"]
    )
    bucket = _logical_id(synth, synth.stack.storage.media)
    reads = grants["s3:GetObject"]
    assert all(bucket in r for r in reads)
    assert any('"/batches/*"' in r for r in reads)
    assert grants["s3:PutObject"] == [
        json.dumps({"Fn::Join": ["", [{"Fn::GetAtt": [bucket, "Arn"]}, "/batches/results/*"]]})
    ]
    assert "s3:DeleteObject" not in grants and "s3:ListBucket" not in grants


def test_batch_map_is_distributed_standard_and_bounded(synth: Synth) -> None:
    definition = synth.stack.workflows.definitions["batch_responses"]
    (batch_map,) = definition.distributed_maps()
    assert (batch_map.label, batch_map.reads, batch_map.reader_key, batch_map.writer_prefix) == (
        "ProcessResponses",
        True,
        None,
        "batches/results",
    )
    state = definition.document["States"]["ProcessResponses"]
    # .sync children need STANDARD: Express workflows cannot wait for a child (.sync) execution
    assert state["ItemProcessor"]["ProcessorConfig"] == {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}
    assert state["MaxConcurrency"] == 5 and "MaxConcurrencyPath" not in state
    assert state["ToleratedFailurePercentagePath"] == "$.toleratedFailurePercentage"


def test_a_distributed_map_without_a_label_is_refused(tmp_path: Path) -> None:
    document = json.loads((STATEMACHINES / "batch_responses.asl.json").read_text())
    del document["States"]["ProcessResponses"]["Label"]
    (tmp_path / "batch_responses.asl.json").write_text(json.dumps(document))
    (workflow,) = [w for w in WORKFLOWS if w.name == "batch_responses"]
    with pytest.raises(DefinitionError, match="needs a Label"):
        asl.load(workflow, tmp_path).distributed_maps()
