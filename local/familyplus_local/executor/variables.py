"""Workflow variables (`Assign`, read as `$name`): the scopes they live in.

AWS's rules, followed here: the top-level states of an execution share one scope; each Parallel branch and each
inline Map iteration runs in a scope of its own that reads the enclosing scopes; a distributed Map's child
executions start with an empty scope (the guide: child workflows cannot read the parent's variables; pass
values in through ItemSelector). A state's new values take effect when it leaves: every expression of the state
(Arguments, Output, Assign itself) sees the values the variables had when it was entered. A scope cannot write a
variable of an enclosing scope, and nothing assigned inside a branch or iteration is visible after it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from typing import Any

from .errors import STATES_RUNTIME, StatesFailure
from .quotas import check_variables, payload_size

# The guide: a variable name starts with a letter or an underscore (Unicode letters included), then letters,
# digits and underscores, at most 80 characters; `states` is reserved for $states.
NAME = re.compile(r"^(?!\d)\w{1,80}$")
RESERVED = frozenset({"states"})


def name_problem(name: Any) -> str | None:
    """Why `name` cannot be a variable name, or None."""
    if not isinstance(name, str) or not NAME.match(name):
        return f"{name!r} is not a valid variable name (a letter or _, then letters, digits or _; 1-80 characters)"
    if name in RESERVED:
        return f"{name!r} is reserved (it names the $states variable)"
    return None


class Scope:
    """One level of variables; reads fall through to the enclosing scope."""

    __slots__ = ("_lock", "_sizes", "_values", "parent")

    def __init__(self, parent: Scope | None = None, values: Mapping[str, Any] | None = None):
        self.parent = parent
        self._values: dict[str, Any] = dict(values or {})
        self._sizes = {name: payload_size(value) for name, value in self._values.items()}
        self._lock = threading.Lock()

    def child(self) -> Scope:
        return Scope(self)

    def lookup(self, name: str) -> Any:
        """The value of `name`; KeyError if no enclosing scope has it."""
        scope: Scope | None = self
        while scope is not None:
            with scope._lock:
                if name in scope._values:
                    return scope._values[name]
            scope = scope.parent
        raise KeyError(name)

    def visible(self) -> dict[str, Any]:
        """Every variable this scope can read (inner values hide outer ones)."""
        chain: list[Scope] = []
        scope: Scope | None = self
        while scope is not None:
            chain.append(scope)
            scope = scope.parent
        merged: dict[str, Any] = {}
        for level in reversed(chain):
            with level._lock:
                merged.update(level._values)
        return merged

    def own(self) -> dict[str, Any]:
        with self._lock:
            return dict(self._values)

    def assign(self, values: Mapping[str, Any], state: str) -> None:
        """Write all of `values` at once (they were all evaluated before any is written)."""
        outer = self.parent.visible() if self.parent is not None else {}
        for name in values:
            if name in outer:
                raise StatesFailure(
                    STATES_RUNTIME,
                    f"An error occurred while executing the state '{state}'. The variable '{name}' belongs to an "
                    "outer scope and cannot be assigned from inside a Parallel branch or Map iteration.",
                )
        sizes = {name: payload_size(value) for name, value in values.items()}
        with self._lock:
            kept = sum(size for name, size in self._sizes.items() if name not in values)
            check_variables(sizes, self._outer_bytes() + kept, state)
            self._values.update(values)
            self._sizes.update(sizes)

    def _outer_bytes(self) -> int:
        """Bytes held by the enclosing scopes: with this scope's own, what the execution holds in the variables
        this branch can see (a finished branch's variables are gone, as its scope is)."""
        total = 0
        scope = self.parent
        while scope is not None:
            with scope._lock:
                total += sum(scope._sizes.values())
            scope = scope.parent
        return total
