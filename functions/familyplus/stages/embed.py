"""embed: a vector of the response's words, and of the question they answer, for semantic search."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Protocol

from familyplus.errors import PermanentError
from familyplus.models.response import EmbedOutput, ResponseEvent
from familyplus.ports import Embedder, Store
from familyplus.stages._common import load_words

STAGE = "embed"

# An answer often leaves its topic unsaid because the question said it ("How did you come to this country?"
# → "We left our village in 1951…"), so the question's vector is added to the answer's, at a quarter weight:
# the family's own words stay the larger part. Chosen on the evaluation set's tune split by mean reciprocal
# rank (bench/quality.py) with the all-mpnet-base-v2 embedder: 0 to 1 in steps of a quarter, with the
# search's rerank weight; 0.25 beat the 0.5 chosen with the previous model (tune MRR 0.809 → 0.824).
PROMPT_WEIGHT = 0.25


class EmbedPorts(Protocol):
    @property
    def store(self) -> Store: ...
    @property
    def embedder(self) -> Embedder: ...


def run(event: ResponseEvent, ports: EmbedPorts) -> EmbedOutput:
    words = load_words(ports.store, event.response_id, STAGE)
    prompt = ports.store.get_response(event.response_id).prompt
    vector = response_vector(words, prompt, ports.embedder)
    ports.store.save_embedding(event.response_id, event.family_id, ports.embedder.model, vector)
    return EmbedOutput(response_id=event.response_id, model=ports.embedder.model, dimensions=len(vector))


def response_vector(words: str, prompt: str | None, embedder: Embedder) -> list[float]:
    """The stored vector of an answer: its words', with its question's added (`with_prompt`).

    Raises:
        PermanentError: the embedder returned vectors of another size than it declares.
    """
    prompt = (prompt or "").strip()
    vectors = embedder.embed([words, prompt] if prompt else [words])
    for vector in vectors:
        if len(vector) != embedder.dimensions:
            raise PermanentError(
                f"embedder {embedder.model} returned {len(vector)} dimensions, expected {embedder.dimensions}",
                stage=STAGE,
            )
    return with_prompt(vectors[0], vectors[1] if prompt else None)


def with_prompt(answer: Sequence[float], prompt: Sequence[float] | None) -> list[float]:
    """The answer's vector with the question's added at `PROMPT_WEIGHT`, back to unit length (a search
    compares unit vectors, whatever the embedder). Plain Python: the Lambda layer has no numpy."""
    if prompt is None:
        return list(answer)
    total = [a + PROMPT_WEIGHT * p for a, p in zip(answer, prompt, strict=True)]
    norm = math.sqrt(sum(x * x for x in total))
    return [x / norm for x in total] if norm > 0 else list(answer)
