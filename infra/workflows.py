"""The state machines: every `statemachines/<name>.asl.json` the catalog lists, inline in the template.

The definition string is the file itself; `DefinitionSubstitutions` maps each `${...FunctionArn}` /
`${...StateMachineArn}` placeholder to the real ARN. Grants are read off the definition: a state machine may
invoke only the functions its file names and start only the workflows its file starts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from aws_cdk import ArnFormat, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct
from familyplus.catalog import WorkflowSpec, pascal

from infra import asl
from infra.config import DeployConfig
from infra.nag import acknowledge, wildcard_resource
from infra.stage_function import retention

#: The managed rule Step Functions uses to learn that a `.sync` child execution finished.
SYNC_RULE = "StepFunctionsGetEventsForStepFunctionsExecutionRule"


def state_machine_name(config: DeployConfig, workflow: WorkflowSpec) -> str:
    return f"{config.prefix}-{workflow.name.replace('_', '-')}"


class Workflows(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeployConfig,
        workflows: Sequence[WorkflowSpec],
        directory: Path,
        functions: Mapping[str, lambda_.IFunction],
    ) -> None:
        """`functions` maps each stage's substitution key (`EmbedFunctionArn`) to its function."""
        super().__init__(scope, construct_id)
        definitions = [asl.load(workflow, directory) for workflow in workflows]
        known = [*functions, *(w.arn_key for w in workflows)]
        for definition in definitions:
            asl.check_placeholders(definition, known)

        self.definitions: dict[str, asl.Definition] = {d.workflow.name: d for d in definitions}
        self.state_machines: dict[str, sfn.StateMachine] = {}
        self.invoked: dict[str, list[str]] = {}
        by_key: dict[str, sfn.StateMachine] = {}
        for definition in asl.creation_order(definitions):
            machine = self._state_machine(config, definition, functions, by_key)
            self.state_machines[definition.workflow.name] = machine
            by_key[definition.workflow.arn_key] = machine

    def _state_machine(
        self,
        config: DeployConfig,
        definition: asl.Definition,
        functions: Mapping[str, lambda_.IFunction],
        started: Mapping[str, sfn.StateMachine],
    ) -> sfn.StateMachine:
        workflow = definition.workflow
        cid = pascal(workflow.name)
        name = state_machine_name(config, workflow)
        used = definition.placeholders
        invoked = sorted(used & functions.keys())
        children = definition.started_workflows()

        log_group = logs.LogGroup(
            self,
            f"{cid}Logs",
            log_group_name=f"/aws/vendedlogs/states/{name}",
            retention=retention(config.log_retention_days),
            removal_policy=RemovalPolicy.DESTROY,
        )
        role = iam.Role(
            self,
            f"{cid}Role",
            assumed_by=iam.ServicePrincipal("states.amazonaws.com"),
            description=f"Family+ {workflow.name} state machine",
        )
        if invoked:
            role.add_to_policy(
                iam.PolicyStatement(
                    actions=["lambda:InvokeFunction"],
                    resources=[functions[key].function_arn for key in invoked],
                )
            )
        substitutions = {key: functions[key].function_arn for key in invoked}
        for key, sync in sorted(children.items()):
            child = started[key]
            substitutions[key] = child.state_machine_arn
            role.add_to_policy(
                iam.PolicyStatement(actions=["states:StartExecution"], resources=[child.state_machine_arn])
            )
            if sync:
                self._grant_sync(role, child)
        for key in sorted(used - substitutions.keys()):  # e.g. an ARN passed as data, not started here
            substitutions[key] = started[key].state_machine_arn

        machine = sfn.StateMachine(
            self,
            cid,
            state_machine_name=name,
            comment=workflow.description,
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_string(definition.text),
            definition_substitutions=substitutions,
            role=role,
            tracing_enabled=True,
            logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=True),
        )
        self.invoked[workflow.name] = invoked
        acknowledge(
            role,
            "AwsSolutions-IAM5[Resource::*]",
            "CloudWatch Logs delivery (logs:CreateLogDelivery, PutResourcePolicy, DescribeLogGroups…) and X-Ray "
            "(xray:PutTraceSegments, GetSamplingRules…) support no resource-level permissions: AWS requires '*'.",
        )
        return machine

    def _grant_sync(self, role: iam.Role, child: sfn.StateMachine) -> None:
        """`.sync` waits for the child: describe/stop its executions, and the managed EventBridge rule."""
        stack = Stack.of(self)
        executions = stack.format_arn(
            service="states",
            resource="execution",
            resource_name=f"{child.state_machine_name}:*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        role.add_to_policy(
            iam.PolicyStatement(actions=["states:DescribeExecution", "states:StopExecution"], resources=[executions])
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["events:PutTargets", "events:PutRule", "events:DescribeRule"],
                resources=[stack.format_arn(service="events", resource="rule", resource_name=SYNC_RULE)],
            )
        )
        acknowledge(
            role,
            wildcard_resource(role, executions),
            "A .sync child execution has a generated name; the grant is scoped to executions of this one "
            "child state machine.",
        )
