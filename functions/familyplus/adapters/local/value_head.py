"""A learned view of each value for the offline tagger: one logistic regression per value on the answer's
sentence vector, trained on labelled stories written for it (training/value_stories.json), never on the
evaluation set.

Zero-shot similarity to a short description knows what a value's words mean but not where readers draw its
borders (a story that mentions a son is not thereby about family; chopping wood for a widower is kindness,
not hard work). A few hundred labelled stories teach those borders. The head is fitted by
`bench/fit_tagger.py --head` and stored in `value_head.json` beside this module with the hashes of the model
weights and of the training file it came from: a head made for other vectors is refused, and a test fails
when the training stories change without a refit.

Fitting is plain Newton's method per value (769 parameters, under two thousand rows): numpy does it in a second,
and no learning library is a dependency of the local profile.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from familyplus.errors import ConfigurationError

HEAD_PATH = Path(__file__).with_name("value_head.json")


@dataclass(frozen=True)
class ValueHead:
    tags: tuple[str, ...]
    #: one row per tag: the weights on the vector's dimensions
    weights: np.ndarray
    bias: np.ndarray

    def logits(self, vector: np.ndarray) -> dict[str, float]:
        scores = self.weights @ vector + self.bias
        return {tag: float(score) for tag, score in zip(self.tags, scores, strict=True)}

    def best_logits(self, vectors: np.ndarray) -> dict[str, float]:
        """Each tag's highest logit over the rows of `vectors` (e.g. an answer's sentences; 0 with none)."""
        if not len(vectors):
            return dict.fromkeys(self.tags, 0.0)
        scores = (self.weights @ vectors.T).max(axis=1) + self.bias
        return {tag: float(score) for tag, score in zip(self.tags, scores, strict=True)}


def logistic_regression(x: np.ndarray, y: np.ndarray, ridge: np.ndarray, tolerance: float = 1e-8) -> np.ndarray:
    """Weights minimising the logistic loss of `x` (rows, with a bias column) against 0/1 `y`, plus the
    penalty wᵀ·ridge·w/2: Newton's method, which converges in a handful of steps at these sizes."""
    w = np.zeros(x.shape[1])
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-x @ w))
        step = np.linalg.solve(x.T @ (x * (p * (1 - p))[:, None]) + ridge, x.T @ (p - y) + ridge @ w)
        w -= step
        if np.abs(step).max() < tolerance:
            break
    return w


def fit_head(vectors: np.ndarray, labels: Sequence[set[str]], tags: Sequence[str], penalty: float) -> ValueHead:
    """One L2-regularised logistic regression per tag (the bias unpenalised)."""
    x = np.c_[vectors, np.ones(len(vectors))]
    ridge = penalty * np.eye(x.shape[1])
    ridge[-1, -1] = 0.0
    fitted = np.array(
        [logistic_regression(x, np.array([tag in label for label in labels], dtype=float), ridge) for tag in tags]
    )
    return ValueHead(tuple(tags), fitted[:, :-1].astype(np.float32), fitted[:, -1].astype(np.float32))


def head_document(head: ValueHead, **provenance: Any) -> dict[str, Any]:
    """What `value_head.json` holds: provenance (model, hashes, penalty) and the rounded weights."""
    return {
        **provenance,
        "values": {
            tag: {"bias": round(float(b), 6), "weights": [round(float(v), 6) for v in row]}
            for tag, row, b in zip(head.tags, head.weights, head.bias, strict=True)
        },
    }


def load_head(weights_sha256: str, path: Path = HEAD_PATH) -> ValueHead:
    """The stored head.

    Raises:
        ConfigurationError: the file is missing or malformed, or the head was fitted on another model's vectors.
    """
    if not path.exists():
        raise ConfigurationError(f"{path.name} is missing: fit it with bench/fit_tagger.py --head")
    try:
        document = json.loads(path.read_text("utf-8"))
        values = document["values"]
        tags = tuple(values)
        weights = np.array([values[t]["weights"] for t in tags], dtype=np.float32)
        bias = np.array([values[t]["bias"] for t in tags], dtype=np.float32)
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigurationError(f"{path.name} is not a value head: {exc}") from exc
    if document.get("model_weights_sha256") != weights_sha256:
        raise ConfigurationError(
            f"{path.name} was fitted on another model's vectors (weights sha256 "
            f"{document.get('model_weights_sha256')}, this model {weights_sha256}): refit with "
            "bench/fit_tagger.py --head"
        )
    return ValueHead(tags, weights, bias)
