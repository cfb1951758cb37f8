"""The evaluation environment of one state step: the lazily built context object (`$$`) and the rng.

Shared by the query languages, so it knows paths only by what it needs of them (`Path` below)."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol, cast


class Path(Protocol):
    """A compiled path (`jsonpath.paths.JsonPath`): read against the data, or the context object if `context`."""

    @property
    def context(self) -> bool: ...

    def read(self, data: Any) -> Any: ...


class Evaluated(Protocol):
    """A JSONata value standing where a `...Path` field would be (`jsonata.JsonataValue`)."""

    def evaluate_in(self, env: Env, data: Any) -> Any: ...


class Variables(Protocol):
    """The workflow variables a step can read (`variables.Scope`)."""

    def lookup(self, name: str) -> Any: ...

    def visible(self) -> dict[str, Any]: ...


MISSING: Any = object()


class Env:
    """Resolves `$...` paths against the data, `$$...` paths against the context object, which is only
    built when a path actually needs it (most steps never do), and `$name...` paths against the workflow
    variables. For JSONata, it also holds what `$states` shows: the state input, and the result and error
    output once the state has them."""

    __slots__ = (
        "_context",
        "_factory",
        "entered_id",
        "jsonata_states",
        "now",
        "rng",
        "state",
        "states_error_output",
        "states_input",
        "states_result",
        "variables",
    )

    def __init__(
        self,
        factory: Callable[[], dict[str, Any]] | None,
        rng: random.Random,
        variables: Variables | None = None,
        states_input: Any = None,
    ):
        self._factory = factory
        self._context: dict[str, Any] | None = None
        self.rng = rng
        self.variables = variables
        self.states_input = states_input
        self.states_result: Any = MISSING
        self.states_error_output: Any = MISSING
        self.state: str | None = None  # the state this step belongs to, and the id of its StateEntered event
        self.entered_id: int | None = None
        self.now: datetime | None = None  # the run's clock at this step (JSONata's $now and $millis)
        self.jsonata_states: tuple[Any, dict[str, Any]] | None = None  # $states, converted for jsonata-python

    def where(self, state: str | None = None) -> str:
        """How AWS begins the cause of a States.Runtime error: "An error occurred while executing the state 'X'
        (entered at the event id #N)." """
        name = state or self.state or ""
        entered = f" (entered at the event id #{self.entered_id})" if self.entered_id is not None else ""
        return f"An error occurred while executing the state '{name}'{entered}."

    def context(self) -> dict[str, Any]:
        if self._context is None:
            self._context = self._factory() if self._factory else {}
        return self._context

    def resolve(self, path: Path | Evaluated, data: Any) -> Any:
        """Read `path`; raises paths.PathNotFound when a definite path selects nothing (or names a variable
        that is not set)."""
        evaluate = getattr(path, "evaluate_in", None)  # a JSONata value standing where a *Path field would be
        if evaluate is not None:
            return evaluate(self, data)
        read = cast(Path, path)  # only JSONata values have evaluate_in
        if getattr(read, "variable", None) is not None:
            return read.read_variable(self.variables)  # type: ignore[attr-defined]
        return read.read(self.context() if read.context else data)
