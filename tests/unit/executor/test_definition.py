"""load_definition: every unsupported or malformed construct is refused, naming the state and the field."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from familyplus_local.executor import DefinitionError, load_definition

from .support import LAMBDA_ARN, chain, task

BASE = chain(
    ("Call", task("call", Next="Decide")),
    (
        "Decide",
        {"Type": "Choice", "Choices": [{"Variable": "$.ok", "BooleanEquals": True, "Next": "Fan"}], "Default": "Stop"},
    ),
    (
        "Fan",
        {
            "Type": "Map",
            "ItemsPath": "$.items",
            "Next": "Both",
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"},
                "StartAt": "Item",
                "States": {"Item": {"Type": "Pass", "End": True}},
            },
        },
    ),
    (
        "Both",
        {
            "Type": "Parallel",
            "Next": "Nap",
            "Branches": [{"StartAt": "B1", "States": {"B1": {"Type": "Pass", "End": True}}}],
        },
    ),
    ("Nap", {"Type": "Wait", "Seconds": 1, "Next": "Done"}),
    ("Done", {"Type": "Succeed"}),
    ("Stop", {"Type": "Fail", "Error": "Stopped"}),
)


def refused(mutate: Any) -> str:
    definition = copy.deepcopy(BASE)
    mutate(definition)
    with pytest.raises(DefinitionError) as caught:
        load_definition(definition)
    return str(caught.value)


def setter(pointer: str, value: Any) -> Any:
    """Set (or delete, with value ...) the field at a /-separated pointer of the definition."""

    def mutate(definition: dict[str, Any]) -> None:
        *parents, last = pointer.strip("/").split("/")
        node: Any = definition
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if value is ...:
            del node[last]
        elif isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return mutate


def test_the_base_definition_is_valid() -> None:
    machine = load_definition(BASE)
    assert machine.start_at == "Call"
    assert set(machine.states) == {"Call", "Decide", "Fan", "Both", "Nap", "Done", "Stop"}


@pytest.mark.parametrize(
    ("pointer", "value", "expected"),
    [
        ("/States/Call/Type", "Activity", "/States/Call/Type: state 'Call': unknown or unsupported Type 'Activity'"),
        ("/States/Call/Foo", 1, "/States/Call/Foo: state 'Call' (Task): unknown field 'Foo'"),
        (
            "/States/Call/HeartbeatSeconds",
            60,
            "/States/Call/HeartbeatSeconds: state 'Call' (Task): 'HeartbeatSeconds' is not supported",
        ),
        ("/States/Call/Credentials", {"RoleArn": "x"}, "'Credentials' is not supported"),
        (
            "/States/Call/QueryLanguage",
            "YAML",
            "/States/Call/QueryLanguage: state 'Call' (Task): QueryLanguage must be JSONPath or JSONata",
        ),
        ("/QueryLanguage", "YAML", "/QueryLanguage: QueryLanguage must be JSONPath or JSONata, got 'YAML'"),
        ("/States/Call/Arguments", {}, '\'Arguments\' is a JSONata field: set "QueryLanguage": "JSONata"'),
        ("/States/Call/Output", {}, "'Output' is a JSONata field"),
        ("/States/Call/Assign", {"1x": 1}, "'1x' is not a valid variable name"),
        (
            "/States/Fan/ItemReader",
            {},
            "/States/Fan/ItemReader: state 'Fan' (Map): 'ItemReader' is only allowed in a distributed Map",
        ),
        ("/States/Fan/ResultWriter", {}, "'ResultWriter' is only allowed in a distributed Map"),
        ("/States/Fan/ItemBatcher", {}, "'ItemBatcher' is only allowed in a distributed Map"),
        ("/States/Fan/ToleratedFailurePercentage", 5, "'ToleratedFailurePercentage' is only allowed in a distributed"),
        (
            "/States/Fan/ItemProcessor/ProcessorConfig/Mode",
            "DISTRIBUTED",
            "/States/Fan/ItemProcessor/ProcessorConfig/ExecutionType: state 'Fan' (Map): a distributed Map needs "
            "ExecutionType STANDARD or EXPRESS, got nothing",
        ),
        (
            "/States/Fan/ItemProcessor/ProcessorConfig/Mode",
            "PARALLEL",
            "/States/Fan/ItemProcessor/ProcessorConfig/Mode: state 'Fan' (Map): Mode must be INLINE or DISTRIBUTED",
        ),
        ("/States/Fan/ItemProcessor", ..., "a Map needs an ItemProcessor"),
        ("/States/Fan/ItemSelector", {"a": 1}, None),  # valid alone; see the next case
        ("/States/Fan/MaxConcurrency", -1, "/States/Fan/MaxConcurrency: state 'Fan' (Map): MaxConcurrency must be"),
        ("/StartAt", ..., "/StartAt: StartAt must name one of its States"),
        ("/StartAt", "Nowhere", "StartAt must name one of its States, got 'Nowhere'"),
        ("/States/Call/Next", ..., "/States/Call: state 'Call' (Task): a non-terminal state needs Next"),
        ("/States/Call/Next", "Missing", "/States/Call/Next: state 'Call': transition to 'Missing'"),
        ("/States/Call/End", True, "a state cannot have both Next and End"),
        ("/States/Done/Next", "Call", "/States/Done/Next: state 'Done' (Succeed): unknown field 'Next'"),
        ("/States/Orphan", {"Type": "Pass", "End": True}, "/States/Orphan: state 'Orphan' is not reachable"),
        ("/States/Decide/Choices", [], "Choices must be a non-empty array"),
        (
            "/States/Decide/Choices/0/NumericEquals",
            1,
            "exactly one operator or And/Or/Not, found ['BooleanEquals', 'NumericEquals']",
        ),
        (
            "/States/Decide/Choices/0/Next",
            ...,
            "/States/Decide/Choices/0/Next: state 'Decide' (Choice): a top-level Choice rule needs a 'Next'",
        ),
        (
            "/States/Decide/Choices/0",
            {"Not": {"Variable": "$.a", "IsNull": True, "Next": "Done"}, "Next": "Done"},
            "/States/Decide/Choices/0/Not/Next: state 'Decide' (Choice): 'Next' is only allowed on top-level Choices",
        ),
        ("/States/Decide/Choices/0/Variable", ..., "needs a valid 'Variable' path"),
        ("/States/Decide/Choices/0/BooleanEquals", "yes", "BooleanEquals needs true or false, got 'yes'"),
        (
            "/States/Decide/Choices/0",
            {"Variable": "$.a", "StringEquals": 3, "Next": "Done"},
            "StringEquals needs a string, got 3",
        ),
        (
            "/States/Decide/Choices/0",
            {"Variable": "$.a", "TimestampEquals": "yesterday", "Next": "Done"},
            "TimestampEquals needs an RFC 3339 timestamp",
        ),
        (
            "/States/Decide/Choices/0",
            {"Variable": "$.a", "StringSounds": "x", "Next": "Done"},
            "'StringSounds' is not a supported Choice rule field",
        ),
        ("/States/Decide/Choices/0", {"Condition": "{% true %}", "Next": "Done"}, "'Condition' is a JSONata field"),
        ("/States/Decide/Default", "Nowhere", "/States/Decide/Default: state 'Decide': transition to 'Nowhere'"),
        (
            "/States/Call/Retry",
            [{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["X"]}],
            "/States/Call/Retry/0/ErrorEquals: state 'Call' (Task): States.ALL must be in the last retrier",
        ),
        ("/States/Call/Retry", [{"ErrorEquals": ["States.ALL", "X"]}], "States.ALL must appear alone"),
        ("/States/Call/Retry", [{"ErrorEquals": []}], "ErrorEquals must be a non-empty array"),
        ("/States/Call/Retry", [{"ErrorEquals": ["X"], "MaxAttempts": -1}], "MaxAttempts must be an integer >= 0"),
        ("/States/Call/Retry", [{"ErrorEquals": ["X"], "BackoffRate": 0.5}], "BackoffRate must be a number >= 1.0"),
        ("/States/Call/Retry", [{"ErrorEquals": ["X"], "IntervalSeconds": 0}], "IntervalSeconds must be an integer"),
        (
            "/States/Call/Retry",
            [{"ErrorEquals": ["X"], "MaxDelaySeconds": 0}],
            "MaxDelaySeconds must be an integer > 0",
        ),
        (
            "/States/Call/Retry",
            [{"ErrorEquals": ["X"], "JitterStrategy": "HALF"}],
            "JitterStrategy must be FULL or NONE",
        ),
        (
            "/States/Call/Catch",
            [{"ErrorEquals": ["States.ALL"], "Next": "Stop"}, {"ErrorEquals": ["X"], "Next": "Stop"}],
            "States.ALL must be in the last catcher",
        ),
        (
            "/States/Call/Catch",
            [{"ErrorEquals": ["X"]}],
            "/States/Call/Catch/0/Next: state 'Call' (Task): Next is required",
        ),
        (
            "/States/Call/Catch",
            [{"ErrorEquals": ["X"], "Next": "Ghost"}],
            "/States/Call/Catch/0/Next: state 'Call': transition to 'Ghost'",
        ),
        (
            "/States/Call/Resource",
            "arn:aws:states:::dynamodb:putItem",
            "unsupported Resource 'arn:aws:states:::dynamodb:putItem'",
        ),
        ("/States/Call/Resource", "arn:aws:states:::lambda:invoke.waitForTaskToken", "unsupported Resource"),
        ("/States/Call/Resource", "${CallFunctionArn}", "definition substitution ${CallFunctionArn} was not applied"),
        ("/States/Call/Resource", "arn:aws:states:::lambda:invoke", "needs Parameters with ['FunctionName']"),
        (
            "/States/Call/ResultPath",
            "$.a[*]",
            "/States/Call/ResultPath: state 'Call' (Task): ResultPath: '$.a[*]' is not a reference path",
        ),
        ("/States/Call/InputPath", "foo", "a path must be a string starting with '$'"),
        ("/States/Call/TimeoutSeconds", 0, "TimeoutSeconds must be an integer > 0"),
        ("/States/Call/TimeoutSecondsPath", "$.t", None),  # valid alone
        (
            "/States/Call/Parameters",
            {"a.$": 5},
            "/States/Call/Parameters/a.$: state 'Call' (Task): a field ending "
            "in '.$' must be a path or intrinsic string",
        ),
        ("/States/Call/Parameters", {"a": 1, "a.$": "$.a"}, "both 'a' and 'a.$' are given"),
        ("/States/Call/Parameters", "not an object", "Parameters must be a JSON object"),
        ("/States/Call/ResultSelector", {"x.$": "$..["}, "/States/Call/ResultSelector/x.$"),
        ("/States/Nap/Timestamp", "2024-01-01T00:00:00Z", "a Wait needs exactly one of Seconds"),
        (
            "/States/Nap",
            {"Type": "Wait", "Timestamp": "2024-01-01 00:00", "Next": "Done"},
            "Timestamp must be an RFC 3339 timestamp",
        ),
        (
            "/States/Stop/ErrorPath",
            "$.e",
            "/States/Stop/ErrorPath: state 'Stop' (Fail): Error and ErrorPath cannot both be given",
        ),
        ("/States/Both/Branches", [], "Branches must be a non-empty array"),
        (
            "/States/Both/Branches/0/States/B1/Next",
            "Done",
            "/States/Both/Branches/0/States/B1/Next: state 'B1': "
            "transition to 'Done', which is not a state in this scope",
        ),
        ("/TimeoutSeconds", -5, "/TimeoutSeconds: state machine: TimeoutSeconds must be an integer > 0"),
        ("/Extra", 1, "/Extra: unknown field 'Extra'"),
        ("/States/Call/Resource", LAMBDA_ARN + "call:live", None),  # an alias is a valid function ARN
    ],
)
def test_refusals(pointer: str, value: Any, expected: str | None) -> None:
    if expected is None:
        definition = copy.deepcopy(BASE)
        setter(pointer, value)(definition)
        load_definition(definition)
        return
    assert expected in refused(setter(pointer, value))


def test_map_selector_and_parameters_are_exclusive() -> None:
    def mutate(definition: dict[str, Any]) -> None:
        definition["States"]["Fan"]["ItemSelector"] = {"a": 1}
        definition["States"]["Fan"]["Parameters"] = {"a": 1}

    assert "ItemSelector and Parameters cannot both be given" in refused(mutate)


def test_lambda_invoke_parameters_are_checked() -> None:
    def mutate(definition: dict[str, Any]) -> None:
        definition["States"]["Call"].update(
            Resource="arn:aws:states:::lambda:invoke", Parameters={"FunctionName": "f", "Tenant": "x"}
        )

    assert "parameter 'Tenant' of arn:aws:states:::lambda:invoke is not supported" in refused(mutate)


def test_every_problem_is_listed() -> None:
    def mutate(definition: dict[str, Any]) -> None:
        definition["States"]["Call"]["HeartbeatSeconds"] = 5
        definition["States"]["Nap"]["Seconds"] = -1
        definition["States"]["Done"]["Comment"] = 5

    with pytest.raises(DefinitionError) as caught:
        definition = copy.deepcopy(BASE)
        mutate(definition)
        load_definition(definition)
    pointers = [p.pointer for p in caught.value.problems]
    assert pointers == ["/States/Call/HeartbeatSeconds", "/States/Nap/Seconds"]


def test_sources_and_substitutions(tmp_path: Path) -> None:
    template = copy.deepcopy(BASE)
    template["States"]["Call"]["Resource"] = "${CallFunctionArn}"
    path = tmp_path / "flow.asl.json"
    path.write_text(json.dumps(template))
    arn = LAMBDA_ARN + "call"
    for source in (template, json.dumps(template), str(path), path):
        machine = load_definition(source, substitutions={"CallFunctionArn": arn})
        assert machine.states["Call"].resource == arn  # type: ignore[attr-defined]
    with pytest.raises(DefinitionError, match="not JSON text and not an existing file"):
        load_definition("no/such/file.asl.json")
    with pytest.raises(DefinitionError, match="not valid JSON"):
        load_definition("{not json")
