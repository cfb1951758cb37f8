"""Choice rules: compiled at load time (with validation), evaluated against the Choice state's input.

Semantics follow AWS: a comparison whose Variable (or *Path operand) selects nothing is a States.Runtime
error, except for IsPresent; a type mismatch (StringEquals on a number, ...) is simply false.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ...errors import STATES_RUNTIME, StatesFailure
from ...timestamps import parse_timestamp
from ..env import Env
from .paths import JsonPath, PathNotFound, compile_path


def _is_num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _ts(v: Any) -> datetime | None:
    return parse_timestamp(v) if isinstance(v, str) else None


def _cmp(check: Callable[[Any], bool], convert: Callable[[Any], Any] | None = None) -> Callable[..., Any]:
    """Build a comparison from a type check and an optional conversion (timestamps)."""

    def make(op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
        def compare(value: Any, operand: Any) -> bool:
            if not (check(value) and check(operand)):
                return False
            if convert is not None:
                value, operand = convert(value), convert(operand)
            return op(value, operand)

        return compare

    return make


_str, _num = _cmp(lambda v: isinstance(v, str)), _cmp(_is_num)
_time = _cmp(lambda v: _ts(v) is not None, _ts)
_EQ, _LT, _GT = (lambda a, b: a == b), (lambda a, b: a < b), (lambda a, b: a > b)
_LE, _GE = (lambda a, b: a <= b), (lambda a, b: a >= b)

# operator -> (operand type check for the literal form, comparison)
COMPARISONS: dict[str, tuple[Callable[[Any], bool], Callable[[Any, Any], bool]]] = {}
for _family, _check, _make in (
    ("String", lambda v: isinstance(v, str), _str),
    ("Numeric", _is_num, _num),
    ("Timestamp", lambda v: _ts(v) is not None, _time),
):
    for _suffix, _op in (
        ("Equals", _EQ),
        ("LessThan", _LT),
        ("GreaterThan", _GT),
        ("LessThanEquals", _LE),
        ("GreaterThanEquals", _GE),
    ):
        COMPARISONS[_family + _suffix] = (_check, _make(_op))
COMPARISONS["BooleanEquals"] = (lambda v: isinstance(v, bool), _cmp(lambda v: isinstance(v, bool))(_EQ))

TYPE_TESTS: dict[str, Callable[[Any], bool]] = {
    "IsNull": lambda v: v is None,
    "IsNumeric": _is_num,
    "IsString": lambda v: isinstance(v, str),
    "IsBoolean": lambda v: isinstance(v, bool),
    "IsTimestamp": lambda v: _ts(v) is not None,
}
OPERATORS = set(COMPARISONS) | {f"{op}Path" for op in COMPARISONS} | set(TYPE_TESTS) | {"IsPresent", "StringMatches"}


class Condition:
    def test(self, data: Any, env: Env) -> bool:
        raise NotImplementedError


@dataclass(frozen=True)
class Comparison(Condition):
    variable: JsonPath
    operator: str
    operand: Any  # literal, JsonPath (…Path operators), compiled regex (StringMatches) or bool (Is…)

    def test(self, data: Any, env: Env) -> bool:
        op = self.operator
        try:
            value = env.resolve(self.variable, data)
        except PathNotFound:
            if op == "IsPresent":
                return self.operand is False
            # AWS's wording, as recorded on real executions.
            raise StatesFailure(
                STATES_RUNTIME,
                f"{env.where()} Invalid path '{self.variable.text}': The choice state's condition path references "
                "an invalid value.",
            ) from None
        if op == "IsPresent":
            return self.operand is True
        if op in TYPE_TESTS:
            return TYPE_TESTS[op](value) is self.operand
        if op == "StringMatches":
            return isinstance(value, str) and self.operand.fullmatch(value) is not None
        if op.endswith("Path"):
            try:
                operand = env.resolve(self.operand, data)
            except PathNotFound:
                # No recording of AWS's wording here: the Variable's message, naming the comparison path.
                raise StatesFailure(
                    STATES_RUNTIME,
                    f"{env.where()} Invalid path '{self.operand.text}': The choice state's comparison path "
                    "references an invalid value.",
                ) from None
            return COMPARISONS[op[:-4]][1](value, operand)
        return COMPARISONS[op][1](value, self.operand)


@dataclass(frozen=True)
class And(Condition):
    rules: tuple[Condition, ...]

    def test(self, data: Any, env: Env) -> bool:
        return all(rule.test(data, env) for rule in self.rules)


@dataclass(frozen=True)
class Or(Condition):
    rules: tuple[Condition, ...]

    def test(self, data: Any, env: Env) -> bool:
        return any(rule.test(data, env) for rule in self.rules)


@dataclass(frozen=True)
class Not(Condition):
    rule: Condition

    def test(self, data: Any, env: Env) -> bool:
        return not self.rule.test(data, env)


@dataclass(frozen=True)
class ChoiceRule:
    condition: Condition | Any  # a JSONPath Condition, or a JSONata one (expressions.assign.JsonataCondition)
    next: str
    assign: Any = None  # states.assign.AssignSpec: evaluated when this rule matches
    output: Any = None  # JSONata Output of this rule


def string_matches_pattern(pattern: str) -> re.Pattern[str]:
    """`*` matches any run of characters; `\\*` is a literal star and `\\\\` a literal backslash."""
    out, i = [], 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if char == "*" else re.escape(char))
        i += 1
    return re.compile("".join(out), re.DOTALL)


Problems = list[tuple[str, str]]


def compile_rule(rule: Any, pointer: str, problems: Problems, top: bool) -> Condition | None:
    """Validate and compile one rule; append (pointer, message) problems and return None if invalid."""
    if not isinstance(rule, dict):
        problems.append((pointer, f"a Choice rule must be an object, got {rule!r}"))
        return None
    allowed = {"Variable", "And", "Or", "Not", "Comment"} | OPERATORS | ({"Next"} if top else set())
    for key in rule:
        if key not in allowed:
            why = "is only allowed on top-level Choices" if key == "Next" else "is not a supported Choice rule field"
            if key in ("Condition", "Output"):
                why = 'is a JSONata field: set "QueryLanguage": "JSONata" on the state or the state machine'
            elif key == "Assign":
                why = "is only allowed on top-level Choices"
            problems.append((f"{pointer}/{key}", f"{key!r} {why}"))
    if top and not isinstance(rule.get("Next"), str):
        problems.append((f"{pointer}/Next", "a top-level Choice rule needs a 'Next' state name"))
    combinators = [k for k in ("And", "Or", "Not") if k in rule]
    operators = [k for k in rule if k in OPERATORS]
    if len(combinators) + len(operators) != 1:
        found = combinators + operators
        problems.append((pointer, f"a Choice rule needs exactly one operator or And/Or/Not, found {found or 'none'}"))
        return None
    if combinators:
        return _compile_combinator(rule, combinators[0], pointer, problems)
    return _compile_comparison(rule, operators[0], pointer, problems)


def _compile_combinator(rule: dict[str, Any], key: str, pointer: str, problems: Problems) -> Condition | None:
    if "Variable" in rule:
        problems.append((f"{pointer}/Variable", f"'Variable' cannot be combined with {key!r}"))
    value = rule[key]
    if key == "Not":
        inner = compile_rule(value, f"{pointer}/Not", problems, top=False)
        return Not(inner) if inner else None
    if not isinstance(value, list) or not value:
        problems.append((f"{pointer}/{key}", f"{key!r} needs a non-empty array of rules"))
        return None
    rules = [compile_rule(sub, f"{pointer}/{key}/{i}", problems, top=False) for i, sub in enumerate(value)]
    if any(r is None for r in rules):
        return None
    return (And if key == "And" else Or)(tuple(r for r in rules if r is not None))


def _compile_comparison(rule: dict[str, Any], op: str, pointer: str, problems: Problems) -> Condition | None:
    try:
        variable = compile_path(rule.get("Variable"))
    except ValueError as exc:
        problems.append((f"{pointer}/Variable", f"needs a valid 'Variable' path: {exc}"))
        return None
    operand = rule[op]
    where = f"{pointer}/{op}"
    if op in TYPE_TESTS or op == "IsPresent":
        ok, expected = isinstance(operand, bool), "true or false"
    elif op == "StringMatches":
        ok, expected = isinstance(operand, str), "a string pattern"
        operand = string_matches_pattern(operand) if ok else operand
    elif op.endswith("Path"):
        try:
            operand, ok, expected = compile_path(operand), True, ""
        except ValueError as exc:
            ok, expected = False, f"a valid path ({exc})"
    else:
        ok = COMPARISONS[op][0](operand)
        expected = {
            "String": "a string",
            "Numeric": "a number",
            "Timestamp": "an RFC 3339 timestamp",
            "Boolean": "true or false",
        }[re.match(r"[A-Z][a-z]+", op).group()]  # type: ignore[union-attr]
    if not ok:
        problems.append((where, f"{op} needs {expected}, got {rule[op]!r}"))
        return None
    return Comparison(variable, op, operand)
