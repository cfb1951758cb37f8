"""Payload templates: Parameters, ResultSelector and ItemSelector.

A key ending in `.$` takes its value from a path (`$.x` against the data, `$$.x` against the context
object) or an intrinsic call; other values are copied as they are. Templates are compiled once at load
time; constant sub-trees are kept as-is (the engine never mutates values, so they can be shared).
"""

from __future__ import annotations

from typing import Any

from ...errors import STATES_RUNTIME, StatesFailure
from ..env import Env
from .intrinsics import Call, evaluate, is_intrinsic, parse_intrinsic
from .paths import JsonPath, PathNotFound, compile_path


class Template:
    """A compiled payload template; `evaluate(data, env)` builds the payload."""

    __slots__ = ("_node", "constant")

    def __init__(self, node: Any, constant: bool):
        self._node = node
        self.constant = constant

    def evaluate(self, data: Any, env: Env) -> Any:
        return self._node if self.constant else _eval(self._node, data, env)


class _Obj:
    __slots__ = ("items",)

    def __init__(self, items: list[tuple[str, Any, bool]]):
        self.items = items  # (key, node, node_is_dynamic)


class _Arr:
    __slots__ = ("items",)

    def __init__(self, items: list[tuple[Any, bool]]):
        self.items = items


class _Ref:
    __slots__ = ("field", "path")

    def __init__(self, field: str, path: JsonPath):
        self.field = field
        self.path = path


class _Fn:
    __slots__ = ("call", "field")

    def __init__(self, field: str, call: Call):
        self.field = field
        self.call = call


def compile_template(value: Any, pointer: str, problems: list[tuple[str, str]]) -> Template:
    """Compile a template; problems get (pointer, message) for each invalid `.$` field."""
    node, dynamic = _compile(value, pointer, problems)
    return Template(node, not dynamic)


def _compile(value: Any, pointer: str, problems: list[tuple[str, str]]) -> tuple[Any, bool]:
    if isinstance(value, dict):
        items: list[tuple[str, Any, bool]] = []
        any_dynamic = False
        plain_keys = {k for k in value if not k.endswith(".$")}
        for key, sub in value.items():
            where = f"{pointer}/{_escape(key)}"
            if key.endswith(".$"):
                name = key[:-2]
                if name in plain_keys:
                    problems.append((where, f"both {name!r} and {key!r} are given"))
                    continue
                node = _compile_dynamic(name, sub, where, problems)
                if node is not None:
                    items.append((name, node, True))
                    any_dynamic = True
            else:
                child, dynamic = _compile(sub, where, problems)
                items.append((key, child, dynamic))
                any_dynamic = any_dynamic or dynamic
        if not any_dynamic:
            return value, False
        return _Obj(items), True
    if isinstance(value, list):
        compiled = [_compile(sub, f"{pointer}/{i}", problems) for i, sub in enumerate(value)]
        if not any(dynamic for _, dynamic in compiled):
            return value, False
        return _Arr(compiled), True
    return value, False


def _compile_dynamic(name: str, text: Any, where: str, problems: list[tuple[str, str]]) -> Any:
    if not isinstance(text, str):
        problems.append((where, f"a field ending in '.$' must be a path or intrinsic string, got {text!r}"))
        return None
    try:
        if is_intrinsic(text):
            return _Fn(name, parse_intrinsic(text))
        return _Ref(name, compile_path(text))
    except ValueError as exc:
        problems.append((where, str(exc)))
        return None


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _eval(node: Any, data: Any, env: Env) -> Any:
    if isinstance(node, _Obj):
        return {key: (_eval(sub, data, env) if dynamic else sub) for key, sub, dynamic in node.items}
    if isinstance(node, _Arr):
        return [_eval(sub, data, env) if dynamic else sub for sub, dynamic in node.items]
    if isinstance(node, _Ref):
        try:
            return env.resolve(node.path, data)
        except PathNotFound:
            # AWS's wording (a context object path too, LocalStack reproduces), without the input it appends: a
            # family's words never go into an error.
            raise StatesFailure(
                STATES_RUNTIME,
                f"{env.where()} The JSONPath '{node.path.text}' specified for the field '{node.field}.$' could not "
                "be found in the input",
            ) from None
    if isinstance(node, _Fn):
        return evaluate(node.call, data, env)
    return node
