"""Semantic search over a family's responses, with a relevance floor and the reason each story matched.

The store ranks by cosine similarity; this module decides what counts as a match. A nonsense or empty
query gets no hits rather than the five "least unrelated" stories, and each hit carries the sentence of
the answer closest in meaning to the query, so a reader sees why it came up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from familyplus.errors import NotFoundError
from familyplus.ports import Embedder, Store
from familyplus.text import sentences


class SearchPorts(Protocol):
    @property
    def store(self) -> Store: ...
    @property
    def embedder(self) -> Embedder: ...


@dataclass(frozen=True)
class SearchMatch:
    response_id: str
    family_id: str
    score: float
    #: The answer's sentence closest to the query (the reason it matched).
    why: str
    why_score: float


def relevance_floor(embedder: Embedder) -> float:
    """The embedder's cosine floor for a hit (an optional attribute: each model's scale differs, and the
    cloud embedder, without one, keeps every ranked hit)."""
    return float(getattr(embedder, "relevance_floor", 0.0))


# Reranking: the store's cosine ranks whole answers (each with its question folded in: stages/embed.py); the
# best single sentence's similarity, weighted by this, is added for the top candidates, so one specific memory
# in a long answer counts. Weight and candidate count chosen on the evaluation set's tune split by mean
# reciprocal rank (bench/quality.py), with two-sentence windows tried in place of sentences (no better there,
# twice the cost). The closest sentence is computed anyway, to say why it matched.
RERANK_WEIGHT = 0.5
RERANK_CANDIDATES = 20


def search(
    query: str,
    ports: SearchPorts,
    *,
    family_id: str | None = None,
    limit: int = 5,
    min_score: float | None = None,
    explain: bool = True,
) -> list[SearchMatch]:
    """Matches, best first. A story matches when its whole answer, or one of its sentences, scores at least
    `min_score` (default: the embedder's floor): "Save a little from every paycheck" answers "tips for
    saving money" even inside a long story about a bakery.

    With `explain` (the default) each candidate's closest sentence is found — it is shown as the reason, and
    reranks the top candidates; `explain=False` ranks and floors by the store's cosine alone (one embedding)."""
    if not query.strip() or limit <= 0:
        return []
    floor = relevance_floor(ports.embedder) if min_score is None else min_score
    [vector] = ports.embedder.embed([query])
    if not explain:
        hits = ports.store.search(vector, family_id=family_id, limit=limit)
        return [SearchMatch(h.response_id, h.family_id, h.score, h.snippet, h.score) for h in hits if h.score >= floor]
    matches = []
    for hit in ports.store.search(vector, family_id=family_id, limit=max(limit, RERANK_CANDIDATES)):
        why, why_score = _closest_sentence(np.asarray(vector), _words(ports.store, hit.response_id), ports.embedder)
        if max(hit.score, why_score) >= floor:
            matches.append(SearchMatch(hit.response_id, hit.family_id, hit.score, why or hit.snippet, why_score))
    matches.sort(key=lambda m: -(m.score + RERANK_WEIGHT * m.why_score))
    return matches[:limit]


def _words(store: Store, response_id: str) -> str:
    try:
        return store.get_response(response_id).words
    except NotFoundError:  # deleted between the ranking and now
        return ""


def _closest_sentence(query: np.ndarray, words: str, embedder: Embedder) -> tuple[str, float]:
    spans: Sequence[str] = [s.text for s in sentences(words)]
    if not spans:
        return "", 0.0
    matrix = np.asarray(embedder.embed(list(spans)))
    scores = matrix @ query
    best = int(np.argmax(scores))
    return spans[best], round(float(scores[best]), 4)
