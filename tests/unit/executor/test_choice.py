"""Choice rules: every comparison operator, the *Path variants, Is* tests, And/Or/Not, Default."""

from __future__ import annotations

from typing import Any

import pytest

from .support import chain, run

INPUT = {
    "s": "banana",
    "s2": "banana",
    "apple": "apple",
    "n": 5,
    "n2": 5.0,
    "big": 10,
    "t": True,
    "f": False,
    "ts": "2024-01-01T10:00:00Z",
    "ts_same": "2024-01-01T12:00:00+02:00",
    "ts_late": "2024-06-01T00:00:00.123Z",
    "null": None,
    "star": "a*b",
    "file": "report-2024.mp3",
}


def decide(rule: dict[str, Any], data: Any = INPUT) -> str:
    definition = chain(
        ("Decide", {"Type": "Choice", "Choices": [{**rule, "Next": "Yes"}], "Default": "No"}),
        ("Yes", {"Type": "Pass", "Result": "yes", "End": True}),
        ("No", {"Type": "Pass", "Result": "no", "End": True}),
    )
    execution = run(definition, data)
    assert execution.status == "SUCCEEDED", (execution.error, execution.cause)
    return str(execution.output)


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"Variable": "$.s", "StringEquals": "banana"}, "yes"),
        ({"Variable": "$.s", "StringEquals": "apple"}, "no"),
        ({"Variable": "$.n", "StringEquals": "5"}, "no"),  # type mismatch is false, not an error
        ({"Variable": "$.s", "StringEqualsPath": "$.s2"}, "yes"),
        ({"Variable": "$.apple", "StringLessThan": "banana"}, "yes"),
        ({"Variable": "$.s", "StringLessThanPath": "$.apple"}, "no"),
        ({"Variable": "$.s", "StringGreaterThan": "apple"}, "yes"),
        ({"Variable": "$.s", "StringGreaterThanPath": "$.apple"}, "yes"),
        ({"Variable": "$.s", "StringLessThanEquals": "banana"}, "yes"),
        ({"Variable": "$.s", "StringLessThanEqualsPath": "$.apple"}, "no"),
        ({"Variable": "$.s", "StringGreaterThanEquals": "banana"}, "yes"),
        ({"Variable": "$.apple", "StringGreaterThanEqualsPath": "$.s"}, "no"),
        ({"Variable": "$.file", "StringMatches": "report-*.mp3"}, "yes"),
        ({"Variable": "$.file", "StringMatches": "*.wav"}, "no"),
        ({"Variable": "$.star", "StringMatches": "a\\*b"}, "yes"),  # escaped star is literal
        ({"Variable": "$.file", "StringMatches": "report\\*"}, "no"),
        ({"Variable": "$.n", "NumericEquals": 5}, "yes"),
        ({"Variable": "$.n2", "NumericEquals": 5}, "yes"),  # 5.0 == 5
        ({"Variable": "$.t", "NumericEquals": 1}, "no"),  # booleans are not numbers
        ({"Variable": "$.n", "NumericEqualsPath": "$.n2"}, "yes"),
        ({"Variable": "$.n", "NumericLessThan": 10}, "yes"),
        ({"Variable": "$.big", "NumericLessThanPath": "$.n"}, "no"),
        ({"Variable": "$.n", "NumericGreaterThan": 4.5}, "yes"),
        ({"Variable": "$.big", "NumericGreaterThanPath": "$.n"}, "yes"),
        ({"Variable": "$.n", "NumericLessThanEquals": 5}, "yes"),
        ({"Variable": "$.big", "NumericLessThanEqualsPath": "$.n"}, "no"),
        ({"Variable": "$.n", "NumericGreaterThanEquals": 6}, "no"),
        ({"Variable": "$.n", "NumericGreaterThanEqualsPath": "$.n2"}, "yes"),
        ({"Variable": "$.t", "BooleanEquals": True}, "yes"),
        ({"Variable": "$.t", "BooleanEqualsPath": "$.f"}, "no"),
        ({"Variable": "$.ts", "TimestampEquals": "2024-01-01T10:00:00Z"}, "yes"),
        ({"Variable": "$.ts", "TimestampEqualsPath": "$.ts_same"}, "yes"),  # same instant, other offset
        ({"Variable": "$.ts", "TimestampLessThan": "2024-01-01T10:00:01Z"}, "yes"),
        ({"Variable": "$.ts_late", "TimestampLessThanPath": "$.ts"}, "no"),
        ({"Variable": "$.ts", "TimestampGreaterThan": "2023-12-31T23:59:59Z"}, "yes"),
        ({"Variable": "$.ts_late", "TimestampGreaterThanPath": "$.ts"}, "yes"),
        ({"Variable": "$.ts", "TimestampLessThanEquals": "2024-01-01T10:00:00Z"}, "yes"),
        ({"Variable": "$.ts_late", "TimestampLessThanEqualsPath": "$.ts"}, "no"),
        ({"Variable": "$.ts", "TimestampGreaterThanEquals": "2024-01-01T10:00:00.001Z"}, "no"),
        ({"Variable": "$.ts", "TimestampGreaterThanEqualsPath": "$.ts_same"}, "yes"),
        ({"Variable": "$.s", "TimestampEquals": "2024-01-01T10:00:00Z"}, "no"),  # not a timestamp: false
        ({"Variable": "$.null", "IsNull": True}, "yes"),
        ({"Variable": "$.s", "IsNull": False}, "yes"),
        ({"Variable": "$.s", "IsPresent": True}, "yes"),
        ({"Variable": "$.missing", "IsPresent": True}, "no"),
        ({"Variable": "$.missing", "IsPresent": False}, "yes"),
        ({"Variable": "$.n", "IsNumeric": True}, "yes"),
        ({"Variable": "$.t", "IsNumeric": True}, "no"),
        ({"Variable": "$.s", "IsString": True}, "yes"),
        ({"Variable": "$.t", "IsBoolean": True}, "yes"),
        ({"Variable": "$.ts", "IsTimestamp": True}, "yes"),
        ({"Variable": "$.s", "IsTimestamp": False}, "yes"),
        ({"And": [{"Variable": "$.n", "NumericEquals": 5}, {"Variable": "$.s", "StringEquals": "banana"}]}, "yes"),
        ({"And": [{"Variable": "$.n", "NumericEquals": 5}, {"Variable": "$.s", "StringEquals": "x"}]}, "no"),
        ({"Or": [{"Variable": "$.n", "NumericEquals": 1}, {"Variable": "$.s", "StringEquals": "banana"}]}, "yes"),
        ({"Not": {"Variable": "$.n", "NumericEquals": 5}}, "no"),
        (
            {"Not": {"Or": [{"Variable": "$.missing", "IsPresent": True}, {"Variable": "$.f", "BooleanEquals": True}]}},
            "yes",
        ),
        ({"Variable": "$$.Execution.Input.n", "NumericEquals": 5}, "yes"),
    ],
)
def test_operator(rule: dict[str, Any], expected: str) -> None:
    assert decide(rule) == expected


def test_first_matching_rule_wins_and_output_path_applies() -> None:
    definition = chain(
        (
            "Decide",
            {
                "Type": "Choice",
                "OutputPath": "$.inner",
                "Choices": [
                    {"Variable": "$.inner.n", "NumericGreaterThan": 1, "Next": "First"},
                    {"Variable": "$.inner.n", "NumericGreaterThan": 0, "Next": "Second"},
                ],
            },
        ),
        ("First", {"Type": "Succeed"}),
        ("Second", {"Type": "Succeed"}),
    )
    execution = run(definition, {"inner": {"n": 2}, "other": 1})
    assert [e.state for e in execution.history if e.type == "SucceedStateEntered"] == ["First"]
    assert execution.output == {"n": 2}


def test_no_match_and_no_default_fails_with_no_choice_matched() -> None:
    definition = chain(
        ("Decide", {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Next": "Done"}]}),
        ("Done", {"Type": "Succeed"}),
    )
    execution = run(definition, {"n": 2})
    assert (execution.status, execution.error) == ("FAILED", "States.NoChoiceMatched")


def test_missing_variable_is_a_runtime_error() -> None:
    definition = chain(
        (
            "Decide",
            {
                "Type": "Choice",
                "Choices": [{"Variable": "$.nope", "StringEquals": "x", "Next": "Done"}],
                "Default": "Done",
            },
        ),
        ("Done", {"Type": "Succeed"}),
    )
    execution = run(definition, {})
    assert (execution.status, execution.error) == ("FAILED", "States.Runtime")
    assert "$.nope" in (execution.cause or "")
