"""The synthesized stack: functions, layers, storage, schedules, monitoring — checked on the template."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk.assertions import Match

from familyplus.catalog import WORKFLOWS
from infra.runtime import FFMPEG_PATH
from infra.storage import IDEMPOTENCY_KEY, IDEMPOTENCY_TTL_ATTRIBUTE, TEXT_PREFIX, TMP_PREFIX
from tests.infra.conftest import Synth


def _ref_id(value: Any) -> str:
    """Logical id behind a Ref or Fn::GetAtt."""
    if isinstance(value, dict) and "Ref" in value:
        return str(value["Ref"])
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return str(value["Fn::GetAtt"][0])
    raise AssertionError(f"not a reference: {value!r}")


def _layer_id(synth: Synth, suffix: str) -> str:
    (lid,) = [
        lid
        for lid, r in synth.resources("AWS::Lambda::LayerVersion").items()
        if r["Properties"]["LayerName"].endswith(suffix)
    ]
    return lid


def test_synth_needs_no_account_or_region(synth: Synth) -> None:
    # Given no account/region in context or environment, the stack is environment-agnostic.
    assert synth.stack.account.startswith("${Token[")
    assert synth.document["Resources"]


def test_one_function_per_stage_with_the_catalog_handler(synth: Synth) -> None:
    functions = synth.resources("AWS::Lambda::Function")
    assert len(functions) == len(synth.stages)
    for spec in synth.stages:
        _, props = synth.function_for(spec)
        assert props["Handler"] == spec.handler
        assert props["Runtime"] in ("python3.12", "python3.13")
        assert props["Architectures"] == ["arm64"]
        assert props["MemorySize"] == spec.memory_mb
        assert props["Timeout"] == spec.timeout_s <= 900
        assert props["TracingConfig"] == {"Mode": "Active"}
        assert props["Description"] == spec.description


def test_functions_get_powertools_and_familyplus_environment(synth: Synth) -> None:
    for spec in synth.stages:
        _, props = synth.function_for(spec)
        env = props["Environment"]["Variables"]
        assert env["POWERTOOLS_SERVICE_NAME"] == "familyplus"
        assert env["POWERTOOLS_METRICS_NAMESPACE"] == "Familyplus"
        assert env["LOG_LEVEL"] == "INFO"
        assert env["FAMILYPLUS_PROFILE"] == "cloud"
        assert env["FAMILYPLUS_SECRET_NAME"] == "familyplus-dev/provider-keys"
        assert _ref_id(env["FAMILYPLUS_MEDIA_BUCKET"]).startswith("StorageMedia")
        assert _ref_id(env["FAMILYPLUS_IDEMPOTENCY_TABLE"]).startswith("StorageIdempotency")


def test_each_function_logs_to_its_own_group_with_retention(synth: Synth) -> None:
    groups = synth.resources("AWS::Logs::LogGroup")
    assert all(g["Properties"]["RetentionInDays"] == 30 for g in groups.values())
    for spec in synth.stages:
        _, props = synth.function_for(spec)
        group = groups[_ref_id(props["LoggingConfig"]["LogGroup"])]
        assert group["Properties"]["LogGroupName"] == f"/aws/lambda/{props['FunctionName']}"


def test_ffmpeg_layer_only_on_audio_functions(synth: Synth) -> None:
    ffmpeg, dependencies = _layer_id(synth, "-ffmpeg"), _layer_id(synth, "-dependencies")
    audio = [s for s in synth.stages if s.audio]
    assert audio, "the session adds a test audio stage when the catalog has none"
    for spec in synth.stages:
        _, props = synth.function_for(spec)
        layers = [_ref_id(layer) for layer in props["Layers"]]
        env = props["Environment"]["Variables"]
        if spec.audio:
            assert layers == [dependencies, ffmpeg]
            assert env["FFMPEG_PATH"] == FFMPEG_PATH == "/opt/bin/ffmpeg"
        else:
            assert layers == [dependencies]
            assert "FFMPEG_PATH" not in env


def test_layers_are_arm64_python(synth: Synth) -> None:
    for layer in synth.resources("AWS::Lambda::LayerVersion").values():
        assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]
        assert layer["Properties"]["CompatibleRuntimes"] == ["python3.12"]
    ffmpeg = synth.document["Resources"][_layer_id(synth, "-ffmpeg")]["Properties"]
    assert ffmpeg["LicenseInfo"] == "GPL-3.0-or-later"


def test_media_bucket_is_private_encrypted_tls_only_and_expires_tmp(synth: Synth) -> None:
    synth.template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
            "LoggingConfiguration": Match.object_like({"LogFilePrefix": "media/"}),
            "LifecycleConfiguration": {
                "Rules": Match.array_with(
                    [
                        Match.object_like({"Prefix": TMP_PREFIX, "ExpirationInDays": 1, "Status": "Enabled"}),
                        # past the 14-day redrive window, so a redriven AcceptResponse still finds its text
                        Match.object_like({"Prefix": TEXT_PREFIX, "ExpirationInDays": 15, "Status": "Enabled"}),
                    ]
                )
            },
        },
    )
    policies = synth.resources("AWS::S3::BucketPolicy")
    assert len(policies) == 2
    for policy in policies.values():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        assert any(
            s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in statements
        )


def test_idempotency_table_uses_powertools_defaults(synth: Synth) -> None:
    (table,) = synth.resources("AWS::DynamoDB::GlobalTable").values()
    props = table["Properties"]
    assert (
        props["KeySchema"]
        == [{"AttributeName": IDEMPOTENCY_KEY, "KeyType": "HASH"}]
        == [{"AttributeName": "id", "KeyType": "HASH"}]
    )
    assert props["TimeToLiveSpecification"] == {"AttributeName": IDEMPOTENCY_TTL_ATTRIBUTE, "Enabled": True}
    assert IDEMPOTENCY_TTL_ATTRIBUTE == "expiration"


def test_secret_value_is_never_in_the_template(synth: Synth) -> None:
    (secret,) = synth.resources("AWS::SecretsManager::Secret").values()
    assert secret["Properties"]["Name"] == "familyplus-dev/provider-keys"
    assert "SecretString" not in secret["Properties"]
    assert "GenerateSecretString" in secret["Properties"]  # a random placeholder until ops sets the value


def test_storage_grants_are_per_need(synth: Synth) -> None:
    """Every stage reads the secret; only the stages that cache provider calls use the idempotency table, and
    only the stages that handle media or typed answers touch the bucket."""
    policies = synth.resources("AWS::IAM::Policy")
    for spec in synth.stages:
        _, props = synth.function_for(spec)
        role = _ref_id(props["Role"])
        statements = [
            s
            for p in policies.values()
            if role in [r["Ref"] for r in p["Properties"]["Roles"]]
            for s in p["Properties"]["PolicyDocument"]["Statement"]
        ]
        actions = {a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
        assert "secretsmanager:GetSecretValue" in actions
        assert ({"dynamodb:GetItem", "dynamodb:PutItem"} <= actions) is spec.provider_cache, spec.name
        assert any(a.startswith("dynamodb:") for a in actions) is spec.provider_cache, spec.name
        assert ("s3:GetObject" in actions) is (spec.audio or spec.media or spec.text_objects)
        assert not any(a.startswith(("s3:", "dynamodb:", "secretsmanager:")) and "*" in a for a in actions)


def test_schedules_use_the_configured_time_zone_when_their_target_exists(synth: Synth) -> None:
    synth.template.has_resource_properties("AWS::Scheduler::ScheduleGroup", {"Name": "familyplus-dev"})
    jobs = synth.stack.schedules.jobs
    assert jobs["daily-podcasts"].expression == "cron(0 2 * * ? *)"
    assert jobs["daily-quote"].expression == "cron(0 * * * ? *)"  # hourly; the job picks each family's 09:00
    assert synth.stack.schedules.timezone == "America/New_York"
    schedules = synth.resources("AWS::Scheduler::Schedule")
    targets = {w.name for w in WORKFLOWS} | {s.name for s in synth.stages}
    deployed = {r["Properties"]["Name"] for r in schedules.values()}
    for job in jobs.values():
        assert (f"familyplus-dev-{job.name}" in deployed) is (job.target in targets)
    for schedule in schedules.values():
        assert schedule["Properties"]["ScheduleExpressionTimezone"] == "America/New_York"


def test_alarms_cover_every_workflow_and_function_and_notify_the_topic(synth: Synth) -> None:
    alarms = list(synth.resources("AWS::CloudWatch::Alarm").values())
    (topic_id,) = synth.resources("AWS::SNS::Topic")
    (topic,) = synth.resources("AWS::SNS::Topic").values()
    assert "KmsMasterKeyId" in topic["Properties"]
    for alarm in alarms:
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": topic_id}]
        assert alarm["Properties"]["TreatMissingData"] == "notBreaching"

    def dimensions_of(metric: str) -> list[str]:
        return [
            _ref_id(a["Properties"]["Dimensions"][0]["Value"])
            for a in alarms
            if a["Properties"]["MetricName"] == metric
        ]

    machines = set(synth.resources("AWS::StepFunctions::StateMachine"))
    for metric in ("ExecutionsFailed", "ExecutionsTimedOut", "ExecutionThrottled"):
        assert sorted(dimensions_of(metric)) == sorted(machines)
    functions = set(synth.resources("AWS::Lambda::Function"))
    for metric in ("Errors", "Throttles"):
        assert sorted(dimensions_of(metric)) == sorted(functions)


def test_dashboard_shows_executions_durations_and_invocations(synth: Synth) -> None:
    (dashboard,) = synth.resources("AWS::CloudWatch::Dashboard").values()
    body = json.dumps(dashboard["Properties"]["DashboardBody"])
    for metric in ("ExecutionsStarted", "ExecutionTime", "Duration", "Invocations", "Errors"):
        assert metric in body
    for spec in synth.stages:
        assert spec.name in body


def test_stages_may_invoke_only_the_configured_bedrock_model(synth: Synth) -> None:
    model = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
    for spec in synth.stages:
        _, props = synth.function_for(spec)
        assert props["Environment"]["Variables"]["FAMILYPLUS_BEDROCK_MODEL_ID"] == model
        role = _ref_id(props["Role"])
        statements = [
            s
            for p in synth.resources("AWS::IAM::Policy").values()
            if {"Ref": role} in p["Properties"]["Roles"]
            for s in p["Properties"]["PolicyDocument"]["Statement"]
            if "bedrock:InvokeModel" in s["Action"]
        ]
        if not spec.bedrock:  # least privilege: only the stages the catalog marks may call the model
            assert statements == [], spec.name
            continue
        (statement,) = statements
        resources = json.dumps(statement["Resource"])
        assert f"inference-profile/{model}" in resources
        assert "foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0" in resources
        assert resources.count("foundation-model/") == 1


def _rule_for(synth: Synth, description_start: str) -> dict[str, Any]:
    (rule,) = [
        r["Properties"]
        for r in synth.resources("AWS::Events::Rule").values()
        if r["Properties"].get("Description", "").startswith(description_start)
    ]
    return rule


def test_bad_execution_ends_reach_ops_by_id_and_process_response_ends_reach_mark_failed(synth: Synth) -> None:
    machines = set(synth.resources("AWS::StepFunctions::StateMachine"))
    (topic_id,) = synth.resources("AWS::SNS::Topic")

    ops = _rule_for(synth, "Family+ executions that ended")
    pattern = ops["EventPattern"]
    assert pattern["source"] == ["aws.states"]
    assert pattern["detail-type"] == ["Step Functions Execution Status Change"]
    assert sorted(pattern["detail"]["status"]) == ["ABORTED", "FAILED", "TIMED_OUT"]
    assert sorted(_ref_id(arn) for arn in pattern["detail"]["stateMachineArn"]) == sorted(machines)
    (target,) = ops["Targets"]
    assert target["Arn"] == {"Ref": topic_id}
    message = json.dumps(target["InputTransformer"])
    # ids and the error's name only: a cause or the input may quote a family's words
    assert set(target["InputTransformer"]["InputPathsMap"].values()) == {
        "$.detail.stateMachineArn",
        "$.detail.executionArn",
        "$.detail.status",
        "$.detail.error",
    }
    assert "cause" not in message and "input" not in message.replace("InputPathsMap", "").replace("InputTemplate", "")

    recorded = _rule_for(synth, "process_response ends no Catch saw")
    assert [_ref_id(arn) for arn in recorded["EventPattern"]["detail"]["stateMachineArn"]] == [
        lid
        for lid, r in synth.resources("AWS::StepFunctions::StateMachine").items()
        if r["Properties"]["StateMachineName"].endswith("-process-response")
    ]
    (target,) = recorded["Targets"]
    mark_failed_id, _ = synth.function_for(next(s for s in synth.stages if s.name == "mark_failed"))
    assert _ref_id(target["Arn"]) == mark_failed_id and "Input" not in target and "InputTransformer" not in target
    assert target["RetryPolicy"]["MaximumEventAgeInSeconds"] == 24 * 3600
    permissions = [
        p["Properties"]
        for p in synth.resources("AWS::Lambda::Permission").values()
        if p["Properties"]["Principal"] == "events.amazonaws.com"
    ]
    assert [_ref_id(p["FunctionName"]) for p in permissions] == [mark_failed_id]

    # the topic is encrypted with a customer key: EventBridge must be allowed to use it
    topic_key_id = _ref_id(synth.resources("AWS::SNS::Topic")[topic_id]["Properties"]["KmsMasterKeyId"])
    key_policy = synth.resources("AWS::KMS::Key")[topic_key_id]["Properties"]["KeyPolicy"]["Statement"]
    services = [s.get("Principal", {}).get("Service", []) for s in key_policy if isinstance(s.get("Principal"), dict)]
    assert any("events.amazonaws.com" in ([s] if isinstance(s, str) else s) for s in services), key_policy
