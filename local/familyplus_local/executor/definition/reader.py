"""Field-level validation helpers shared by the definition loader: every problem is collected with the JSON
pointer of the field and the state it belongs to, so one DefinitionError lists everything that is wrong."""

from __future__ import annotations

from typing import Any

from ..errors import Problem
from ..expressions.assign import AssignSpec
from ..expressions.jsonata import JsonataTemplate, compile_jsonata
from ..expressions.jsonpath.intrinsics.parser import Call, is_intrinsic, parse_intrinsic
from ..expressions.jsonpath.paths import JsonPath, compile_path, compile_reference_path
from ..expressions.jsonpath.template import Template, compile_template
from ..variables import name_problem

_IO = {"InputPath", "OutputPath"}
_TRANSITION = {"Next", "End"}
_COMMON = {"Type", "Comment", "QueryLanguage"}
_RESULT = {"Parameters", "ResultSelector", "ResultPath", "Retry", "Catch"}

ALLOWED_FIELDS: dict[str, set[str]] = {
    "Task": _COMMON | _IO | _TRANSITION | _RESULT | {"Resource", "TimeoutSeconds", "TimeoutSecondsPath"},
    "Pass": _COMMON | _IO | _TRANSITION | {"Parameters", "Result", "ResultPath"},
    "Choice": _COMMON | _IO | {"Choices", "Default"},
    "Wait": _COMMON | _IO | _TRANSITION | {"Seconds", "SecondsPath", "Timestamp", "TimestampPath"},
    "Succeed": _COMMON | _IO,
    "Fail": _COMMON | {"Error", "Cause", "ErrorPath", "CausePath"},
    "Parallel": _COMMON | _IO | _TRANSITION | _RESULT | {"Branches"},
    "Map": _COMMON
    | _IO
    | _TRANSITION
    | _RESULT
    | {"ItemsPath", "ItemSelector", "ItemProcessor", "Iterator", "MaxConcurrency", "MaxConcurrencyPath"}
    | {"ItemReader", "ItemBatcher", "ResultWriter", "Label"}  # distributed Map (checked in distributed.py)
    | {"ToleratedFailureCount", "ToleratedFailureCountPath", "ToleratedFailurePercentage"}
    | {"ToleratedFailurePercentagePath"},
}
for _kind in ("Task", "Pass", "Choice", "Wait", "Parallel", "Map"):
    ALLOWED_FIELDS[_kind].add("Assign")  # workflow variables, in both query languages

# The guide: in a JSONata state the five JSONPath fields (InputPath, Parameters, ResultSelector, ResultPath,
# OutputPath) give way to Arguments and Output, and the other *Path fields to values or {% %} expressions.
JSONPATH_ONLY = {
    "InputPath",
    "OutputPath",
    "Parameters",
    "ResultSelector",
    "ResultPath",
    "Result",
    "ItemsPath",
    "MaxConcurrencyPath",
    "TimeoutSecondsPath",
    "SecondsPath",
    "TimestampPath",
    "ErrorPath",
    "CausePath",
    "ToleratedFailureCountPath",
    "ToleratedFailurePercentagePath",
}
JSONATA_ONLY = {"Arguments", "Output", "Items"}
JSONATA_FIELDS: dict[str, set[str]] = {kind: allowed - JSONPATH_ONLY for kind, allowed in ALLOWED_FIELDS.items()}
for _kind in ("Task", "Parallel"):
    JSONATA_FIELDS[_kind].add("Arguments")
for _kind in ("Task", "Pass", "Choice", "Wait", "Succeed", "Parallel", "Map"):
    JSONATA_FIELDS[_kind].add("Output")
JSONATA_FIELDS["Map"].add("Items")

# Known ASL fields that are refused, with the reason given to the user.
UNSUPPORTED_FIELDS: dict[str, str] = {
    "HeartbeatSeconds": "task heartbeats (activities, .waitForTaskToken callbacks) are not supported",
    "HeartbeatSecondsPath": "task heartbeats (activities, .waitForTaskToken callbacks) are not supported",
    "Credentials": "cross-account task credentials are not supported",
}


def language_hint(key: str, language: str) -> str | None:
    """Why a field of the other query language is refused (AWS refuses such definitions too)."""
    if language == "JSONata" and key in JSONPATH_ONLY:
        return (
            f"{key!r} is a JSONPath field and this state uses JSONata: use Arguments/Output with {{% %}} "
            "expressions ($states.input, $states.result) instead"
        )
    if language == "JSONPath" and key in JSONATA_ONLY:
        return f'{key!r} is a JSONata field: set "QueryLanguage": "JSONata" on the state or the state machine'
    return None


MISSING = object()


class Reader:
    """Collects problems while reading one definition."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.language = "JSONPath"  # the query language of the state being read (for nested readers)

    def problem(self, pointer: str, message: str, label: str = "") -> None:
        self.problems.append(Problem(pointer, f"{label}: {message}" if label else message))

    def fields(
        self, obj: dict[str, Any], allowed: set[str], pointer: str, label: str, language: str = "JSONPath"
    ) -> None:
        for key in obj:
            if key in allowed:
                continue
            reason = UNSUPPORTED_FIELDS.get(key)
            hint = language_hint(key, language)
            if hint:
                self.problem(f"{pointer}/{key}", hint, label)
            elif reason:
                self.problem(f"{pointer}/{key}", f"{key!r} is not supported: {reason}", label)
            else:
                self.problem(
                    f"{pointer}/{key}", f"unknown field {key!r} (allowed: {', '.join(sorted(allowed))})", label
                )

    def jsonata(self, obj: dict[str, Any], key: str, pointer: str, label: str) -> JsonataTemplate | None:
        """Compile a JSONata field (any JSON value; `{% %}` strings are expressions)."""
        if key not in obj:
            return None
        found: list[tuple[str, str]] = []
        template = compile_jsonata(obj[key], f"{pointer}/{key}", found)
        for where, message in found:
            self.problem(where, message, label)
        return template

    def assign(self, obj: dict[str, Any], pointer: str, label: str, language: str) -> AssignSpec | None:
        """Read `Assign`: an object of variable names (JSONPath: `name.$` for a path or intrinsic)."""
        if "Assign" not in obj:
            return None
        value = obj["Assign"]
        where = f"{pointer}/Assign"
        if not isinstance(value, dict):
            self.problem(where, f"Assign must be a JSON object of variable names, got {value!r}", label)
            return None
        for key in value:
            name = key[:-2] if language == "JSONPath" and key.endswith(".$") else key
            problem = name_problem(name)
            if problem:
                self.problem(f"{where}/{key}", problem, label)
        if language == "JSONata":
            template: Template | JsonataTemplate | None = self.jsonata(obj, "Assign", pointer, label)
        else:
            template = self.template(obj, "Assign", pointer, label)
        return AssignSpec(template) if template is not None else None

    def path(
        self,
        obj: dict[str, Any],
        key: str,
        pointer: str,
        label: str,
        *,
        reference: bool = False,
        default: str | None = "$",
        nullable: bool = True,
    ) -> JsonPath | None:
        """Read a path field. Absent: `default` compiled (or None); JSON null: None (if nullable)."""
        value = obj.get(key, MISSING)
        if value is MISSING:
            return compile_path(default) if default is not None else None
        if value is None:
            if not nullable:
                self.problem(f"{pointer}/{key}", f"{key} cannot be null", label)
            return None
        try:
            compiled = compile_reference_path(value) if reference else compile_path(value)
        except ValueError as exc:
            self.problem(f"{pointer}/{key}", f"{key}: {exc}", label)
            return None
        if key == "ResultPath" and compiled.variable is not None:
            # ResultPath writes into the state's output; variables are written only by Assign.
            self.problem(f"{pointer}/{key}", f"ResultPath {value!r} cannot name a variable: use Assign", label)
            return None
        return compiled

    def path_or_intrinsic(self, obj: dict[str, Any], key: str, pointer: str, label: str) -> JsonPath | Call | None:
        """Read a field that takes a reference path or an intrinsic function call (Fail's ErrorPath/CausePath)."""
        value = obj.get(key, MISSING)
        if isinstance(value, str) and is_intrinsic(value):
            try:
                return parse_intrinsic(value)
            except ValueError as exc:
                self.problem(f"{pointer}/{key}", f"{key}: {exc}", label)
                return None
        return self.path(obj, key, pointer, label, reference=True, default=None, nullable=False)

    def number(
        self,
        obj: dict[str, Any],
        key: str,
        pointer: str,
        label: str,
        *,
        integer: bool = True,
        minimum: float = 0,
        exclusive: bool = False,
    ) -> Any:
        """Read an optional numeric field; returns MISSING when absent or invalid."""
        value = obj.get(key, MISSING)
        if value is MISSING:
            return MISSING
        is_number = isinstance(value, int | float) and not isinstance(value, bool)
        if integer and is_number and isinstance(value, float) and not value.is_integer():
            is_number = False
        if not is_number or value < minimum or (exclusive and value == minimum):
            kind = "an integer" if integer else "a number"
            bound = f"> {minimum}" if exclusive else f">= {minimum}"
            self.problem(f"{pointer}/{key}", f"{key} must be {kind} {bound}, got {value!r}", label)
            return MISSING
        return int(value) if integer else float(value)

    def string(self, obj: dict[str, Any], key: str, pointer: str, label: str, *, required: bool = False) -> Any:
        value = obj.get(key, MISSING)
        if value is MISSING:
            if required:
                self.problem(f"{pointer}/{key}", f"{key} is required", label)
            return None
        if not isinstance(value, str) or not value:
            self.problem(f"{pointer}/{key}", f"{key} must be a non-empty string, got {value!r}", label)
            return None
        return value

    def template(self, obj: dict[str, Any], key: str, pointer: str, label: str) -> Template | None:
        if key not in obj:
            return None
        value = obj[key]
        if not isinstance(value, dict):
            self.problem(f"{pointer}/{key}", f"{key} must be a JSON object, got {value!r}", label)
            return None
        found: list[tuple[str, str]] = []
        template = compile_template(value, f"{pointer}/{key}", found)
        for where, message in found:
            self.problem(where, message, label)
        return template

    def exclusive(self, obj: dict[str, Any], keys: tuple[str, str], pointer: str, label: str) -> None:
        if keys[0] in obj and keys[1] in obj:
            self.problem(f"{pointer}/{keys[1]}", f"{keys[0]} and {keys[1]} cannot both be given", label)
