"""The one `${Name}` rule shared by the executor's loader, the local workflow registry and the CDK stack."""

from __future__ import annotations

from typing import Any

import pytest

from familyplus_local.executor import DefinitionError, load_definition
from familyplus_local.executor.definition import substitutions

DOCUMENT: dict[str, Any] = {
    "StartAt": "Call",
    "States": {
        "Call": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "${CallFunctionArn}", "Payload": {"next": "${ChildStateMachineArn}"}},
            "End": True,
        },
        "a/b": {"Type": "Pass", "Comment": "${Odd-Name} and ${}", "End": True},
    },
}


def test_find_names_each_placeholder_with_its_pointer() -> None:
    assert list(substitutions.find(DOCUMENT)) == [
        ("/States/Call/Parameters/FunctionName", "CallFunctionArn"),
        ("/States/Call/Parameters/Payload/next", "ChildStateMachineArn"),
        ("/States/a~1b/Comment", "Odd-Name"),
        ("/States/a~1b/Comment", ""),
    ]
    assert substitutions.names("${A}-${B}-${A}") == {"A", "B"}


def test_substitute_replaces_known_placeholders_and_keeps_the_rest_for_the_caller() -> None:
    result = substitutions.substitute(DOCUMENT, {"CallFunctionArn": "arn:x", "Odd-Name": "o"})
    call = result["States"]["Call"]["Parameters"]
    assert call == {"FunctionName": "arn:x", "Payload": {"next": "${ChildStateMachineArn}"}}
    assert result["States"]["a/b"]["Comment"] == "o and ${}"
    assert DOCUMENT["States"]["Call"]["Parameters"]["FunctionName"] == "${CallFunctionArn}"  # a copy


def test_a_placeholder_in_a_key_counts_as_cloudformation_substitutes_the_whole_text() -> None:
    document = {"States": {"${Name}": {"Type": "Pass", "End": True}}}
    assert substitutions.names(document) == {"Name"}
    assert substitutions.substitute(document, {"Name": "Real"}) == {"States": {"Real": {"Type": "Pass", "End": True}}}


def test_the_loader_reports_every_placeholder_left_unfilled() -> None:
    with pytest.raises(DefinitionError) as caught:
        load_definition(DOCUMENT, substitutions={"CallFunctionArn": "arn:aws:lambda:eu-west-1:123456789012:function:f"})
    unfilled = [p for p in caught.value.problems if "was not applied" in p.message]
    pointers = [p.pointer for p in unfilled]
    assert pointers == ["/States/Call/Parameters/Payload/next", "/States/a~1b/Comment", "/States/a~1b/Comment"]


def test_a_definition_error_names_its_file_when_known() -> None:
    error = DefinitionError([], source="flow.asl.json")
    assert str(error).startswith("flow.asl.json: invalid state machine definition")
    assert error.source == "flow.asl.json"
