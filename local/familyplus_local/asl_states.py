"""Every state of an Amazon States Language definition, at any depth: the one walk the console, the task
catalog and the benchmarks share (the executor's loader has its own, which also validates)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any


def all_states(definition: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(name, state) in document order, recursing into Parallel branches and Map processors
    (`ItemProcessor`, or the legacy `Iterator`)."""
    for name, state in definition.get("States", {}).items():
        yield name, state
        for branch in state.get("Branches", []):
            yield from all_states(branch)
        processor = state.get("ItemProcessor") or state.get("Iterator")
        if processor:
            yield from all_states(processor)
