"""Search decides what counts as a match: a relevance floor, the reason a story matched, and vectors of
any model's dimension in the local store (the offline model's 384, the cloud's 1536)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from familyplus.adapters.local.sqlite_store import SqliteStore
from familyplus.models.response import ResponseRecord
from familyplus.search import search
from tests.support import AxisEmbedder

AXES = ("wedding", "ship", "bread", "money")


class Ports:
    def __init__(self, store: SqliteStore, embedder: AxisEmbedder) -> None:
        self.store, self.embedder = store, embedder


def stocked(tmp_path: Path) -> Ports:
    store, embedder = SqliteStore(tmp_path / "s.db"), AxisEmbedder(AXES, 384, relevance_floor=0.3)
    answers = {
        "r-wedding": "We danced all night. It was the wedding of the year, the best wedding.",
        "r-ship": "The ship took eleven days. I was sick on the ship. We lived on bread.",
        "r-bread": "My uncle baked bread.",
    }
    for rid, text in answers.items():
        store.save_response(ResponseRecord(id=rid, family_id="f1", media_type="text", text=text))
        [vector] = embedder.embed([text])
        store.save_embedding(rid, "f1", embedder.model, vector)
    return Ports(store, embedder)


def test_hits_above_the_floor_best_first_with_the_sentence_that_matched(tmp_path: Path) -> None:
    ports = stocked(tmp_path)
    hits = search("the ship", ports, limit=5)
    assert [h.response_id for h in hits] == ["r-ship"]  # r-bread scores 0 on "ship": below the floor
    assert hits[0].why == "The ship took eleven days."
    assert hits[0].why_score == 1.0


def test_nonsense_or_empty_queries_get_no_hits(tmp_path: Path) -> None:
    ports = stocked(tmp_path)
    assert search("quantum chromodynamics", ports) == []
    assert search("", ports) == []
    assert search("   ", ports) == []
    assert search("bread", ports, limit=0) == []


def test_an_explicit_floor_overrides_the_embedders(tmp_path: Path) -> None:
    ports = stocked(tmp_path)
    assert {h.response_id for h in search("bread", ports, min_score=-1.0, limit=5)} == {
        "r-bread",
        "r-ship",
        "r-wedding",
    }


def test_vectors_of_another_dimension_are_not_compared(tmp_path: Path) -> None:
    """Given a store holding 1536-d vectors of an older model beside 384-d ones, a 384-d query ranks only
    the 384-d vectors (and never fails on the shape)."""
    ports = stocked(tmp_path)
    ports.store.save_response(ResponseRecord(id="r-old", family_id="f1", media_type="text", text="wedding"))
    old = np.zeros(1536)
    old[0] = 1.0
    ports.store.save_embedding("r-old", "f1", "offline-hashing-v1-1536", old.tolist())
    assert [h.response_id for h in search("wedding", ports, limit=5)] == ["r-wedding"]


def test_family_filter(tmp_path: Path) -> None:
    ports = stocked(tmp_path)
    assert search("bread", ports, family_id="someone-else") == []
