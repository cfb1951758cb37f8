"""The Schedules construct: expressions and IANA time zone, one least-privilege role per job, plug-in targets."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.config import DeployConfig
from infra.schedules import Schedules, default_jobs


def _schedules(timezone: str) -> tuple[Any, Schedules, Any]:
    from aws_cdk import App, Stack
    from aws_cdk import aws_stepfunctions as sfn

    stack = Stack(App(), "Jobs")
    config = DeployConfig.parse({"timezone": timezone, "podcast_schedule": "cron(30 3 * * ? *)"})
    schedules = Schedules(stack, "Schedules", config=config, jobs=default_jobs(config))
    machine = sfn.StateMachine(
        stack, "Podcasts", definition_body=sfn.DefinitionBody.from_chainable(sfn.Succeed(stack, "Done"))
    )
    return stack, schedules, machine


def test_a_state_machine_target_gets_a_schedule_in_the_configured_time_zone() -> None:
    from aws_cdk.assertions import Template

    stack, schedules, machine = _schedules("Europe/Berlin")
    schedules.attach_state_machine("daily-podcasts", machine)
    template = Template.from_stack(stack).to_json()

    (schedule,) = [r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::Scheduler::Schedule"]
    assert schedule["ScheduleExpression"] == "cron(30 3 * * ? *)"
    assert schedule["ScheduleExpressionTimezone"] == "Europe/Berlin"
    assert schedule["FlexibleTimeWindow"] == {"Mode": "OFF"}
    assert json.loads(schedule["Target"]["Input"]) == {"now": "<aws.scheduler.scheduled-time>"}
    machine_id = stack.get_logical_id(machine.node.default_child)
    assert schedule["Target"]["Arn"] == {"Ref": machine_id}
    (policy,) = [
        r["Properties"]["PolicyDocument"]["Statement"]
        for lid, r in template["Resources"].items()
        if r["Type"] == "AWS::IAM::Policy" and lid.startswith("SchedulesDailyPodcastsRole")
    ]
    assert policy == [{"Action": "states:StartExecution", "Effect": "Allow", "Resource": {"Ref": machine_id}}]


def test_quote_job_runs_hourly_so_each_family_gets_its_own_0900() -> None:
    _, schedules, _ = _schedules("America/New_York")
    assert schedules.jobs["daily-quote"].expression == "cron(0 * * * ? *)"
    assert schedules.jobs["daily-quote"].target == "deliver_daily_quotes"


def test_a_job_takes_one_target_only() -> None:
    _, schedules, machine = _schedules("UTC")
    schedules.attach_state_machine("daily-podcasts", machine)
    with pytest.raises(ValueError, match="daily-podcasts already has a target"):
        schedules.attach_state_machine("daily-podcasts", machine)
