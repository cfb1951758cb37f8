"""Re-embed stored responses with the current offline model, so search sees them again.

Search compares a query only with vectors of its own size, so responses embedded by an earlier model (the
384-d all-MiniLM-L6-v2 before all-mpnet-base-v2) drop out of search until re-embedded. This writes each
response's vector again exactly as the embed stage does (`embed.response_vector`), without touching its
status, stage or anything else it stored; a response with no words yet (a recording not transcribed) is
skipped and counted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from familyplus.ports import Embedder, Store
from familyplus.stages.embed import response_vector

#: more responses than one machine's archive holds: the store lists by page size, not by cursor
EVERY_RESPONSE = 2**31 - 1


@dataclass(frozen=True)
class Reembedded:
    embedded: int
    #: responses with no words to embed yet (a recording whose transcript is still to come)
    skipped: int
    model: str


def reembed(
    store: Store,
    embedder: Embedder,
    *,
    family_id: str | None = None,
    on_start: Callable[[int], None] = lambda total: None,
    on_progress: Callable[[], None] = lambda: None,
) -> Reembedded:
    responses = store.list_responses(family_id=family_id, limit=EVERY_RESPONSE)
    on_start(len(responses))
    embedded = skipped = 0
    for response in responses:
        if response.words.strip():
            vector = response_vector(response.words, response.prompt, embedder)
            store.save_embedding(response.id, response.family_id, embedder.model, vector)
            embedded += 1
        else:
            skipped += 1
        on_progress()
    return Reembedded(embedded, skipped, embedder.model)
