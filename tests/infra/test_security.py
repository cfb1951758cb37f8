"""Least privilege, cdk-nag (AWS Solutions) and cfn-lint on the synthesized template."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.infra.conftest import Synth

#: Actions AWS offers no resource-level permission for: Resource "*" is the only possible grant.
STAR_ONLY_ACTIONS = {
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
}


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _identity_statements(synth: Synth) -> list[tuple[str, dict[str, Any]]]:
    statements = []
    for type_ in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        for lid, policy in synth.resources(type_).items():
            statements += [(lid, s) for s in policy["Properties"]["PolicyDocument"]["Statement"]]
    for lid, role in synth.resources("AWS::IAM::Role").items():
        for inline in role["Properties"].get("Policies", []):
            statements += [(lid, s) for s in inline["PolicyDocument"]["Statement"]]
        assert not role["Properties"].get("ManagedPolicyArns"), f"{lid} uses a managed policy"
    return statements


def test_no_wildcard_actions_and_star_resources_only_where_aws_requires_them(synth: Synth) -> None:
    statements = _identity_statements(synth)
    assert statements
    for lid, statement in statements:
        assert statement["Effect"] == "Allow"
        actions = _listed(statement["Action"])
        assert not [a for a in actions if "*" in a], f"{lid}: wildcard action in {actions}"
        if "*" in _listed(statement["Resource"]):
            assert set(actions) <= STAR_ONLY_ACTIONS, f"{lid}: Resource '*' for {set(actions) - STAR_ONLY_ACTIONS}"


def _role_statements(synth: Synth, role_id: str) -> list[dict[str, Any]]:
    return [
        statement
        for policy in synth.resources("AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def test_state_machines_invoke_only_their_own_functions(synth: Synth) -> None:
    stack = synth.stack
    for name, machine in stack.workflows.state_machines.items():
        placeholders = stack.workflows.definitions[name].placeholders
        statements = _role_statements(synth, stack.get_logical_id(machine.role.node.default_child))
        (invoke,) = [s for s in statements if "lambda:InvokeFunction" in _listed(s["Action"])]
        expected = {
            stack.get_logical_id(stack.stage_functions[spec.name].function.node.default_child)
            for spec in synth.stages
            if spec.arn_key in placeholders
        }
        assert {r["Fn::GetAtt"][0] for r in _listed(invoke["Resource"])} == expected
        # and it may start only the workflows its definition starts
        started = [s for s in statements if any(a.startswith("states:") for a in _listed(s["Action"]))]
        children = stack.workflows.definitions[name].started_workflows()
        assert bool(started) is bool(children)


def test_backend_policy_starts_and_reads_only_process_response(synth: Synth) -> None:
    (policy,) = synth.resources("AWS::IAM::ManagedPolicy").values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    machine = synth.stack.get_logical_id(synth.stack.workflows.state_machines["process_response"].node.default_child)
    assert statements[0] == {"Action": "states:StartExecution", "Effect": "Allow", "Resource": {"Ref": machine}}
    assert statements[1]["Action"] == "states:DescribeExecution"
    assert "execution:" in json.dumps(statements[1]["Resource"]) and machine in json.dumps(statements[1]["Resource"])


def test_cdk_nag_aws_solutions_reports_no_unacknowledged_finding(synth: Synth) -> None:
    findings = [
        f"{v['ruleName']}: {c['constructPath']}"
        for plugin in synth.report.get("pluginReports", [])
        for v in plugin["violations"]
        for c in v["violatingConstructs"]
    ]
    for finding in findings:
        print(finding)
    assert synth.error is None, "cdk-nag findings:\n" + "\n".join(findings)
    assert not findings


def test_every_nag_acknowledgement_has_a_written_reason(synth: Synth) -> None:
    acknowledged = [
        (lid, rule)
        for lid, resource in synth.document["Resources"].items()
        for rule in resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])
    ]
    assert acknowledged, "the acknowledgements are written into the template metadata"
    for lid, rule in acknowledged:
        assert rule["id"].startswith("AwsSolutions-")
        assert len(rule["reason"]) >= 40, f"{lid} {rule['id']}: reason too thin: {rule['reason']!r}"


def test_cdk_nag_fails_the_synth_on_an_unacknowledged_finding(tmp_path: Any) -> None:
    """Proves the plugin is live: a bucket without TLS enforcement must stop the synth."""
    from aws_cdk import App, Stack, Validations
    from aws_cdk import aws_s3 as s3
    from cdk_nag import AwsSolutionsChecks

    app = App(outdir=str(tmp_path))
    s3.Bucket(Stack(app, "Probe"), "Open")
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    assert "AwsSolutions-S10" in (tmp_path / "validation-report.json").read_text()


def test_cfn_lint_reports_no_error(synth: Synth) -> None:
    from cfnlint.api import ManualArgs, lint_file

    matches = lint_file(synth.template_path, config=ManualArgs(regions=["us-east-1", "eu-west-1"]))
    for match in matches:
        print(match)
    errors = [m for m in matches if m.rule.id.startswith("E")]
    assert not errors, "\n".join(str(m) for m in errors)


@pytest.mark.slow
def test_nag_acknowledgements_hold_for_a_concrete_account_and_region(tmp_path: Any) -> None:
    """`cdk deploy` synthesizes with a literal account and region, which changes how ARNs print: the
    acknowledged findings must still match (no new unacknowledged finding)."""
    from infra.app import build_app, cdk_json_context

    context = {**cdk_json_context(), "account": "123456789012", "region": "eu-west-1"}
    context["aws:cdk:disable-asset-staging"] = True
    app, stack = build_app(context=context, outdir=str(tmp_path))
    app.synth()  # raises on any unacknowledged cdk-nag finding
    assert stack.region == "eu-west-1"
