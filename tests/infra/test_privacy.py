"""Privacy by design in the synthesized template: no state machine logs execution data; execution data and every
log group are encrypted with the customer-managed data key; nobody but the account and the writing services
may use that key; the template holds no secret value."""

from __future__ import annotations

import json
import re
from typing import Any

from tests.infra.conftest import Synth


def _key_id(synth: Synth) -> str:
    return str(synth.stack.get_logical_id(synth.stack.data_key.key.node.default_child))


def _refers_to(value: Any, logical_id: str) -> bool:
    return logical_id in json.dumps(value)


def test_no_state_machine_logs_execution_data(synth: Synth) -> None:
    machines = synth.resources("AWS::StepFunctions::StateMachine")
    assert len(machines) == len(synth.stack.workflows.state_machines)
    for lid, machine in machines.items():
        logging = machine["Properties"]["LoggingConfiguration"]
        assert logging["IncludeExecutionData"] is False, lid  # events are logged, never their data


def test_state_machines_encrypt_execution_data_with_the_customer_managed_key(synth: Synth) -> None:
    key = _key_id(synth)
    for lid, machine in synth.resources("AWS::StepFunctions::StateMachine").items():
        encryption = machine["Properties"]["EncryptionConfiguration"]
        assert encryption["Type"] == "CUSTOMER_MANAGED_KMS_KEY", lid
        assert _refers_to(encryption["KmsKeyId"], key), lid


def test_every_log_group_is_encrypted_with_the_customer_managed_key(synth: Synth) -> None:
    key = _key_id(synth)
    groups = synth.resources("AWS::Logs::LogGroup")
    assert groups
    for lid, group in groups.items():
        assert _refers_to(group["Properties"].get("KmsKeyId"), key), f"{lid} is not encrypted with the data key"


def test_the_data_key_rotates_and_only_the_account_and_the_logs_service_may_use_it(synth: Synth) -> None:
    key = synth.resources("AWS::KMS::Key")[_key_id(synth)]["Properties"]
    assert key["EnableKeyRotation"] is True
    for statement in key["KeyPolicy"]["Statement"]:
        principal = json.dumps(statement["Principal"])
        if "delivery.logs.amazonaws.com" in principal:  # vended log delivery reads the key, nothing more
            assert statement["Action"] == "kms:Decrypt*"
        elif '"logs."' in principal:  # CloudWatch Logs, for this account's log groups only
            assert "kms:EncryptionContext:aws:logs:arn" in json.dumps(statement["Condition"])
        else:
            assert ":root" in principal, statement  # the account: IAM policies decide


def test_kms_grants_on_the_data_key_are_limited_to_state_machine_contexts(synth: Synth) -> None:
    key = _key_id(synth)
    for type_ in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        for lid, policy in synth.resources(type_).items():
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                if any(a.startswith("kms:") for a in actions) and _refers_to(statement["Resource"], key):
                    condition = json.dumps(statement.get("Condition", {}))
                    # one state machine's execution data, or log delivery to this account's log groups
                    assert "aws:states:stateMachineArn" in condition or (
                        "kms:EncryptionContext:SourceArn" in condition and ":logs:" in condition
                    ), (lid, statement)


_SECRET_LIKE = re.compile(r"(AKIA[0-9A-Z]{16}|sk-[A-Za-z0-9]{20,}|-----BEGIN [A-Z ]*PRIVATE KEY-----|xox[bp]-)")


def test_the_template_holds_no_secret_value(synth: Synth) -> None:
    text = json.dumps(synth.document)
    assert not _SECRET_LIKE.search(text)
    for lid, fn in synth.resources("AWS::Lambda::Function").items():
        for name, value in fn["Properties"].get("Environment", {}).get("Variables", {}).items():
            if any(word in name.upper() for word in ("KEY", "TOKEN", "PASSWORD", "SECRET")):
                assert name.endswith(("_NAME", "_ARN", "_ID")) or not isinstance(value, str), (lid, name)


def _statements_naming(synth: Synth, prefix: str) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for type_ in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        for lid, policy in synth.resources(type_).items():
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                if f"/{prefix}" in json.dumps(statement["Resource"]):
                    found.append((lid, statement))
    return found


def test_stored_answers_are_granted_by_prefix_read_to_accept_and_write_to_the_backend(synth: Synth) -> None:
    """The text-by-reference grants: accept_response may only read `answers/*`, the backend may only put there,
    and nothing else in the stack is granted that prefix by name."""
    from familyplus.models.keys import TEXT_PREFIX

    stack = synth.stack
    accept_role = stack.get_logical_id(stack.stage_functions["accept_response"].role.node.default_child)
    backend = stack.get_logical_id(stack.backend_policy.node.default_child)
    grants = _statements_naming(synth, TEXT_PREFIX)
    by_policy = {lid: statement for lid, statement in grants}
    assert len(grants) == len(by_policy) == 2, grants
    (accept_policy,) = [lid for lid in by_policy if lid != backend]
    assert {"Ref": accept_role} in synth.document["Resources"][accept_policy]["Properties"]["Roles"]
    assert by_policy[accept_policy]["Action"] == "s3:GetObject"
    assert by_policy[backend]["Action"] == "s3:PutObject"
    media = stack.get_logical_id(stack.storage.media.node.default_child)
    for _, statement in grants:
        # one ARN: this bucket's answers/ prefix, never a list, the bucket's `*` or another bucket
        separator, parts = statement["Resource"]["Fn::Join"]
        assert separator == "" and parts[0] == {"Fn::GetAtt": [media, "Arn"]} and parts[1:] == [f"/{TEXT_PREFIX}*"]
