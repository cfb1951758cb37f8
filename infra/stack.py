"""The one stack: layers, storage, a function per stage, the workflows, schedules and monitoring.

Everything is derived from `familyplus.catalog` (STAGES, WORKFLOWS) and the ASL files, so a stage or
workflow added there needs no edit here.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aws_cdk import Annotations, ArnFormat, CfnOutput, Stack, Tags
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from familyplus.catalog import STAGES, WORKFLOWS, StageSpec, WorkflowSpec, pascal
from infra import bedrock
from infra.config import DeployConfig
from infra.execution_ends import ExecutionEnds
from infra.layers import Layers
from infra.monitoring import Monitoring
from infra.nag import acknowledge, wildcard_resource
from infra.privacy import DataKey
from infra.schedules import ScheduledJob, Schedules, default_jobs
from infra.stage_function import StageFunction
from infra.storage import Storage
from infra.workflows import Workflows
from layers.recipe import CODE_EXCLUDES, ROOT
from layers.sizes import FunctionSize, check_sizes, code_size, function_sizes

#: The workflow the backend starts (`familyplus.client.start_processing`).
ENTRY_WORKFLOW = "process_response"


class FamilyplusStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeployConfig,
        stages: Sequence[StageSpec] = STAGES,
        workflows: Sequence[WorkflowSpec] = WORKFLOWS,
        jobs: Sequence[ScheduledJob] | None = None,
        root: Path = ROOT,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, description="Family+ story pipeline (Step Functions + Lambda)", **kwargs)
        self.config = config
        Tags.of(self).add("project", "familyplus")
        Tags.of(self).add("stage", config.stage_name)

        self.layers = Layers(self, "Layers", config=config, root=root)
        functions_dir = root / "functions"
        # Lambda's 250 MB limit counts code + layers unzipped: fail the synth before a deploy would.
        self.sizes: list[FunctionSize] = function_sizes(stages, code_size(functions_dir), self.layers.built)
        check_sizes(self.sizes)

        self.storage = Storage(self, "Storage", config=config)
        self.data_key = DataKey(self, "DataKey", config=config)
        code = lambda_.Code.from_asset(str(functions_dir), exclude=list(CODE_EXCLUDES))
        environment = {
            "FAMILYPLUS_SECRET_NAME": self.storage.secret_name,
            "FAMILYPLUS_MEDIA_BUCKET": self.storage.media.bucket_name,
            "FAMILYPLUS_IDEMPOTENCY_TABLE": self.storage.idempotency.table_name,
            "FAMILYPLUS_BEDROCK_MODEL_ID": config.bedrock_model_id,
        }
        unknown = sorted(set(config.reserved_concurrency) - {s.name for s in stages})
        if unknown:
            Annotations.of(self).add_warning_v2(
                "familyplus:reservedConcurrency",
                f"reservedConcurrency names no stage in the catalog: {', '.join(unknown)} (ignored)",
            )

        self.stage_functions: dict[str, StageFunction] = {}
        for spec in stages:
            stage = StageFunction(
                self,
                pascal(spec.name),
                spec=spec,
                config=config,
                code=code,
                layers=self.layers.for_stage(spec),
                environment=environment,
                log_key=self.data_key.key,
            )
            # Every stage reaches the Store (Supabase) with the service key from the secret; only the stages
            # the catalog marks cache provider calls, read media objects or call Bedrock.
            self.storage.grant_secret_read(stage.role)
            if spec.provider_cache:
                self.storage.grant_idempotency(stage.role)
            if spec.bedrock:
                bedrock.grant_invoke(stage.role, config.bedrock_model_id, scope=stage)
            if spec.media or spec.audio:
                self.storage.grant_media(stage.role, stage)
            if spec.text_objects:
                self.storage.grant_text_read(stage.role, stage)
            self.stage_functions[spec.name] = stage
        functions = {spec.name: self.stage_functions[spec.name].function for spec in stages}

        self.workflows = Workflows(
            self,
            "Workflows",
            config=config,
            workflows=workflows,
            directory=root / "statemachines",
            functions={spec.arn_key: functions[spec.name] for spec in stages},
            bucket=self.storage.media,
            data_key=self.data_key,
        )
        machines = self.workflows.state_machines

        self.schedules = Schedules(
            self, "Schedules", config=config, jobs=tuple(default_jobs(config) if jobs is None else jobs)
        )
        for job in self.schedules.jobs.values():
            if job.target in machines:
                self.schedules.attach_state_machine(job.name, machines[job.target])
            elif job.target in functions:
                self.schedules.attach_function(job.name, functions[job.target])
            else:
                Annotations.of(self.schedules).add_info(
                    f"schedule {job.name} not deployed yet: no workflow or stage named {job.target!r}"
                )

        self.monitoring = Monitoring(self, "Monitoring", config=config, state_machines=machines, functions=functions)
        if ENTRY_WORKFLOW in machines and "mark_failed" in functions:
            self.execution_ends = ExecutionEnds(
                self,
                "ExecutionEnds",
                state_machines=machines,
                topic=self.monitoring.topic,
                topic_key=self.monitoring.key,
                recorded={ENTRY_WORKFLOW: machines[ENTRY_WORKFLOW]},
                mark_failed=functions["mark_failed"],
            )

        if ENTRY_WORKFLOW in machines:
            self.backend_policy = self._backend_policy(config, machines[ENTRY_WORKFLOW])
            CfnOutput(self, "BackendPolicyArn", value=self.backend_policy.managed_policy_arn)
        for name, machine in machines.items():
            CfnOutput(self, f"{pascal(name)}StateMachineArn", value=machine.state_machine_arn)
        CfnOutput(self, "MediaBucketName", value=self.storage.media.bucket_name)
        CfnOutput(self, "ProviderSecretName", value=self.storage.secret_name)
        CfnOutput(self, "AlarmTopicArn", value=self.monitoring.topic.topic_arn)

    def _backend_policy(self, config: DeployConfig, machine: sfn.StateMachine) -> iam.ManagedPolicy:
        """What `familyplus.client.start_processing` needs, for ops to attach to the backend's role."""
        executions = self.format_arn(
            service="states",
            resource="execution",
            resource_name=f"{machine.state_machine_name}:*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        policy = iam.ManagedPolicy(
            self,
            "BackendPolicy",
            managed_policy_name=f"{config.prefix}-start-processing",
            description="Start process_response executions and read them back (familyplus.client)",
            statements=[
                iam.PolicyStatement(actions=["states:StartExecution"], resources=[machine.state_machine_arn]),
                iam.PolicyStatement(actions=["states:DescribeExecution"], resources=[executions]),
                # start_processing(media=...) stores a typed answer before the start, so the words never
                # enter the execution input: write-only, and only under the answers prefix.
                iam.PolicyStatement(actions=["s3:PutObject"], resources=[self.storage.text_objects()]),
                # The execution data is encrypted with the data key: starting one encrypts its input,
                # describing one decrypts it — for this state machine only.
                iam.PolicyStatement(
                    actions=["kms:GenerateDataKey", "kms:Decrypt"],
                    resources=[self.data_key.key.key_arn],
                    conditions=self.data_key.state_machine_context(machine.state_machine_arn),
                ),
            ],
        )
        acknowledge(
            policy,
            wildcard_resource(policy, executions),
            "Execution names are per response (response-<id>); DescribeExecution is limited to the executions "
            "of this one state machine.",
        )
        acknowledge(
            policy,
            wildcard_resource(policy, self.storage.text_objects()),
            "Stored answers are per family and response (answers/<family>/<response>/<sha256>.txt); the grant "
            "is PutObject only, limited to that prefix of the media bucket.",
        )
        return policy
