"""The customer-managed key that encrypts what could hold a family's words outside the store: Step Functions
execution data (inputs, outputs and history of every execution) and the log groups of the state machines and
the stage functions.

With the AWS-owned default key, anyone allowed `states:DescribeExecution`/`GetExecutionHistory` or
`logs:GetLogEvents` reads the data; with this key they also need `kms:Decrypt` on it, which the key policy
gives only to the account (IAM decides) and to the services that write the data, each for its own
resources (encryption context).
"""

from __future__ import annotations

from aws_cdk import ArnFormat, Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from infra.config import DeployConfig

#: Data keys Step Functions caches per execution before asking KMS again (AWS's default: 300 s).
DATA_KEY_REUSE = Duration.seconds(300)


class DataKey(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: DeployConfig) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.key = kms.Key(
            self,
            "Key",
            alias=f"alias/{config.prefix}-data",
            description="Family+ execution data and logs (state machines, log groups)",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,  # deleting it would make kept history and logs unreadable
        )
        # CloudWatch Logs encrypts a log group's events with the key only if the key policy lets the regional
        # logs service use it, and only for this account's log groups.
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
                actions=["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                resources=["*"],  # in a key policy, "*" is this key
                conditions={
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": stack.format_arn(
                            service="logs",
                            resource="log-group",
                            resource_name="*",
                            arn_format=ArnFormat.COLON_RESOURCE_NAME,
                        )
                    }
                },
            )
        )

    def state_machine_context(self, state_machine_arn: str) -> dict[str, dict[str, str]]:
        """The KMS condition that limits a grant to one state machine's (or a pattern of them) execution data."""
        return {"StringLike": {"kms:EncryptionContext:aws:states:stateMachineArn": state_machine_arn}}

    def grant_execution_data(self, grantee: iam.IGrantable, state_machine_arn: str) -> None:
        """Let `grantee` start and read executions of the state machine(s) `state_machine_arn` names."""
        grantee.grant_principal.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=[self.key.key_arn],
                conditions=self.state_machine_context(state_machine_arn),
            )
        )
