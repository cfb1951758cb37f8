"""One JSONata expression of a JSONata state: a string `{% ... %}` (no space before `{%` or after `%}`, as the
guide requires), compiled when the definition is loaded and evaluated with `$states` and the workflow variables
bound.

`$states` is {input, context} plus `result` once the state has one (Task, Parallel, Map) and `errorOutput` in a
Catch. An expression that fails, or gives nothing (JSONata's undefined, which JSON cannot carry), is a
States.QueryEvaluationError. Evaluation is not thread-safe in jsonata-python, so each thread keeps its own
compiled copy of each expression.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

from jsonata import jexception, parser, utils
from jsonata import jsonata as _jsonata

from ...errors import STATES_QUERY_EVALUATION_ERROR, StatesFailure
from .functions import FunctionError, bindings

MISSING: Any = object()
_NULL = utils.Utils.NULL_VALUE
_local = threading.local()


def is_expression(value: Any) -> bool:
    return isinstance(value, str) and len(value) >= 4 and value.startswith("{%") and value.endswith("%}")


class Expression:
    """A compiled `{% %}` expression. `uses_states`: it reads $states (so the context object is built)."""

    __slots__ = ("source", "text", "uses_states", "variables")

    def __init__(self, source: str, text: str, variables: frozenset[str]):
        self.source = source
        self.text = text
        self.variables = variables
        self.uses_states = "states" in variables

    def evaluate(self, env: Any, field: str) -> Any:
        """The value (JSON) of the expression in `env` (an expressions.env.Env with `states_*` and `variables`)."""
        compiled = _compiled(self.text)
        values: dict[str, Any] = {}
        visible = env.variables.visible() if env.variables is not None else {}
        for name in self.variables:
            if name in visible:
                values[name] = _to_jsonata(visible[name])
        if self.uses_states:
            values["states"] = _states(env)
        values.update(bindings(env.rng, env.now))
        _jsonata.Jsonata.CURRENT.jsonata = compiled  # jsonata-python's functions look up the running instance
        try:
            result = compiled.evaluate(None, values)
        except (jexception.JException, FunctionError, RecursionError, TypeError, ValueError) as exc:
            raise StatesFailure(
                STATES_QUERY_EVALUATION_ERROR,
                f"An error occurred while evaluating the JSONata expression '{self.text}' in the field "
                f"'{field}': {exc}",
            ) from None
        if result is None:
            raise StatesFailure(
                STATES_QUERY_EVALUATION_ERROR,
                f"The JSONata expression '{self.text}' specified for the field '{field}' returned nothing (undefined).",
            )
        try:
            return _to_json(result)
        except _Unsupported:
            raise StatesFailure(
                STATES_QUERY_EVALUATION_ERROR,
                f"The JSONata expression '{self.text}' specified for the field '{field}' returned an unsupported "
                "result type (a function).",
            ) from None

    def __repr__(self) -> str:
        return f"Expression({self.source!r})"


def _states(env: Any) -> dict[str, Any]:
    """`$states` for this step, converted once per step (a state's expressions share it)."""
    key = (id(env.states_input), id(env.states_result), id(env.states_error_output))
    cached = env.jsonata_states
    if cached is not None and cached[0] == key:
        return cached[1]
    states: dict[str, Any] = {"input": _to_jsonata(env.states_input), "context": _to_jsonata(env.context())}
    if env.states_result is not MISSING:
        states["result"] = _to_jsonata(env.states_result)
    if env.states_error_output is not MISSING:
        states["errorOutput"] = _to_jsonata(env.states_error_output)
    env.jsonata_states = (key, states)
    return states


def compile_expression(source: str) -> Expression:
    """Compile `{% ... %}`; ValueError naming the problem (syntax, `$`/`$$` at the top level, `$eval`)."""
    if not is_expression(source):
        raise ValueError(f"a JSONata expression is written '{{% ... %}}', got {source!r}")
    text = source[2:-2].strip()
    if not text:
        raise ValueError("the JSONata expression '{% %}' is empty")
    try:
        ast = _jsonata.Jsonata(text).ast
    except jexception.JException as exc:
        raise ValueError(f"invalid JSONata expression {text!r}: {exc}") from None
    names: set[str] = set()
    for node, top in _walk(ast, True):
        if node.type == "variable":
            if node.value in ("", "$") and top:
                shown = "$" if node.value == "" else "$$"
                raise ValueError(
                    f"the JSONata expression {text!r} uses {shown} at the top level, which Step Functions does "
                    "not allow: read the state input as $states.input"
                )
            if node.value:
                names.add(node.value)
        if node.type == "function" and getattr(node.procedure, "value", None) == "eval":
            raise ValueError(f"the JSONata expression {text!r} calls $eval, which Step Functions does not provide")
    return Expression(source, text, frozenset(names))


def _walk(node: Any, top: bool) -> Iterator[tuple[Any, bool]]:
    """Every AST node with whether it is evaluated at the top level (not inside a path step after the first,
    a predicate or a function body, where `$` is the current context item)."""
    if isinstance(node, list):
        for item in node:
            yield from _walk(item, top)
        return
    if not isinstance(node, parser.Parser.Symbol):
        return
    yield node, top
    for key, value in vars(node).items():
        if key.startswith("_") or not isinstance(value, parser.Parser.Symbol | list):
            continue
        inner = top
        if key == "steps" and isinstance(value, list):
            for index, step in enumerate(value):
                yield from _walk(step, top and index == 0)
            continue
        if key in ("body", "predicate", "stages", "group", "expr") or node.type == "lambda":
            inner = False
        yield from _walk(value, inner)


def _compiled(text: str) -> Any:
    cache: dict[str, Any] | None = getattr(_local, "cache", None)
    if cache is None:
        cache = _local.cache = {}
    compiled = cache.get(text)
    if compiled is None:
        compiled = cache[text] = _jsonata.Jsonata(text)
        compiled.set_output_convert_nulls(False)  # keep null (NULL_VALUE) apart from undefined (None)
    return compiled


class _Unsupported(Exception):
    pass


def _to_jsonata(value: Any) -> Any:
    """JSON null → JSONata null (None means undefined to jsonata-python)."""
    if value is None:
        return _NULL
    if isinstance(value, dict):
        return {key: _to_jsonata(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_to_jsonata(item) for item in value]
    return value


def _to_json(value: Any) -> Any:
    if value is _NULL:
        return None
    if isinstance(value, dict):
        return {key: _to_json(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_to_json(item) for item in value if item is not None]
    if isinstance(value, bool | str) or value is None:
        return value
    if isinstance(value, int | float):
        return int(value) if isinstance(value, float) and value.is_integer() and abs(value) < 2**53 else value
    if isinstance(value, utils.Utils.RangeList):
        return [_to_json(item) for item in value]
    raise _Unsupported()


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
