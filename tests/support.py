"""Test helpers shared by the suites: bench-script loading, a toy embedder, flaky ports, sample events."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from familyplus.errors import TransientError

BENCH = Path(__file__).resolve().parent.parent / "bench"


def load_bench(name: str) -> ModuleType:
    """A script of bench/ as a module, importable as when run (its folder first on sys.path)."""
    sys.path.insert(0, str(BENCH))
    try:
        spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[f"bench_{name}"] = module
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(BENCH))


class AxisEmbedder:
    """A toy `Embedder`: one axis per known word (its count), at unit length, so expected scores are obvious."""

    def __init__(self, axes: Sequence[str], dimensions: int, relevance_floor: float = 0.0) -> None:
        self.axes, self.dimensions, self.relevance_floor = tuple(axes), dimensions, relevance_floor
        self.model = f"axes-{dimensions}"

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        out = []
        for text in texts:
            v = np.zeros(self.dimensions)
            for i, word in enumerate(self.axes):
                v[i] = text.lower().count(word)
            norm = np.linalg.norm(v)
            out.append((v / norm if norm else v).tolist())
        return out


class FlakyPort:
    """Wraps a port: the first `failures` calls of `method` raise TransientError, later calls delegate."""

    def __init__(self, inner: Any, method: str, failures: int) -> None:
        self.inner, self.method, self.failures, self.calls = inner, method, failures, 0

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.inner, name)
        if name != self.method:
            return attribute

        def flaky(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            if self.calls <= self.failures:
                raise TransientError(f"simulated provider outage (call {self.calls})")
            return attribute(*args, **kwargs)

        return flaky


TEXT = (
    "My first job was at my uncle's bakery. He always said, finish the job you started, even when nobody "
    "is watching. I learned that mistakes are how you get good at something. I saved every paycheck and "
    "bought my mother a winter coat."
)


def response(response_id: str = "r1", **overrides: object) -> dict[str, Any]:
    return {
        "responseId": response_id,
        "familyId": "f1",
        "mediaType": "text",
        "text": TEXT,
        "prompt": "Tell us about your first job",
        **overrides,
    }


def forbid_network(monkeypatch: Any) -> list[Any]:
    """Make every way of opening a connection fail (and offline hub mode on); returns the attempts made, so a
    test can assert that nothing even tried."""
    import socket

    attempts: list[Any] = []

    def no_network(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise OSError("network disabled by the test")

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket.socket, "connect_ex", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    return attempts
