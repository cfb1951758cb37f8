"""The evaluation environment of one state step: the lazily built context object (`$$`) and the rng.

Shared by the query languages, so it knows paths only by what it needs of them (`Path` below)."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any, Protocol


class Path(Protocol):
    """A compiled path (`jsonpath.paths.JsonPath`): read against the data, or the context object if `context`."""

    @property
    def context(self) -> bool: ...

    def read(self, data: Any) -> Any: ...


class Env:
    """Resolves `$...` paths against the data and `$$...` paths against the context object, which is only
    built when a path actually needs it (most steps never do)."""

    __slots__ = ("_context", "_factory", "rng")

    def __init__(self, factory: Callable[[], dict[str, Any]] | None, rng: random.Random):
        self._factory = factory
        self._context: dict[str, Any] | None = None
        self.rng = rng

    def context(self) -> dict[str, Any]:
        if self._context is None:
            self._context = self._factory() if self._factory else {}
        return self._context

    def resolve(self, path: Path, data: Any) -> Any:
        """Read `path`; raises paths.PathNotFound when a definite path selects nothing."""
        return path.read(self.context() if path.context else data)
