"""Evaluating a parsed intrinsic call against the state's data and context object.

A failing call raises States.IntrinsicFailure; a path argument that selects nothing raises States.Runtime.
"""

from __future__ import annotations

from typing import Any

from ....errors import STATES_INTRINSIC_FAILURE, STATES_RUNTIME, StatesFailure
from ...env import Env
from ..paths import PathNotFound
from . import functions as fns
from .parser import Arg, Call, Literal, PathArg


def evaluate(call: Call, data: Any, env: Env) -> Any:
    """Evaluate a parsed call; StatesFailure(States.IntrinsicFailure) if a function rejects its arguments."""
    values = [_value(arg, data, env) for arg in call.args]
    spec = fns.FUNCTIONS[call.name]
    try:
        return spec.fn(values, call.args, env.rng)
    except fns.IntrinsicArgumentError as exc:
        raise StatesFailure(STATES_INTRINSIC_FAILURE, f"Invalid arguments in {call.name}: {exc}") from None


def _value(arg: Arg, data: Any, env: Env) -> Any:
    if isinstance(arg, Literal):
        return arg.value
    if isinstance(arg, PathArg):
        try:
            return env.resolve(arg.path, data)
        except PathNotFound:
            # LocalStack's words for a path that selects nothing, without the input it appends.
            raise StatesFailure(
                STATES_RUNTIME, f"{env.where()} The JSONPath '{arg.path.text}' could not be found in the input"
            ) from None
    return evaluate(arg, data, env)
