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
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from familyplus.catalog import WorkflowSpec, pascal
from familyplus.models.keys import BATCH_MANIFEST_PREFIX
from familyplus_local.executor.errors import DefinitionError, Problem
from infra import asl
from infra.config import DeployConfig
from infra.nag import acknowledge, wildcard_resource
from infra.privacy import DATA_KEY_REUSE, DataKey
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
        bucket: s3.IBucket | None = None,
        data_key: DataKey,
    ) -> None:
        """`functions` maps each stage's substitution key (`EmbedFunctionArn`) to its function; `bucket` is where
        a Distributed Map reads its manifest and writes its results (the media bucket); `data_key` encrypts
        execution data and the state machines' logs."""
        super().__init__(scope, construct_id)
        self.bucket = bucket
        self.data_key = data_key
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
            encryption_key=self.data_key.key,
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
        maps = definition.distributed_maps()
        if maps:
            self._grant_distributed_maps(role, name, maps, definition)
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
            # Logs carry ids, never a family's words: every event, but without execution data (inputs, outputs
            # and results may hold a family's words). Inputs, outputs and history are encrypted with our key.
            logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=False),
            encryption_configuration=sfn.CustomerManagedEncryptionConfiguration(self.data_key.key, DATA_KEY_REUSE),
        )
        # A parent starts (and a `.sync` parent reads) its children's executions: their data is encrypted too.
        for key in sorted(children):
            self.data_key.grant_execution_data(role, started[key].state_machine_arn)
        self.invoked[workflow.name] = invoked
        acknowledge(
            role,
            "AwsSolutions-IAM5[Resource::*]",
            "CloudWatch Logs delivery (logs:CreateLogDelivery, PutResourcePolicy, DescribeLogGroups…) and X-Ray "
            "(xray:PutTraceSegments, GetSamplingRules…) support no resource-level permissions: AWS requires '*'.",
        )
        return machine

    def _grant_distributed_maps(
        self, role: iam.Role, machine_name: str, maps: list[asl.DistributedMap], definition: asl.Definition
    ) -> None:
        """A Distributed Map runs its items as child executions of this same state machine: StartExecution on
        itself, Describe/Stop/Redrive on `execution:<machine>/<label>:*` (AWS "IAM policies for using
        Distributed Map states"); its ItemReader/ResultWriter read and write the bucket. The ARNs are formatted
        from the name: the machine's own Ref in its role's policy would be a circular dependency."""
        stack = Stack.of(self)
        own = stack.format_arn(
            service="states",
            resource="stateMachine",
            resource_name=machine_name,
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        role.add_to_policy(iam.PolicyStatement(actions=["states:StartExecution"], resources=[own]))
        children = [
            stack.format_arn(
                service="states",
                resource="execution",
                resource_name=f"{machine_name}/{m.label}:*",
                arn_format=ArnFormat.COLON_RESOURCE_NAME,
            )
            for m in maps
        ]
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["states:DescribeExecution", "states:StopExecution", "states:RedriveExecution"],
                resources=children,
            )
        )
        for arn in children:
            acknowledge(
                role,
                wildcard_resource(role, arn),
                "A Distributed Map's child executions get generated names; the grant is scoped to the "
                "children of this state machine's own labelled Map state.",
            )
        if not any(m.reads or m.writer_prefix is not None for m in maps):
            return
        if self.bucket is None:
            problem = Problem(
                "", "a Distributed Map reads or writes S3 but the Workflows construct was given no bucket"
            )
            raise DefinitionError([problem], source=definition.path.name)
        reads = sorted({m.reader_key or f"{BATCH_MANIFEST_PREFIX}*" for m in maps if m.reads})
        writes = sorted(
            {
                f"{m.writer_prefix.strip('/')}/*" if m.writer_prefix.strip("/") else "*"
                for m in maps
                if m.writer_prefix is not None
            }
        )
        grants = [
            (["s3:GetObject"], reads),
            # what the ResultWriter needs (the same actions CDK's own ResultWriter grants)
            (["s3:PutObject", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"], writes),
        ]
        for actions, keys in grants:
            if not keys:
                continue
            resources = [self.bucket.arn_for_objects(key) for key in keys]
            role.add_to_policy(iam.PolicyStatement(actions=actions, resources=resources))
            for arn, key in zip(resources, keys, strict=True):
                if "*" in key:
                    acknowledge(
                        role,
                        wildcard_resource(role, arn),
                        f"Batch manifests and map-run result files have per-run names; the grant is "
                        f"limited to the {key} prefix of the media bucket and to explicit actions.",
                    )

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
