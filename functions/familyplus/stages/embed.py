"""embed: a vector of the response's words for semantic search."""

from __future__ import annotations

from typing import Protocol

from familyplus.errors import PermanentError
from familyplus.models.response import EmbedOutput, ResponseEvent
from familyplus.ports import Embedder, Store
from familyplus.stages._common import load_words

STAGE = "embed"


class EmbedPorts(Protocol):
    @property
    def store(self) -> Store: ...
    @property
    def embedder(self) -> Embedder: ...


def run(event: ResponseEvent, ports: EmbedPorts) -> EmbedOutput:
    words = load_words(ports.store, event.response_id, STAGE)
    [vector] = ports.embedder.embed([words])
    if len(vector) != ports.embedder.dimensions:
        raise PermanentError(
            f"embedder {ports.embedder.model} returned {len(vector)} dimensions, expected {ports.embedder.dimensions}",
            stage=STAGE,
        )
    ports.store.save_embedding(event.response_id, event.family_id, ports.embedder.model, vector)
    return EmbedOutput(response_id=event.response_id, model=ports.embedder.model, dimensions=len(vector))
