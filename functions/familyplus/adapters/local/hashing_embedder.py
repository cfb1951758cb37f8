"""Offline embedder: feature hashing of stemmed words and word pairs into a fixed-size unit vector.

Not a neural model: two texts are close when they share (stemmed) words and phrases. That is enough for
local semantic search over a family's stories, deterministic, and needs no download.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from collections import Counter
from collections.abc import Sequence

import numpy as np

from familyplus.text import content_words, stem


class HashingEmbedder:
    """The `Embedder` port, offline: signed feature hashing (Weinberger et al. 2009), log term weights."""

    def __init__(self, dimensions: int = 1536) -> None:
        self.dimensions = dimensions
        self.model = f"offline-hashing-v1-{dimensions}"

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return [self._embed_one(text).tolist() for text in texts]

    def _embed_one(self, text: str) -> np.ndarray:
        stems = [stem(w) for w in content_words(text)]
        features: Counter[str] = Counter(stems)
        features.update(f"{a} {b}" for a, b in itertools.pairwise(stems))
        vector = np.zeros(self.dimensions, dtype=np.float64)
        for feature, count in features.items():
            digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
            value = int.from_bytes(digest, "little")
            index = value % self.dimensions
            sign = 1.0 if (value >> 63) & 1 else -1.0
            weight = (1.0 + math.log(count)) * (0.5 if " " in feature else 1.0)
            vector[index] += sign * weight
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm > 0 else vector
