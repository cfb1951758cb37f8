"""Field-level validation helpers shared by the definition loader: every problem is collected with the JSON
pointer of the field and the state it belongs to, so one DefinitionError lists everything that is wrong."""

from __future__ import annotations

from typing import Any

from ..errors import Problem
from ..expressions.jsonpath.intrinsics.parser import Call, is_intrinsic, parse_intrinsic
from ..expressions.jsonpath.paths import JsonPath, compile_path, compile_reference_path
from ..expressions.jsonpath.template import Template, compile_template

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

_JSONATA = "belongs to the JSONata query language / workflow variables, which this executor does not support"
# Known ASL fields that are refused, with the reason given to the user.
UNSUPPORTED_FIELDS: dict[str, str] = {
    "HeartbeatSeconds": "task heartbeats (activities, .waitForTaskToken callbacks) are not supported",
    "HeartbeatSecondsPath": "task heartbeats (activities, .waitForTaskToken callbacks) are not supported",
    "Credentials": "cross-account task credentials are not supported",
    "Arguments": _JSONATA,
    "Output": _JSONATA,
    "Assign": _JSONATA,
    "Items": _JSONATA,
}

MISSING = object()


class Reader:
    """Collects problems while reading one definition."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def problem(self, pointer: str, message: str, label: str = "") -> None:
        self.problems.append(Problem(pointer, f"{label}: {message}" if label else message))

    def fields(self, obj: dict[str, Any], allowed: set[str], pointer: str, label: str) -> None:
        for key in obj:
            if key in allowed:
                continue
            reason = UNSUPPORTED_FIELDS.get(key)
            if reason:
                self.problem(f"{pointer}/{key}", f"{key!r} is not supported: {reason}", label)
            else:
                self.problem(
                    f"{pointer}/{key}", f"unknown field {key!r} (allowed: {', '.join(sorted(allowed))})", label
                )
        language = obj.get("QueryLanguage", "JSONPath")
        if "QueryLanguage" in allowed and language != "JSONPath":
            self.problem(
                f"{pointer}/QueryLanguage", f"QueryLanguage {language!r} is not supported (JSONPath only)", label
            )

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
            return compile_reference_path(value) if reference else compile_path(value)
        except ValueError as exc:
            self.problem(f"{pointer}/{key}", f"{key}: {exc}", label)
            return None

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
