"""Storage and secrets: the media bucket (+ its access-log bucket), the idempotency table, the provider secret."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from familyplus.models.keys import TEXT_PREFIX
from infra.config import DeployConfig
from infra.nag import acknowledge, wildcard_resource

#: Intermediate objects (audio chunks, TTS segments) live under this prefix and expire after a day.
TMP_PREFIX = "tmp/"
TMP_EXPIRY_DAYS = 1
#: Typed answers stored by the backend before a start (TEXT_PREFIX) are kept past Step Functions' 14-day
#: redrive window, so a redriven AcceptResponse still finds its text, then expired — the response row holds
#: the words once accepted.
TEXT_EXPIRY_DAYS = 15
#: Powertools Idempotency's DynamoDB defaults: partition key `id`, TTL attribute `expiration`.
IDEMPOTENCY_KEY = "id"
IDEMPOTENCY_TTL_ATTRIBUTE = "expiration"


class Storage(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: DeployConfig) -> None:
        super().__init__(scope, construct_id)

        self.access_logs = s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,  # S3 server access logging only delivers to SSE-S3
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[s3.LifecycleRule(id="expire-access-logs", expiration=Duration.days(365))],
            removal_policy=RemovalPolicy.RETAIN,
        )
        acknowledge(
            self.access_logs,
            "AwsSolutions-S1",
            "This is the access-log bucket of the media bucket; logging it into itself would loop.",
        )

        self.media = s3.Bucket(
            self,
            "Media",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            versioned=False,  # objects are written once under ids; replays overwrite with identical content
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="media/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-intermediate-chunks",
                    prefix=TMP_PREFIX,
                    expiration=Duration.days(TMP_EXPIRY_DAYS),
                ),
                s3.LifecycleRule(
                    id="expire-stored-answers",
                    prefix=TEXT_PREFIX,
                    expiration=Duration.days(TEXT_EXPIRY_DAYS),
                ),
                s3.LifecycleRule(
                    id="abort-incomplete-uploads", abort_incomplete_multipart_upload_after=Duration.days(1)
                ),
            ],
            removal_policy=RemovalPolicy.RETAIN,  # family recordings and podcasts: never deleted with the stack
        )

        self.idempotency = dynamodb.TableV2(
            self,
            "Idempotency",
            partition_key=dynamodb.Attribute(name=IDEMPOTENCY_KEY, type=dynamodb.AttributeType.STRING),
            time_to_live_attribute=IDEMPOTENCY_TTL_ATTRIBUTE,
            billing=dynamodb.Billing.on_demand(),
            encryption=dynamodb.TableEncryptionV2.aws_managed_key(),
            removal_policy=RemovalPolicy.DESTROY,  # a 24 h cache: losing it only costs repeated provider calls
        )
        acknowledge(
            self.idempotency,
            "AwsSolutions-DDB3",
            "Idempotency cache with a 24 h TTL: every item is re-creatable by calling the provider again, "
            "so point-in-time recovery would only add cost.",
        )

        #: Known at synth (a plain string in the functions' environment, not a token parsed from the ARN).
        self.secret_name = f"{config.prefix}/provider-keys"
        self.secret = secretsmanager.Secret(
            self,
            "ProviderKeys",
            secret_name=self.secret_name,
            description=(
                "Family+ provider keys as one JSON object (Supabase, OpenAI, Cartesia, Twilio). "
                "The value is set by ops with put-secret-value; the template only creates a random placeholder."
            ),
        )
        acknowledge(
            self.secret,
            "AwsSolutions-SMG4",
            "Third-party API keys are issued and rotated in each provider's console and then written here by "
            "ops; there is no rotation Lambda that could mint them.",
        )

    # --- least-privilege grants (explicit actions: no wildcards) -------------------------------------

    def grant_secret_read(self, grantee: iam.IGrantable) -> None:
        """GetSecretValue only: Powertools' `get_secret` makes no other call (CDK's `grantRead` would add
        DescribeSecret, which nothing here needs)."""
        grantee.grant_principal.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["secretsmanager:GetSecretValue"],
                resources=[self.secret.secret_arn],
            )
        )

    def grant_idempotency(self, grantee: iam.IGrantable) -> None:
        """What Powertools' DynamoDBPersistenceLayer calls."""
        grantee.grant_principal.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
                resources=[self.idempotency.table_arn],
            )
        )

    def text_objects(self) -> str:
        """The ARN pattern of the stored typed answers: the one prefix the text grants cover."""
        return self.media.arn_for_objects(f"{TEXT_PREFIX}*")

    def grant_text_read(self, grantee: iam.IGrantable, scope: Construct) -> None:
        """Read-only on the stored typed answers (accept_response), nothing else of the bucket."""
        objects = self.text_objects()
        grantee.grant_principal.add_to_principal_policy(
            iam.PolicyStatement(actions=["s3:GetObject"], resources=[objects])
        )
        acknowledge(
            scope,
            wildcard_resource(scope, objects),
            "Stored answers are per family and response (answers/<family>/<response>/<sha256>.txt); the grant "
            "is read-only and limited to that prefix of this one bucket.",
        )

    def grant_media(self, grantee: iam.IGrantable, scope: Construct) -> None:
        """Object read/write on the media bucket; `scope` (the grantee's construct) gets the nag note."""
        principal = grantee.grant_principal
        objects = self.media.arn_for_objects("*")
        principal.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
                resources=[objects],
            )
        )
        # ListBucket lets a missing key answer 404 (NotFound) instead of 403.
        principal.add_to_principal_policy(
            iam.PolicyStatement(actions=["s3:ListBucket"], resources=[self.media.bucket_arn])
        )
        acknowledge(
            scope,
            wildcard_resource(scope, objects),
            "Media object keys are per response and story (uploads/, tmp/, podcasts/…), created at run time; "
            "the grant is limited to this one bucket's objects and to explicit actions.",
        )
