"""Building (and validating) each state type from its JSON."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..expressions.assign import JsonataCondition
from ..expressions.jsonata import JsonataTemplate, compile_expression, is_expression
from ..expressions.jsonpath.choice import ChoiceRule, compile_rule
from ..timestamps import parse_timestamp
from .distributed import read_distributed
from .model import (
    ChoiceState,
    FailState,
    Machine,
    MapState,
    ParallelState,
    PassState,
    ResourceKind,
    State,
    SucceedState,
    TaskState,
    WaitState,
)
from .reader import ALLOWED_FIELDS, JSONATA_FIELDS, MISSING, Reader
from .resources import classify_resource
from .retry_catch import read_catch, read_retry

LANGUAGES = ("JSONPath", "JSONata")
BuildMachine = Callable[[Reader, Any, str, str], Machine | None]


class StateBuilder:
    """Builds the states of one definition; `resources` collects the Task resource kinds used."""

    def __init__(self, reader: Reader, build_machine: BuildMachine, language: str = "JSONPath"):
        self.r = reader
        self.build_machine = build_machine
        self.language = language  # the state machine's QueryLanguage, which states inherit
        self.resources: set[ResourceKind] = set()
        self.uses_objects = False  # some distributed Map has an ItemReader or a ResultWriter

    def _language(self, raw: dict[str, Any], pointer: str, label: str) -> str:
        language = raw.get("QueryLanguage", self.language)
        if language not in LANGUAGES:
            self.r.problem(
                f"{pointer}/QueryLanguage", f"QueryLanguage must be JSONPath or JSONata, got {language!r}", label
            )
            return self.language
        if self.language == "JSONata" and language == "JSONPath":
            # The guide: a state may opt into JSONata in a JSONPath state machine, not the other way round.
            self.r.problem(
                f"{pointer}/QueryLanguage",
                "a state cannot use JSONPath when the state machine's QueryLanguage is JSONata",
                label,
            )
        return str(language)

    def _value_or_expression(
        self, raw: dict[str, Any], key: str, pointer: str, label: str, language: str, **number: Any
    ) -> tuple[Any, JsonataTemplate | None]:
        """A numeric field that a JSONata state may also give as a `{% %}` expression."""
        if language == "JSONata" and is_expression(raw.get(key)):
            return MISSING, self.r.jsonata(raw, key, pointer, label)
        return self.r.number(raw, key, pointer, label, **number), None

    def build(self, name: str, raw: Any, pointer: str) -> State | None:
        r = self.r
        if not isinstance(raw, dict):
            r.problem(pointer, f"state {name!r} must be an object")
            return None
        kind = raw.get("Type")
        if kind not in ALLOWED_FIELDS:
            r.problem(
                f"{pointer}/Type",
                f"state {name!r}: unknown or unsupported Type {kind!r} (supported: {', '.join(ALLOWED_FIELDS)})",
            )
            return None
        label = f"state {name!r} ({kind})"
        language = self._language(raw, pointer, label)
        allowed = JSONATA_FIELDS[kind] if language == "JSONata" else ALLOWED_FIELDS[kind]
        r.fields(raw, allowed, pointer, label, language)
        common: dict[str, Any] = {"name": name, "type": kind, "pointer": pointer, "language": language}
        if kind != "Fail":
            common["input_path"] = r.path(raw, "InputPath", pointer, label)
            common["output_path"] = r.path(raw, "OutputPath", pointer, label)
        if "Assign" in allowed:
            common["assign"] = r.assign(raw, pointer, label, language)
        if "Output" in allowed:
            common["output"] = r.jsonata(raw, "Output", pointer, label)
        if "Next" in ALLOWED_FIELDS[kind]:
            common["next"] = self._transition(raw, pointer, label)
        builder = getattr(self, f"_{kind.lower()}")
        return builder(raw, pointer, label, common)

    def _transition(self, raw: dict[str, Any], pointer: str, label: str) -> str | None:
        has_next, end = "Next" in raw, raw.get("End", MISSING)
        if end is not MISSING and end is not True:
            self.r.problem(f"{pointer}/End", f"End must be true when given, got {end!r}", label)
        if has_next and end is True:
            self.r.problem(pointer, "a state cannot have both Next and End", label)
        elif not has_next and end is not True:
            self.r.problem(pointer, 'a non-terminal state needs Next or "End": true', label)
        return self.r.string(raw, "Next", pointer, label) if has_next else None

    def _results(self, raw: dict[str, Any], pointer: str, label: str, common: dict[str, Any]) -> dict[str, Any]:
        r = self.r
        return {
            **common,
            "parameters": r.template(raw, "Parameters", pointer, label),
            "arguments": r.jsonata(raw, "Arguments", pointer, label),
            "result_selector": r.template(raw, "ResultSelector", pointer, label),
            "result_path": r.path(raw, "ResultPath", pointer, label, reference=True),
            "retry": read_retry(r, raw, pointer, label),
            "catch": read_catch(r, raw, pointer, label, common["language"]),
        }

    def _task(self, raw: dict[str, Any], pointer: str, label: str, common: dict[str, Any]) -> State:
        r = self.r
        kind = classify_resource(r, raw, pointer, label)
        if kind is not None:
            self.resources.add(kind)
        r.exclusive(raw, ("TimeoutSeconds", "TimeoutSecondsPath"), pointer, label)
        timeout, timeout_expression = self._value_or_expression(
            raw, "TimeoutSeconds", pointer, label, common["language"], minimum=0, exclusive=True
        )
        return TaskState(
            timeout_expression=timeout_expression,
            **self._results(raw, pointer, label, common),
            resource=raw.get("Resource", ""),
            kind=kind or ResourceKind.LAMBDA_FUNCTION,
            timeout_seconds=None if timeout is MISSING else float(timeout),
            timeout_seconds_path=r.path(
                raw, "TimeoutSecondsPath", pointer, label, reference=True, default=None, nullable=False
            ),
        )

    def _pass(self, raw: dict[str, Any], pointer: str, label: str, common: dict[str, Any]) -> State:
        r = self.r
        return PassState(
            **common,
            parameters=r.template(raw, "Parameters", pointer, label),
            result_path=r.path(raw, "ResultPath", pointer, label, reference=True),
            has_result="Result" in raw,
            result=raw.get("Result"),
        )

    def _choice(self, raw: dict[str, Any], pointer: str, label: str, common: dict[str, Any]) -> State:
        r = self.r
        rules = raw.get("Choices")
        compiled: list[ChoiceRule] = []
        if not isinstance(rules, list) or not rules:
            r.problem(f"{pointer}/Choices", "Choices must be a non-empty array of rules", label)
            rules = []
        language = common["language"]
        for index, rule in enumerate(rules):
            where = f"{pointer}/Choices/{index}"
            if language == "JSONata":
                choice = self._jsonata_rule(rule, where, label)
                if choice is not None:
                    compiled.append(choice)
                continue
            found: list[tuple[str, str]] = []
            plain = {k: v for k, v in rule.items() if k != "Assign"} if isinstance(rule, dict) else rule
            condition = compile_rule(plain, where, found, top=True)
            for at, message in found:
                r.problem(at, message, label)
            assign = r.assign(rule, where, label, language) if isinstance(rule, dict) else None
            if condition is not None and not found:
                compiled.append(ChoiceRule(condition, rule["Next"], assign))
        return ChoiceState(**common, choices=tuple(compiled), default=r.string(raw, "Default", pointer, label))

    def _jsonata_rule(self, rule: Any, where: str, label: str) -> ChoiceRule | None:
        """A JSONata Choice rule: Condition (a {% %} expression giving a boolean), Next, Assign, Output."""
        r = self.r
        if not isinstance(rule, dict):
            r.problem(where, f"a Choice rule must be an object, got {rule!r}", label)
            return None
        r.fields(rule, {"Condition", "Next", "Assign", "Output", "Comment"}, where, label, "JSONata")
        condition = rule.get("Condition")
        target = r.string(rule, "Next", where, label, required=True)
        if not is_expression(condition):
            r.problem(
                f"{where}/Condition", f"a JSONata Choice rule needs a Condition '{{% ... %}}', got {condition!r}", label
            )
            return None
        try:
            expression = compile_expression(str(condition))
        except ValueError as exc:
            r.problem(f"{where}/Condition", str(exc), label)
            return None
        assign = r.assign(rule, where, label, "JSONata")
        return ChoiceRule(JsonataCondition(expression), target or "", assign, r.jsonata(rule, "Output", where, label))

    def _wait(self, raw: dict[str, Any], pointer: str, label: str, common: dict[str, Any]) -> State:
        r = self.r
        given = [k for k in ("Seconds", "SecondsPath", "Timestamp", "TimestampPath") if k in raw]
        if len(given) != 1:
            r.problem(
                pointer,
                f"a Wait needs exactly one of Seconds, SecondsPath, Timestamp, TimestampPath; got {given}",
                label,
            )
        seconds, seconds_expression = self._value_or_expression(
            raw, "Seconds", pointer, label, common["language"], minimum=0
        )
        timestamp = raw.get("Timestamp")
        timestamp_expression = None
        if common["language"] == "JSONata" and is_expression(timestamp):
            timestamp_expression, timestamp = r.jsonata(raw, "Timestamp", pointer, label), None
        if timestamp is not None and (not isinstance(timestamp, str) or parse_timestamp(timestamp) is None):
            r.problem(f"{pointer}/Timestamp", f"Timestamp must be an RFC 3339 timestamp, got {timestamp!r}", label)
        return WaitState(
            **common,
            seconds=None if seconds is MISSING else float(seconds),
            seconds_path=r.path(raw, "SecondsPath", pointer, label, reference=True, default=None, nullable=False),
            timestamp=timestamp,
            timestamp_path=r.path(raw, "TimestampPath", pointer, label, reference=True, default=None, nullable=False),
            seconds_expression=seconds_expression,
            timestamp_expression=timestamp_expression,
        )

    def _succeed(self, raw: dict[str, Any], pointer: str, label: str, common: dict[str, Any]) -> State:
        return SucceedState(**common)

    def _fail(self, raw: dict[str, Any], pointer: str, label: str, common: dict[str, Any]) -> State:
        r = self.r
        r.exclusive(raw, ("Error", "ErrorPath"), pointer, label)
        r.exclusive(raw, ("Cause", "CausePath"), pointer, label)
        expressions = {
            key: r.jsonata(raw, key, pointer, label)
            for key in ("Error", "Cause")
            if common["language"] == "JSONata" and is_expression(raw.get(key))
        }
        return FailState(
            **common,
            error=None if "Error" in expressions else r.string(raw, "Error", pointer, label),
            cause=None if "Cause" in expressions else r.string(raw, "Cause", pointer, label),
            error_expression=expressions.get("Error"),
            cause_expression=expressions.get("Cause"),
            error_path=r.path_or_intrinsic(raw, "ErrorPath", pointer, label),
            cause_path=r.path_or_intrinsic(raw, "CausePath", pointer, label),
        )

    def _parallel(self, raw: dict[str, Any], pointer: str, label: str, common: dict[str, Any]) -> State:
        branches = raw.get("Branches")
        machines = []
        if not isinstance(branches, list) or not branches:
            self.r.problem(f"{pointer}/Branches", "Branches must be a non-empty array", label)
            branches = []
        for index, branch in enumerate(branches):
            machine = self.build_machine(self.r, branch, f"{pointer}/Branches/{index}", "branch")
            if machine is not None:
                machines.append(machine)
        return ParallelState(**self._results(raw, pointer, label, common), branches=tuple(machines))

    def _map(self, raw: dict[str, Any], pointer: str, label: str, common: dict[str, Any]) -> State:
        r = self.r
        r.exclusive(raw, ("ItemSelector", "Parameters"), pointer, label)
        r.exclusive(raw, ("ItemProcessor", "Iterator"), pointer, label)
        r.exclusive(raw, ("MaxConcurrency", "MaxConcurrencyPath"), pointer, label)
        key = "ItemProcessor" if "ItemProcessor" in raw else "Iterator"
        processor = None
        if key not in raw:
            r.problem(pointer, "a Map needs an ItemProcessor (or the legacy Iterator)", label)
        else:
            # The legacy Iterator takes what an ItemProcessor takes, ProcessorConfig included.
            processor = self.build_machine(r, raw[key], f"{pointer}/{key}", "processor")
        results = self._results({k: v for k, v in raw.items() if k != "Parameters"}, pointer, label, common)
        selector_key = "ItemSelector" if "ItemSelector" in raw else "Parameters"
        jsonata = common["language"] == "JSONata"
        concurrency, concurrency_expression = self._value_or_expression(
            raw, "MaxConcurrency", pointer, label, common["language"], minimum=0
        )
        r.language = common["language"]
        distributed = read_distributed(r, raw, pointer, label, common["name"])
        if distributed is not None and (distributed.reader is not None or distributed.writer is not None):
            self.uses_objects = True
        return MapState(
            **results,
            items_path=r.path(raw, "ItemsPath", pointer, label, reference=True, nullable=False),
            item_selector=None if jsonata else r.template(raw, selector_key, pointer, label),
            item_selector_jsonata=r.jsonata(raw, "ItemSelector", pointer, label) if jsonata else None,
            items=r.jsonata(raw, "Items", pointer, label),
            max_concurrency_expression=concurrency_expression,
            processor=processor,
            max_concurrency=0 if concurrency is MISSING else concurrency,
            max_concurrency_path=r.path(
                raw, "MaxConcurrencyPath", pointer, label, reference=True, default=None, nullable=False
            ),
            distributed=distributed,
        )
