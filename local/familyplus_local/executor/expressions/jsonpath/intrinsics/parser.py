"""The intrinsic call syntax (`"key.$": "States.Format('{}', $.x)"`), parsed and checked at load time.

Arguments may be string literals in single quotes (escape `'`, `{`, `}` and `\\` with a backslash), numbers,
`true`/`false`/`null`, paths (`$.x`, `$$.Execution.Id`) and nested calls (AWS allows 10 levels). Function
names and arities are checked against `functions.FUNCTIONS`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..paths import JsonPath, compile_path
from . import functions as fns

MAX_NESTING = 10


@dataclass(frozen=True)
class Literal:
    value: Any
    raw: str | None = None  # a string literal as written (escapes kept), for States.Format


@dataclass(frozen=True)
class PathArg:
    path: JsonPath


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Literal | PathArg | Call, ...]


Arg = Literal | PathArg | Call

_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")
_NAME = re.compile(r"States\.[A-Za-z0-9]+")


def is_intrinsic(text: str) -> bool:
    return text.lstrip().startswith("States.")


def parse_intrinsic(text: str) -> Call:
    """Parse and check (function names, arity) an intrinsic call; ValueError naming the problem."""
    parser = _Parser(text)
    call = parser.call(depth=1)
    parser.skip_ws()
    if parser.i != len(text):
        raise ValueError(f"unexpected {text[parser.i :]!r} after the intrinsic call in {text!r}")
    return call


class _Parser:
    def __init__(self, text: str):
        self.s = text
        self.i = 0

    def error(self, what: str) -> ValueError:
        return ValueError(f"{what} at position {self.i} of intrinsic {self.s!r}")

    def skip_ws(self) -> None:
        while self.i < len(self.s) and self.s[self.i].isspace():
            self.i += 1

    def call(self, depth: int) -> Call:
        if depth > MAX_NESTING:
            raise self.error(f"more than {MAX_NESTING} nested intrinsic functions")
        self.skip_ws()
        match = _NAME.match(self.s, self.i)
        if not match:
            raise self.error("expected an intrinsic function name like States.Format")
        name = match.group()
        spec = fns.FUNCTIONS.get(name)
        if spec is None:
            raise self.error(f"unknown intrinsic function {name!r} (known: {', '.join(sorted(fns.FUNCTIONS))})")
        self.i = match.end()
        self.skip_ws()
        if not self.s.startswith("(", self.i):
            raise self.error(f"expected '(' after {name}")
        self.i += 1
        args: list[Arg] = []
        self.skip_ws()
        if self.s.startswith(")", self.i):
            self.i += 1
        else:
            while True:
                args.append(self.arg(depth))
                self.skip_ws()
                if self.s.startswith(",", self.i):
                    self.i += 1
                    continue
                if self.s.startswith(")", self.i):
                    self.i += 1
                    break
                raise self.error("expected ',' or ')'")
        low, high = spec.arity
        if len(args) < low or (high is not None and len(args) > high):
            expected = f"{low}" if low == high else f"{low}..{high if high is not None else 'n'}"
            raise self.error(f"{name} takes {expected} argument(s), got {len(args)}")
        return Call(name, tuple(args))

    def arg(self, depth: int) -> Arg:
        self.skip_ws()
        s, i = self.s, self.i
        if i >= len(s):
            raise self.error("missing argument")
        if s[i] == "'":
            return self.string()
        if s[i] == "$":
            return PathArg(self.path())
        if s.startswith("States.", i):
            return self.call(depth + 1)
        for word, value in (("true", True), ("false", False), ("null", None)):
            if s.startswith(word, i):
                self.i += len(word)
                return Literal(value)
        match = _NUMBER.match(s, i)
        if match:
            self.i = match.end()
            text = match.group()
            return Literal(float(text) if any(c in text for c in ".eE") else int(text))
        raise self.error("expected a 'string', number, true/false/null, path or States.* call")

    def string(self) -> Literal:
        s, start = self.s, self.i + 1
        j, chars = start, []
        while j < len(s) and s[j] != "'":
            if s[j] == "\\" and j + 1 < len(s):
                j += 1
            chars.append(s[j])
            j += 1
        if j >= len(s):
            raise self.error("unterminated string literal")
        self.i = j + 1
        return Literal("".join(chars), raw=s[start:j])

    def path(self) -> JsonPath:
        s, start, depth, quote = self.s, self.i, 0, ""
        j = start
        while j < len(s):
            c = s[j]
            if quote:
                quote = "" if c == quote else quote
            elif c in "'\"":
                quote = c
            elif c in "[(":
                depth += 1
            elif c in "])":
                if depth == 0:
                    break
                depth -= 1
            elif c == "," and depth == 0:
                break
            j += 1
        text = s[start:j].strip()
        self.i = j
        try:
            return compile_path(text)
        except ValueError as exc:
            raise self.error(str(exc)) from None
