"""Loading, validating and compiling ASL definitions."""

from .loader import load_definition
from .model import Machine, ResourceKind, State, StateMachine

__all__ = ["Machine", "ResourceKind", "State", "StateMachine", "load_definition"]
