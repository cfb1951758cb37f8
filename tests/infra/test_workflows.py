"""The workflows: DESIGN.md §3's Retry on every Task and a Catch to MarkFailed, in the ASL files and in the
synthesized definitions; Standard type, full logging, tracing; grants derived from the definitions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from familyplus.catalog import STAGES, WORKFLOWS, StageSpec, WorkflowSpec
from familyplus_local.executor.definition import substitutions
from familyplus_local.executor.errors import DefinitionError
from infra import asl
from tests.infra.conftest import Synth

ROOT = Path(__file__).resolve().parents[2]
STATEMACHINES = ROOT / "statemachines"

RETRY_POLICY: dict[str, Any] = {
    "ErrorEquals": [
        "TransientError",
        "Lambda.ServiceException",
        "Lambda.AWSLambdaException",
        "Lambda.SdkClientException",
        "Lambda.TooManyRequestsException",
    ],
    "IntervalSeconds": 1,
    "MaxAttempts": 2,
    "BackoffRate": 2,
    "MaxDelaySeconds": 10,
    "JitterStrategy": "FULL",
}


def _has_retry_policy(state: dict[str, Any]) -> bool:
    def same(retrier: dict[str, Any]) -> bool:
        return sorted(retrier.get("ErrorEquals", [])) == sorted(RETRY_POLICY["ErrorEquals"]) and all(
            retrier.get(k) == v for k, v in RETRY_POLICY.items() if k != "ErrorEquals"
        )

    return any(same(r) for r in state.get("Retry", []))


def check_definition(document: dict[str, Any], where: str) -> None:
    """Every Task retries per §3; every top-level step that can fail catches States.ALL → MarkFailed,
    and MarkFailed ends in a Fail state."""
    tasks = [(n, s) for n, s in asl.states(document) if s["Type"] == "Task"]
    assert tasks, f"{where}: no Task states"
    for name, state in tasks:
        assert _has_retry_policy(state), f"{where}: Task {name} lacks the DESIGN.md §3 Retry policy"
    top = document["States"]
    assert "MarkFailed" in top, f"{where}: no MarkFailed state"
    for name, state in top.items():
        if name == "MarkFailed" or state["Type"] not in ("Task", "Parallel", "Map"):
            continue
        catches = [c for c in state.get("Catch", []) if c["ErrorEquals"] == ["States.ALL"]]
        assert catches and catches[0]["Next"] == "MarkFailed", f"{where}: {name} does not Catch → MarkFailed"
    state, seen = top["MarkFailed"], set()
    while state["Type"] != "Fail":
        assert "Next" in state and state["Next"] not in seen, f"{where}: MarkFailed does not lead to Fail"
        seen.add(state["Next"])
        state = top[state["Next"]]


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda w: w.name)
def test_asl_file_has_retry_on_every_task_and_catch_to_mark_failed(workflow: WorkflowSpec) -> None:
    definition = asl.load(workflow, STATEMACHINES)
    check_definition(definition.document, definition.path.name)


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda w: w.name)
def test_asl_file_uses_only_catalog_placeholders(workflow: WorkflowSpec) -> None:
    definition = asl.load(workflow, STATEMACHINES)
    asl.check_placeholders(definition, [s.arn_key for s in STAGES] + [w.arn_key for w in WORKFLOWS])


def test_check_definition_rejects_a_task_without_the_retry_policy() -> None:
    document = json.loads((STATEMACHINES / WORKFLOWS[0].file_name).read_text())
    name, state = next((n, s) for n, s in asl.states(document) if s["Type"] == "Task")
    state["Retry"][0]["MaxAttempts"] = 5
    with pytest.raises(AssertionError, match=f"Task {name} lacks"):
        check_definition(document, "mutated")


def _substituted(synth: Synth, props: dict[str, Any]) -> dict[str, Any]:
    """The definition as Step Functions will see it: each ${Key} replaced by the ARN it resolves to (here a
    readable stand-in naming the logical id behind the GetAtt/Ref)."""
    text = props["DefinitionString"]
    assert isinstance(text, str), "the definition is inline in the template"
    values = {
        k: f"arn:aws:lambda:::function:{v['Fn::GetAtt'][0] if 'Fn::GetAtt' in v else v['Ref']}"
        for k, v in props.get("DefinitionSubstitutions", {}).items()
    }
    document = json.loads(text)
    missing = substitutions.names(document) - values.keys()
    assert not missing, f"placeholders without a substitution: {missing}"
    return dict(substitutions.substitute(document, values))


def test_synthesized_definitions_keep_the_policy_and_point_each_task_at_its_stage(synth: Synth) -> None:
    machines = synth.resources("AWS::StepFunctions::StateMachine")
    assert len(machines) == len(WORKFLOWS)
    handlers = {synth.function_for(spec)[0]: spec for spec in synth.stages}
    for lid, machine in machines.items():
        document = _substituted(synth, machine["Properties"])
        check_definition(document, lid)
        for name, state in asl.states(document):
            function = state.get("Parameters", {}).get("FunctionName", "")
            if state["Type"] == "Task" and function:
                spec: StageSpec = handlers[function.rsplit(":", 1)[1]]
                # DESIGN.md §5 naming; a stage used twice in one workflow qualifies the second state's name
                assert name.startswith(spec.state_name), f"state {name} invokes the {spec.name} function"


def test_state_machines_are_standard_logged_and_traced(synth: Synth) -> None:
    groups = synth.resources("AWS::Logs::LogGroup")
    for machine in synth.resources("AWS::StepFunctions::StateMachine").values():
        props = machine["Properties"]
        assert props["StateMachineType"] == "STANDARD"
        assert props["TracingConfiguration"] == {"Enabled": True}
        logging = props["LoggingConfiguration"]
        assert logging["Level"] == "ALL" and logging["IncludeExecutionData"] is False  # never a family's words
        group = logging["Destinations"][0]["CloudWatchLogsLogGroup"]["LogGroupArn"]["Fn::GetAtt"][0]
        assert groups[group]["Properties"]["LogGroupName"].startswith("/aws/vendedlogs/states/familyplus-dev-")


# --- the Workflows construct on small definitions: child workflows and errors -------------------------


def _task(resource: str, parameters: dict[str, Any], next_: str | None) -> dict[str, Any]:
    state: dict[str, Any] = {
        "Type": "Task",
        "Resource": resource,
        "Parameters": parameters,
        "Retry": [RETRY_POLICY],
    }
    state.update({"Next": next_} if next_ else {"End": True})
    return state


def _write(directory: Path, name: str, document: dict[str, Any]) -> None:
    (directory / f"{name}.asl.json").write_text(json.dumps(document))


def _small_stack(directory: Path, workflows: list[WorkflowSpec]) -> Any:
    from aws_cdk import App, Stack
    from aws_cdk import aws_lambda as lambda_

    from infra.config import DeployConfig
    from infra.privacy import DataKey
    from infra.workflows import Workflows

    stack = Stack(App(), "Small")
    functions = {
        key: lambda_.Function(
            stack,
            key,
            runtime=lambda_.Runtime.PYTHON_3_12,
            handler="x.handler",
            code=lambda_.Code.from_inline("def handler(e, c): return e"),
        )
        for key in ("ParentStepFunctionArn", "ChildStepFunctionArn")
    }
    config = DeployConfig()
    workflows_construct = Workflows(
        stack,
        "Workflows",
        config=config,
        workflows=workflows,
        directory=directory,
        functions=functions,
        data_key=DataKey(stack, "DataKey", config=config),
    )
    return stack, workflows_construct


def test_parent_may_start_only_its_child_and_invoke_only_its_own_function(tmp_path: Path) -> None:
    from aws_cdk.assertions import Template

    lam, start = "arn:aws:states:::lambda:invoke", "arn:aws:states:::states:startExecution.sync:2"
    _write(
        tmp_path,
        "child",
        {
            "StartAt": "A",
            "States": {"A": _task(lam, {"FunctionName": "${ChildStepFunctionArn}", "Payload.$": "$"}, None)},
        },
    )
    _write(
        tmp_path,
        "parent",
        {
            "StartAt": "P",
            "States": {
                "P": _task(lam, {"FunctionName": "${ParentStepFunctionArn}", "Payload.$": "$"}, "S"),
                "S": _task(start, {"StateMachineArn": "${ChildStateMachineArn}", "Input.$": "$"}, None),
            },
        },
    )
    stack, workflows = _small_stack(tmp_path, [WorkflowSpec("parent", "p"), WorkflowSpec("child", "c")])
    template = Template.from_stack(stack).to_json()

    parent_role = stack.get_logical_id(workflows.state_machines["parent"].role.node.default_child)
    child_machine = stack.get_logical_id(workflows.state_machines["child"].node.default_child)
    statements = [
        s
        for r in template["Resources"].values()
        if r["Type"] == "AWS::IAM::Policy" and {"Ref": parent_role} in r["Properties"]["Roles"]
        for s in r["Properties"]["PolicyDocument"]["Statement"]
    ]
    by_action = {
        a: s["Resource"] for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert by_action["lambda:InvokeFunction"] == {
        "Fn::GetAtt": [stack.get_logical_id(stack.node.find_child("ParentStepFunctionArn").node.default_child), "Arn"]
    }
    assert by_action["states:StartExecution"] == {"Ref": child_machine}
    assert "states:DescribeExecution" in by_action and "events:PutRule" in by_action  # .sync needs them
    assert json.dumps(by_action["events:PutRule"]).count("StepFunctionsGetEventsForStepFunctionsExecutionRule") == 1
    # the parent's definition gets the child's ARN substituted
    parent = [
        r
        for r in template["Resources"].values()
        if r["Type"] == "AWS::StepFunctions::StateMachine"
        and "ChildStateMachineArn" in r["Properties"]["DefinitionSubstitutions"]
    ]
    assert parent[0]["Properties"]["DefinitionSubstitutions"]["ChildStateMachineArn"] == {"Ref": child_machine}


def test_unknown_placeholder_is_refused_naming_it(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "parent",
        {
            "StartAt": "P",
            "States": {"P": _task("arn:aws:states:::lambda:invoke", {"FunctionName": "${TypoFunctionArn}"}, None)},
        },
    )
    with pytest.raises(DefinitionError, match=r"unknown substitution\(s\) \$\{TypoFunctionArn\}"):
        _small_stack(tmp_path, [WorkflowSpec("parent", "p")])


def test_workflows_starting_each_other_in_a_cycle_are_refused(tmp_path: Path) -> None:
    start = "arn:aws:states:::states:startExecution"
    for me, other in (("parent", "Child"), ("child", "Parent")):
        _write(
            tmp_path,
            me,
            {"StartAt": "S", "States": {"S": _task(start, {"StateMachineArn": f"${{{other}StateMachineArn}}"}, None)}},
        )
    with pytest.raises(DefinitionError, match="cycle"):
        _small_stack(tmp_path, [WorkflowSpec("parent", "p"), WorkflowSpec("child", "c")])


def test_missing_asl_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match=r"workflow 'parent': .*parent\.asl\.json does not exist"):
        _small_stack(tmp_path, [WorkflowSpec("parent", "p")])
