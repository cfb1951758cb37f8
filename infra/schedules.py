"""EventBridge Scheduler jobs (stable L1 `CfnSchedule`), read in an IANA time zone.

A job names the catalog entry it runs (a workflow or a stage). The schedule resource is created when that
target is attached; until the scheduled-jobs work adds the target, the job is declared here with its
expression and time zone but no schedule is deployed (a schedule without a target is not valid, and a dummy
target would run something nobody asked for).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.config import DeployConfig


@dataclass(frozen=True)
class ScheduledJob:
    #: Schedule name suffix, e.g. `daily-podcasts`.
    name: str
    #: The catalog workflow or stage this job runs (attached when it exists).
    target: str
    expression: str
    description: str
    #: Execution/invocation input. Scheduler fills `<aws.scheduler.scheduled-time>` with the planned time.
    input: Mapping[str, object] = field(default_factory=dict)


def default_jobs(config: DeployConfig) -> tuple[ScheduledJob, ...]:
    # `now` is the planned time, so a retried invocation still works on the slot it was scheduled for.
    scheduled = {"now": "<aws.scheduler.scheduled-time>"}
    return (
        ScheduledJob(
            "daily-podcasts",
            target="daily_podcasts",
            expression=config.podcast_schedule,
            description="Generate podcasts for stories that have none (batch lane, off-peak).",
            input=scheduled,
        ),
        ScheduledJob(
            "daily-quote",
            target="deliver_daily_quotes",
            expression=config.quote_schedule,
            description="Hourly: each family gets its quote of the day at 09:00 in its own time zone.",
            input=scheduled,
        ),
    )


class Schedules(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeployConfig,
        jobs: tuple[ScheduledJob, ...],
        retry_attempts: int = 2,
    ) -> None:
        super().__init__(scope, construct_id)
        self.timezone = config.timezone
        self.jobs = {job.name: job for job in jobs}
        self._prefix = config.prefix
        self._retry_attempts = retry_attempts
        self.group = scheduler.CfnScheduleGroup(self, "Group", name=config.prefix)
        self.schedules: dict[str, scheduler.CfnSchedule] = {}

    def _role(self, job: ScheduledJob) -> iam.Role:
        account = Stack.of(self).account
        return iam.Role(
            self,
            f"{_pascal(job.name)}Role",
            assumed_by=iam.ServicePrincipal(
                "scheduler.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": account}}
            ),
            description=f"EventBridge Scheduler: {job.name}",
        )

    def _create(self, job: ScheduledJob, arn: str, role: iam.Role) -> scheduler.CfnSchedule:
        schedule = scheduler.CfnSchedule(
            self,
            _pascal(job.name),
            name=f"{self._prefix}-{job.name}",
            group_name=self.group.ref,
            description=job.description,
            schedule_expression=job.expression,
            schedule_expression_timezone=self.timezone,
            flexible_time_window=scheduler.CfnSchedule.FlexibleTimeWindowProperty(mode="OFF"),
            state="ENABLED",
            target=scheduler.CfnSchedule.TargetProperty(
                arn=arn,
                role_arn=role.role_arn,
                input=json.dumps(dict(job.input), sort_keys=True),
                retry_policy=scheduler.CfnSchedule.RetryPolicyProperty(
                    maximum_retry_attempts=self._retry_attempts, maximum_event_age_in_seconds=3600
                ),
            ),
        )
        self.schedules[job.name] = schedule
        return schedule

    def _job(self, job_name: str) -> ScheduledJob:
        if job_name not in self.jobs:
            raise KeyError(f"no scheduled job {job_name!r}; declared: {', '.join(self.jobs)}")
        if job_name in self.schedules:
            raise ValueError(f"schedule {job_name} already has a target")
        return self.jobs[job_name]

    def attach_state_machine(self, job_name: str, machine: sfn.IStateMachine) -> scheduler.CfnSchedule:
        job = self._job(job_name)
        role = self._role(job)
        role.add_to_policy(
            iam.PolicyStatement(actions=["states:StartExecution"], resources=[machine.state_machine_arn])
        )
        return self._create(job, machine.state_machine_arn, role)

    def attach_function(self, job_name: str, function: lambda_.IFunction) -> scheduler.CfnSchedule:
        job = self._job(job_name)
        role = self._role(job)
        role.add_to_policy(iam.PolicyStatement(actions=["lambda:InvokeFunction"], resources=[function.function_arn]))
        return self._create(job, function.function_arn, role)


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.replace("_", "-").split("-"))
