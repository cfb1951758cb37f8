"""Intrinsic functions: values, nesting, path arguments, and States.IntrinsicFailure."""

from __future__ import annotations

import random
import re
from typing import Any

import pytest

from familyplus_local.executor import DefinitionError, load_definition

from .support import Functions, chain, run, task

DATA = {
    "name": "Ada",
    "age": 36,
    "nums": [1, 2, 3, 4, 5],
    "json": '{"a": [1, 2]}',
    "obj": {"a": 1, "b": "x"},
    "left": {"a": 1, "b": 1},
    "right": {"b": 2, "c": 3},
    "arn": "arn:aws:lambda:us-east-1:123456789012:function:transcribe",
    "template": "Hi {}",
}


def evaluate(expression: str, data: Any = None, **options: Any) -> Any:
    execution = run(chain(("P", {"Type": "Pass", "Parameters": {"v.$": expression}})), data or DATA, **options)
    assert execution.status == "SUCCEEDED", (execution.error, execution.cause)
    return execution.output["v"]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("States.Format('Hello, {}! You are {}.', $.name, $.age)", "Hello, Ada! You are 36."),
        ("States.Format('\\{literal\\} {} it\\'s', $.name)", "{literal} Ada it's"),
        ("States.Format($.template, $.name)", "Hi Ada"),
        ("States.Format('{} {} {}', true, null, 1.5)", "true null 1.5"),
        ("States.Format('{}', $.obj)", "{a=1, b=x}"),  # objects render Java-map style, like AWS
        ("States.Format('{}', $$.Execution.Name)", "exec"),
        ("States.StringToJson($.json)", {"a": [1, 2]}),
        ("States.JsonToString($.obj)", '{"a":1,"b":"x"}'),
        ("States.Array('a', 1, $.name, States.Array())", ["a", 1, "Ada", []]),
        ("States.ArrayPartition($.nums, 2)", [[1, 2], [3, 4], [5]]),
        ("States.ArrayContains($.nums, 3)", True),
        ("States.ArrayContains(States.Array(true), 1)", False),  # JSON identity: true is not 1
        ("States.ArrayRange(1, 9, 2)", [1, 3, 5, 7, 9]),
        ("States.ArrayRange(5, 1, -2)", [5, 3, 1]),
        ("States.ArrayGetItem($.nums, 1)", 2),
        ("States.ArrayLength($.nums)", 5),
        ("States.ArrayUnique(States.Array(1, 2, 1, '1', 2))", [1, 2, "1"]),
        ("States.Base64Encode('Data to encode')", "RGF0YSB0byBlbmNvZGU="),
        ("States.Base64Decode('RGF0YSB0byBlbmNvZGU=')", "Data to encode"),
        ("States.Hash('input data', 'SHA-1')", "aaff4a450a104cd177d28d18d74485e8cae074b7"),
        ("States.Hash('', 'MD5')", "d41d8cd98f00b204e9800998ecf8427e"),
        ("States.JsonMerge($.left, $.right, false)", {"a": 1, "b": 2, "c": 3}),
        ("States.MathAdd(111, -1)", 110),
        ("States.MathAdd(1.5, 1)", 3),  # non-integers are rounded half up
        ("States.StringSplit('This.is+a,test=string', '.+,=')", ["This", "is", "a", "test", "string"]),
        ("States.StringSplit('1,,2', ',')", ["1", "2"]),
        ("States.ArrayGetItem(States.StringSplit($.arn, ':'), 6)", "transcribe"),
        ("States.MathRandom(5, 6)", 5),  # start inclusive, end exclusive
    ],
)
def test_intrinsic_values(expression: str, expected: Any) -> None:
    assert evaluate(expression, name="exec") == expected


def test_math_random_uses_seed_or_the_run_rng() -> None:
    # Given an explicit seed, the value is reproducible and in [start, end)
    assert evaluate("States.MathRandom(1, 1000, 42)") == random.Random(42).randrange(1, 1000)
    # Without a seed, the run's rng is used
    assert evaluate("States.MathRandom(0, 1000)", rng=random.Random(3)) == random.Random(3).randrange(0, 1000)


def test_uuid_is_a_version_4_uuid() -> None:
    value = evaluate("States.UUID()")
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", value)
    assert evaluate("States.UUID()", rng=random.Random(1)) == evaluate("States.UUID()", rng=random.Random(1))


@pytest.mark.parametrize(
    "expression",
    [
        "States.ArrayGetItem($.nums, 10)",
        "States.StringToJson('not json')",
        "States.JsonMerge($.left, $.right, true)",  # deep merge is not supported by AWS either
        "States.Format('{} {}', $.name)",
        "States.Format('{}', $.name, $.age)",
        "States.Hash($.name, 'SHA-999')",
        "States.ArrayRange(1, 5000, 1)",
        "States.Base64Decode('***')",
        "States.ArrayLength($.name)",
        "States.MathAdd($.name, 1)",
    ],
)
def test_bad_calls_fail_with_intrinsic_failure(expression: str) -> None:
    execution = run(chain(("P", {"Type": "Pass", "Parameters": {"v.$": expression}})), DATA)
    assert execution.status == "FAILED"
    assert execution.error == "States.IntrinsicFailure"
    assert execution.cause and "Invalid arguments in States." in execution.cause


def test_intrinsic_failure_in_task_parameters_can_be_caught() -> None:
    definition = chain(
        (
            "Call",
            task(
                "f",
                Parameters={"v.$": "States.StringToJson($.name)"},
                Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Handled", "ResultPath": "$.error"}],
                Next="Unreached",
            ),
        ),
        ("Unreached", {"Type": "Succeed"}),
        ("Handled", {"Type": "Pass"}),
    )
    execution = run(definition, DATA, invoke=Functions(f=lambda p: p))
    assert execution.status == "SUCCEEDED"
    assert execution.output["error"]["Error"] == "States.IntrinsicFailure"


def test_intrinsic_path_argument_selecting_nothing_is_states_runtime() -> None:
    execution = run(chain(("P", {"Type": "Pass", "Parameters": {"v.$": "States.Format('{}', $.nope)"}})), DATA)
    assert (execution.status, execution.error) == ("FAILED", "States.Runtime")


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("States.Nope($.x)", "unknown intrinsic function 'States.Nope'"),
        ("States.ArrayLength($.a, $.b)", "States.ArrayLength takes 1 argument(s), got 2"),
        ("States.Format('unterminated)", "unterminated string literal"),
        ("States.Array(1) trailing", "unexpected"),
        ("States.Array(@)", "expected a 'string', number"),
    ],
)
def test_malformed_intrinsics_are_refused_at_load_time(expression: str, message: str) -> None:
    with pytest.raises(DefinitionError) as caught:
        load_definition(chain(("P", {"Type": "Pass", "Parameters": {"v.$": expression}})))
    assert message in str(caught.value)
    assert "/States/P/Parameters/v.$" in str(caught.value)
