"""JSONata templates: the value of Arguments, Output, Assign, Items, ItemSelector, ... in a JSONata state. Any
JSON value; every string in it (at any depth) that is a `{% %}` expression is evaluated, other values are copied
as they are; object keys are never evaluated. A field may also be one expression string."""

from __future__ import annotations

from typing import Any

from .expression import Expression, compile_expression, is_expression


class JsonataTemplate:
    __slots__ = ("_node", "constant")

    def __init__(self, node: Any, constant: bool):
        self._node = node
        self.constant = constant

    def evaluate(self, env: Any, field: str) -> Any:
        return self._node if self.constant else _eval(self._node, env, field)

    @property
    def expression_text(self) -> str | None:
        """The expression (without `{% %}`) when the whole field is one, else None."""
        return self._node.text if isinstance(self._node, Expression) else None


class _Obj:
    __slots__ = ("items",)

    def __init__(self, items: list[tuple[str, Any]]):
        self.items = items


class _Arr:
    __slots__ = ("items",)

    def __init__(self, items: list[Any]):
        self.items = items


def compile_jsonata(value: Any, pointer: str, problems: list[tuple[str, str]]) -> JsonataTemplate:
    node, dynamic = _compile(value, pointer, problems)
    return JsonataTemplate(node, not dynamic)


def _compile(value: Any, pointer: str, problems: list[tuple[str, str]]) -> tuple[Any, bool]:
    if is_expression(value):
        try:
            return compile_expression(value), True
        except ValueError as exc:
            problems.append((pointer, str(exc)))
            return value, False
    if isinstance(value, dict):
        items = [(key, *_compile(sub, f"{pointer}/{_escape(key)}", problems)) for key, sub in value.items()]
        if not any(dynamic for _, _, dynamic in items):
            return value, False
        return _Obj([(key, node) for key, node, _ in items]), True
    if isinstance(value, list):
        compiled = [_compile(sub, f"{pointer}/{i}", problems) for i, sub in enumerate(value)]
        if not any(dynamic for _, dynamic in compiled):
            return value, False
        return _Arr([node for node, _ in compiled]), True
    return value, False


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _eval(node: Any, env: Any, field: str) -> Any:
    """The value of `node`; `field` names where it is as AWS's errors do ("Arguments/Input/key", "Output[0]")."""
    if isinstance(node, Expression):
        return node.evaluate(env, field)
    if isinstance(node, _Obj):
        return {key: _eval(sub, env, f"{field}/{key}") for key, sub in node.items}
    if isinstance(node, _Arr):
        return [_eval(sub, env, f"{field}[{index}]") for index, sub in enumerate(node.items)]
    return node


class JsonataPayload:
    """A JSONata template where the JSONPath code builds a payload (`processing.build`): a distributed Map's
    ItemReader/ResultWriter Arguments and BatchInput. `$states.input` is the data it is built from."""

    __slots__ = ("field", "template")

    def __init__(self, template: JsonataTemplate, field: str):
        self.template = template
        self.field = field

    def evaluate(self, data: Any, env: Any) -> Any:
        env.states_input = data
        return self.template.evaluate(env, self.field)


class JsonataValue:
    """A `{% %}` value where the JSONPath code reads a `...Path` field (`processing.read_value`): MaxItems,
    MaxItemsPerBatch, MaxInputBytesPerBatch, ToleratedFailureCount/Percentage in a JSONata distributed Map."""

    __slots__ = ("expression", "field", "text")
    context = False
    variable = None

    def __init__(self, expression: Expression, field: str):
        self.expression = expression
        self.field = field
        self.text = expression.source

    def evaluate_in(self, env: Any, data: Any) -> Any:
        env.states_input = data
        return self.expression.evaluate(env, self.field)
