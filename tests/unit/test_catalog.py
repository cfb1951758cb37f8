"""The catalog's per-stage flags are the single source of each stage's IAM grants: keep them true to the code."""

from __future__ import annotations

import importlib
import inspect
import typing

from familyplus.adapters.cloud import CloudAdapters
from familyplus.catalog import STAGES


def _ports_used(stage: str) -> set[str]:
    """The ports a stage's `run` asks for: the members of the Protocol its `ports` parameter is typed with."""
    run = importlib.import_module(f"familyplus.stages.{stage}").run
    protocol = typing.get_type_hints(run)["ports"]
    return {name for name, _ in inspect.getmembers(protocol) if not name.startswith("_")}


def _cached_ports() -> set[str]:
    """The cloud profile's ports that go through the provider-call cache (built with `cached(...)`)."""
    return {
        name
        for name, member in vars(CloudAdapters).items()
        if hasattr(member, "func") and "cached(" in inspect.getsource(member.func)
    }


def test_the_cached_ports_are_the_provider_calls() -> None:
    assert _cached_ports() == {"embedder", "tagger", "wisdom", "writer", "quotes", "podcast_writer"}


def test_provider_cache_flag_marks_exactly_the_stages_that_use_a_cached_port() -> None:
    cached = _cached_ports()
    for spec in STAGES:
        assert spec.provider_cache is bool(_ports_used(spec.name) & cached), spec.name
