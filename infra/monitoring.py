"""Alarms on every workflow and stage function, an encrypted SNS topic for them, and one dashboard."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from familyplus.catalog import pascal
from infra.config import DeployConfig

PERIOD = Duration.minutes(5)


def _alarm(scope: Construct, cid: str, metric: cloudwatch.Metric, description: str) -> cloudwatch.Alarm:
    """Any occurrence in a 5-minute window; no data means nothing happened (not breaching)."""
    return cloudwatch.Alarm(
        scope,
        cid,
        metric=metric.with_(period=PERIOD, statistic="Sum"),
        threshold=1,
        evaluation_periods=1,
        comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        alarm_description=description,
    )


def let_service_publish(key: kms.IKey, service: str) -> None:
    """Let an AWS service (CloudWatch alarms, EventBridge rules) publish to a topic encrypted with `key`:
    the service must be allowed to make data keys with it and decrypt them."""
    key.add_to_resource_policy(
        iam.PolicyStatement(
            principals=[iam.ServicePrincipal(service)],
            actions=["kms:Decrypt", "kms:GenerateDataKey*"],
            resources=["*"],  # in a key policy, '*' means this key
        )
    )


class Monitoring(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeployConfig,
        state_machines: Mapping[str, sfn.StateMachine],
        functions: Mapping[str, lambda_.IFunction],
    ) -> None:
        """`state_machines` by workflow name, `functions` by stage name."""
        super().__init__(scope, construct_id)
        # CloudWatch cannot publish to a topic encrypted with the AWS-managed aws/sns key: a customer key
        # whose policy lets CloudWatch use it.
        self.key = kms.Key(
            self,
            "AlarmTopicKey",
            description="Family+ alarm topic encryption",
            enable_key_rotation=True,
        )
        let_service_publish(self.key, "cloudwatch.amazonaws.com")
        self.topic = sns.Topic(
            self,
            "Alarms",
            topic_name=f"{config.prefix}-alarms",
            display_name="Family+ alarms",
            master_key=self.key,
            enforce_ssl=True,
        )
        if config.alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(config.alarm_email))
        action = actions.SnsAction(self.topic)

        self.alarms: list[cloudwatch.Alarm] = []
        for name, machine in state_machines.items():
            cid = pascal(name)
            for suffix, metric, what in (
                ("Failed", machine.metric_failed(), "executions failed"),
                ("TimedOut", machine.metric_timed_out(), "executions timed out"),
                ("Throttled", machine.metric_throttled(), "execution events were throttled"),
            ):
                self.alarms.append(_alarm(self, f"{cid}{suffix}", metric, f"{name}: {what}"))
        for name, function in functions.items():
            cid = pascal(name)
            self.alarms.append(
                _alarm(self, f"{cid}Errors", function.metric_errors(), f"{name}: Lambda invocation errors")
            )
            self.alarms.append(
                _alarm(self, f"{cid}Throttles", function.metric_throttles(), f"{name}: Lambda throttles")
            )
        for alarm in self.alarms:
            alarm.add_alarm_action(action)

        self.dashboard = cloudwatch.Dashboard(
            self, "Dashboard", dashboard_name=config.prefix, default_interval=Duration.hours(24)
        )
        self.dashboard.add_widgets(
            cloudwatch.TextWidget(
                markdown=(
                    "## Family+ pipeline\nExecutions per workflow, stage durations, and stage errors. "
                    "Step Functions publishes no retry metric: a stage's **invocations above the executions "
                    "that reached it are retries** (compare the two graphs)."
                ),
                width=24,
                height=2,
            )
        )
        for name, machine in state_machines.items():
            self.dashboard.add_widgets(
                cloudwatch.GraphWidget(
                    title=f"{name}: executions",
                    left=[
                        machine.metric_started(statistic="Sum", period=PERIOD),
                        machine.metric_succeeded(statistic="Sum", period=PERIOD),
                        machine.metric_failed(statistic="Sum", period=PERIOD),
                        machine.metric_timed_out(statistic="Sum", period=PERIOD),
                    ],
                    width=12,
                ),
                cloudwatch.GraphWidget(
                    title=f"{name}: execution time (p50, p99)",
                    left=[
                        machine.metric_time(statistic="p50", period=PERIOD),
                        machine.metric_time(statistic="p99", period=PERIOD),
                    ],
                    width=12,
                ),
            )
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Stage duration (p90, ms)",
                left=[f.metric_duration(statistic="p90", period=PERIOD, label=n) for n, f in functions.items()],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="Stage invocations (incl. retries) and errors",
                left=[f.metric_invocations(statistic="Sum", period=PERIOD, label=n) for n, f in functions.items()],
                right=[
                    f.metric_errors(statistic="Sum", period=PERIOD, label=f"{n} errors") for n, f in functions.items()
                ],
                width=12,
            ),
        )
        self.dashboard.add_widgets(
            cloudwatch.AlarmStatusWidget(title="Alarms", alarms=self.alarms, width=24),
        )
