"""Input and output processing, in AWS order:
InputPath → Parameters → (the state's work) → ResultSelector → ResultPath → OutputPath."""

from __future__ import annotations

from typing import Any

from ...errors import STATES_RESULT_PATH_MATCH_FAILURE, STATES_RUNTIME, StatesFailure
from ..env import Env
from ..jsonata import JsonataValue
from .paths import JsonPath, PathMatchFailure, PathNotFound
from .template import Template


def select(path: JsonPath | None, data: Any, env: Env, field: str, state: str) -> Any:
    """Apply InputPath/OutputPath: null gives {}, `$` the data itself; a path selecting nothing is a
    States.Runtime error (the execution fails, as in AWS)."""
    if path is None:
        return {}
    if path.is_root:
        return data
    try:
        return env.resolve(path, data)
    except PathNotFound:
        # AWS's wording: "Invalid path '$.a' : No results for path: $['a']" (the field is not named).
        raise StatesFailure(
            STATES_RUNTIME, f"{env.where(state)} Invalid path '{path.text}' : No results for path: {_brackets(path)}"
        ) from None


def _brackets(path: JsonPath) -> str:
    """A definite path as Jayway JsonPath prints it in AWS's messages: $['a']['b'][0]."""
    if path.steps is None:
        return path.text
    root = "$$" if path.context else "$"
    return root + "".join(f"[{step}]" if isinstance(step, int) else f"['{step}']" for step in path.steps)


def build(template: Template | None, data: Any, env: Env) -> Any:
    """Apply Parameters/ResultSelector/ItemSelector (absent: the data passes through)."""
    return data if template is None else template.evaluate(data, env)


def merge_result(path: JsonPath | None, state_input: Any, result: Any, state: str) -> Any:
    """Apply ResultPath: null keeps the state input, `$` replaces it, `$.a.b` writes the result into a copy
    of the state input (creating objects); impossible writes raise States.ResultPathMatchFailure."""
    if path is None:
        return state_input
    try:
        return path.assign(state_input, result)
    except PathMatchFailure as exc:
        # The cause names the path and what stood in the way, never the input (a family's words).
        raise StatesFailure(
            STATES_RESULT_PATH_MATCH_FAILURE,
            f"Unable to apply ResultPath '{path.text}' to the input of the state '{state}': {exc}",
        ) from None


def read_value(
    path: JsonPath | JsonataValue, data: Any, env: Env, field: str, state: str, missing: str | None = None
) -> Any:
    """A value for a …Path field (SecondsPath, ErrorPath, ...); States.Runtime if absent, worded as AWS words
    it for InputPath and TimeoutSecondsPath (SecondsPath has its own words, `missing`). In a JSONata
    distributed Map the same fields may be `{% %}` values, read here too."""
    try:
        return env.resolve(path, data)
    except PathNotFound:
        text = getattr(path, "text", field)
        reason = missing or (
            f"Invalid path '{text}' : No results for path: {_brackets(path) if isinstance(path, JsonPath) else text}"
        )
        raise StatesFailure(STATES_RUNTIME, f"{env.where(state)} {reason}") from None
