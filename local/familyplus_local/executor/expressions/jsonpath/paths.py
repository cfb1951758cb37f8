"""JSONPath for ASL: reading Paths and writing Reference Paths (ResultPath).

ASL distinguishes *reference paths* (definite: only `.name`, `['name']` and `[index]` steps; they address
one node) from general *paths* (may use `*`, `..`, slices and filters; they select a list of nodes).
Definite paths are parsed and walked here by hand because that is the hot path of every state transition
and because ResultPath needs a setter, which jsonpath-ng does not offer with copy-on-write semantics.
Indefinite paths are delegated to jsonpath-ng's extended parser (filters like `[?(@.x > 1)]`) and, like
AWS (Jayway JsonPath), return the list of matches.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from jsonpath_ng.ext import parse as _jsonpath_parse


class PathNotFound(Exception):
    """A definite path selected nothing in the data."""


class PathMatchFailure(Exception):
    """A reference path cannot be written into the data (an intermediate node is not an object/array)."""


Step = str | int

_NAME_STOP = set(".[")
_VARIABLE = re.compile(r"^\$((?!\d)\w+)")
_NOT_IN_NAME = set("()?@*,:'\" \t\n")


class JsonPath:
    """A compiled JSONPath. `context` is True for `$$...` paths (read against the context object)."""

    __slots__ = ("_expr", "context", "steps", "text", "variable")

    def __init__(
        self, text: str, context: bool, steps: tuple[Step, ...] | None, expr: Any = None, variable: str | None = None
    ):
        self.text = text
        self.context = context
        self.steps = steps
        self._expr = expr
        self.variable = variable  # `$name.a.b`: read from the workflow variable `name`

    def read_variable(self, variables: Any) -> Any:
        """Read a `$name...` path from the workflow variables (PathNotFound if `name` is not set)."""
        assert self.variable is not None
        try:
            value = variables.lookup(self.variable) if variables is not None else None
        except KeyError:
            value = None
            variables = None
        if variables is None:
            raise PathNotFound(f"no workflow variable ${self.variable} is set (path {self.text!r})")
        return self.read(value)

    @property
    def definite(self) -> bool:
        return self.steps is not None

    @property
    def is_root(self) -> bool:
        return self.steps == () and not self.context and self.variable is None

    def read(self, data: Any) -> Any:
        """The selected value (definite path) or the list of matches (indefinite path)."""
        steps = self.steps
        if steps is None:
            return [match.value for match in self._expr.find(data)]
        node = data
        for step in steps:
            if type(step) is str:
                if type(node) is dict and step in node:
                    node = node[step]
                    continue
            elif type(node) is list and -len(node) <= step < len(node):  # type: ignore[operator]
                node = node[step]  # type: ignore[index]
                continue
            raise PathNotFound(f"no results for path {self.text!r}")
        return node

    def exists(self, data: Any) -> bool:
        try:
            self.read(data)
        except PathNotFound:
            return False
        return True

    def assign(self, data: Any, value: Any) -> Any:
        """Return a copy of `data` with `value` written at this reference path (creating missing objects).
        `data` itself is never mutated: history events keep references to earlier values."""
        if self.steps is None:
            raise PathMatchFailure(f"{self.text!r} is not a reference path")
        return _assign(data, self.steps, value, self.text)

    def __repr__(self) -> str:
        return f"JsonPath({self.text!r})"


def _assign(node: Any, steps: tuple[Step, ...], value: Any, text: str) -> Any:
    if not steps:
        return value
    step, rest = steps[0], steps[1:]
    if isinstance(step, str):
        if not isinstance(node, dict):
            raise PathMatchFailure(f"cannot set {text!r}: {_kind(node)} found where an object is needed")
        copy = dict(node)
        copy[step] = _assign(node.get(step, {}) if rest else None, rest, value, text)
        return copy
    if not isinstance(node, list) or not -len(node) <= step < len(node):
        raise PathMatchFailure(f"cannot set {text!r}: index {step} is not in an existing array")
    items = list(node)
    items[step] = _assign(node[step], rest, value, text)
    return items


def _kind(node: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}.get(
        type(node), "null" if node is None else "a number"
    )


@lru_cache(maxsize=4096)
def compile_path(text: str) -> JsonPath:
    """Compile a Path (`$...` or `$$...`); ValueError if it is not valid JSONPath."""
    if not isinstance(text, str) or not text.startswith("$"):
        raise ValueError(f"a path must be a string starting with '$', got {text!r}")
    context = text.startswith("$$")
    body = text[2:] if context else text[1:]
    variable = None
    named = _VARIABLE.match(text)
    if named:  # `$name...`: a workflow variable, then an ordinary path into its value
        variable, body = named.group(1), text[named.end() :]
    steps = _parse_definite(body)
    if steps is not None:
        return JsonPath(text, context, steps, variable=variable)
    try:
        expr = _jsonpath_parse("$" + body)
    except Exception as exc:  # jsonpath-ng raises several exception types for syntax errors
        raise ValueError(f"invalid JSONPath {text!r}: {exc}") from None
    return JsonPath(text, context, None, expr, variable=variable)


def compile_reference_path(text: str) -> JsonPath:
    """Compile a Reference Path (definite, as ResultPath/ItemsPath/...Path fields require)."""
    path = compile_path(text)
    if not path.definite:
        raise ValueError(
            f"{text!r} is not a reference path (only '.name', \"['name']\" and '[index]' steps are allowed)"
        )
    return path


def _parse_definite(body: str) -> tuple[Step, ...] | None:
    """Steps of a definite path body (text after `$`), or None if the path uses indefinite syntax."""
    steps: list[Step] = []
    i, n = 0, len(body)
    while i < n:
        char = body[i]
        if char == ".":
            if body.startswith("..", i):
                return None
            j = i + 1
            while j < n and body[j] not in _NAME_STOP:
                j += 1
            name = body[i + 1 : j]
            if not name or any(c in _NOT_IN_NAME for c in name):
                return None
            steps.append(name)
            i = j
        elif char == "[":
            parsed = _parse_bracket(body, i)
            if parsed is None:
                return None
            step, i = parsed
            steps.append(step)
        else:
            return None
    return tuple(steps)


def _parse_bracket(body: str, i: int) -> tuple[Step, int] | None:
    """Parse `['name']`, `["name"]` or `[3]` starting at body[i] == '['; return (step, next index)."""
    n = len(body)
    if i + 1 < n and body[i + 1] in "'\"":
        # Like AWS (Jayway JsonPath), a backslash is kept in the name: $['a\"b'] names the key a\"b. It still
        # stops the quote after it from closing the name.
        quote, j, chars = body[i + 1], i + 2, []
        while j < n and body[j] != quote:
            if body[j] == "\\" and j + 1 < n:
                chars.append(body[j])
                j += 1
            chars.append(body[j])
            j += 1
        if j + 1 >= n or body[j + 1] != "]":
            return None
        return "".join(chars), j + 2
    end = body.find("]", i)
    if end < 0:
        return None
    inner = body[i + 1 : end].strip()
    if inner.lstrip("-").isdigit():
        return int(inner), end + 1
    return None
