"""The composition root: the one place that reads `settings.profile` and picks the adapters behind each port.

`PROFILES` maps each profile to its builder (`adapters/local`, `adapters/cloud`); a builder returns an
`Adapters` whose ports are built lazily, on first use, so a Lambda only pays for the clients its stage
touches. Handlers get the process-wide instance from `current()`; tests and the local runtime may
`install()` their own (`build(settings, tagger=MyTagger())` replaces a named port).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from familyplus.adapters import cloud, local
from familyplus.adapters.base import Adapters
from familyplus.settings import Settings, load_settings

__all__ = ["PROFILES", "Adapters", "build", "current", "install"]


def _cloud(settings: Settings, **overrides: object) -> Adapters:
    # Off AWS, with no DynamoDB table, the provider-call cache is a SQLite file in data_dir (the local
    # profile's implementation, handed over here so that the cloud adapters never import the local ones).
    return cloud.build(settings, local_idempotency=local.sqlite_idempotency_layer, **overrides)


PROFILES: dict[str, Callable[..., Adapters]] = {"local": local.build, "cloud": _cloud}


def build(settings: Settings, **overrides: object) -> Adapters:
    """The adapters of `settings.profile`; `overrides` replace named ports (tests, fault injection)."""
    return PROFILES[settings.profile](settings, **overrides)


_lock = threading.Lock()
_current: Adapters | None = None


def current() -> Adapters:
    """The process-wide adapters (built once per cold start)."""
    global _current
    with _lock:
        if _current is None:
            _current = build(load_settings())
        return _current


def install(adapters: Adapters | None) -> None:
    """Replace the process-wide adapters (local runtime, tests); None resets to settings on next use."""
    global _current
    with _lock:
        _current = adapters
