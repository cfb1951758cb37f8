"""Intrinsic functions (`States.Format(...)`, `States.Array(...)`, ...): `parser` reads a call at load time,
`evaluator` runs it at each step, `functions` is the library of the States.* functions themselves."""

from .evaluator import evaluate
from .parser import Call, is_intrinsic, parse_intrinsic

__all__ = ["Call", "evaluate", "is_intrinsic", "parse_intrinsic"]
