"""`Assign` in both query languages, and the JSONata Choice `Condition`.

JSONPath: an object whose `key.$` values are paths or intrinsic functions, read against the state's result
(Task, Parallel, Map), its Result/Parameters (Pass), its input (Choice, Wait) or the error output (Catch), plus
`$$` and `$name` variables. JSONata: any JSON value with `{% %}` expressions, reading `$states` and variables.
Either way the keys are the variable names; the values are all evaluated before any variable is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import STATES_QUERY_EVALUATION_ERROR, StatesFailure
from .env import Env
from .jsonata import Expression, JsonataTemplate
from .jsonpath.template import Template


@dataclass(frozen=True)
class AssignSpec:
    template: Template | JsonataTemplate

    def evaluate(self, data: Any, env: Env) -> dict[str, Any]:
        if isinstance(self.template, JsonataTemplate):
            values = self.template.evaluate(env, "Assign")
        else:
            values = self.template.evaluate(data, env)
        return dict(values) if isinstance(values, dict) else {}


@dataclass(frozen=True)
class JsonataCondition:
    """A JSONata Choice rule's `Condition`: it must evaluate to true or false."""

    expression: Expression

    def test(self, data: Any, env: Env) -> bool:
        value = self.expression.evaluate(env, "Condition")
        if not isinstance(value, bool):
            raise StatesFailure(
                STATES_QUERY_EVALUATION_ERROR,
                f"The Condition '{self.expression.source}' returned a non-boolean value: {value!r}",
            )
        return value
