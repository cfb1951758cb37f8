"""Executions that ended FAILED, TIMED_OUT or ABORTED, from Step Functions' status-change events.

Two EventBridge rules on the default bus:

* every workflow's bad ends → the ops topic, one message of ids (workflow, execution, status, error name).
  The cause is left out: a States.Runtime cause quotes the state's data, which may hold a family's words.
* process_response's bad ends → MarkFailed. A Catch on States.ALL never sees States.Runtime (a result the
  next state cannot read: a malformed stage output), the execution timeout or a stop, so without this the
  response would stay `processing` for ever. MarkFailed records such an end on the response row as the
  Catch would have, and leaves a row the Catch already recorded (or a completed one) as it is.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from familyplus.models.response import STATUS_CHANGE
from infra.monitoring import let_service_publish

#: The statuses an execution ends in without succeeding.
BAD_ENDS = ("FAILED", "TIMED_OUT", "ABORTED")


def bad_ends(machines: Mapping[str, sfn.StateMachine]) -> events.EventPattern:
    return events.EventPattern(
        source=["aws.states"],
        detail_type=[STATUS_CHANGE],
        detail={
            "status": list(BAD_ENDS),
            "stateMachineArn": [machine.state_machine_arn for machine in machines.values()],
        },
    )


class ExecutionEnds(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        state_machines: Mapping[str, sfn.StateMachine],
        topic: sns.ITopic,
        topic_key: kms.IKey,
        recorded: Mapping[str, sfn.StateMachine],
        mark_failed: lambda_.IFunction,
    ) -> None:
        """`state_machines` by workflow name (all of them reach ops); `recorded`: the workflows whose bad
        ends MarkFailed records on the response row."""
        super().__init__(scope, construct_id)
        # EventBridge publishes to the encrypted topic only if the topic's key lets it.
        let_service_publish(topic_key, "events.amazonaws.com")
        self.to_ops = events.Rule(
            self,
            "ToOps",
            description="Family+ executions that ended FAILED, TIMED_OUT or ABORTED (ids only) to the ops topic",
            event_pattern=bad_ends(state_machines),
        )
        self.to_ops.add_target(
            targets.SnsTopic(
                topic,
                message=events.RuleTargetInput.from_object(
                    {
                        "workflow": events.EventField.from_path("$.detail.stateMachineArn"),
                        "execution": events.EventField.from_path("$.detail.executionArn"),
                        "status": events.EventField.from_path("$.detail.status"),
                        "error": events.EventField.from_path("$.detail.error"),
                    }
                ),
            )
        )
        self.to_mark_failed = events.Rule(
            self,
            "ToMarkFailed",
            description="process_response ends no Catch saw (States.Runtime, timeout, stop) recorded by MarkFailed",
            event_pattern=bad_ends(recorded),
        )
        # The whole event: MarkFailed reads the ids from it. EventBridge retries a failed invoke for a day.
        self.to_mark_failed.add_target(
            targets.LambdaFunction(mark_failed, retry_attempts=8, max_event_age=Duration.hours(24))
        )
