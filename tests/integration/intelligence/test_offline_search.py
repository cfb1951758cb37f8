"""Search by meaning on the bundled samples with the offline model (the cases a new user tried)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from familyplus.adapters.local.sentence_embedder import SentenceEmbedder
from familyplus.adapters.local.sqlite_store import SqliteStore
from familyplus.models.response import ResponseRecord
from familyplus.search import search

SAMPLES = Path(__file__).resolve().parents[3] / "samples" / "text_responses.json"


class Ports:
    def __init__(self, store: SqliteStore) -> None:
        self.store, self.embedder = store, SentenceEmbedder()


@pytest.fixture(scope="module")
def ports(tmp_path_factory: pytest.TempPathFactory) -> Ports:
    store = SqliteStore(tmp_path_factory.mktemp("search") / "s.db")
    ports = Ports(store)
    for sample in json.loads(SAMPLES.read_text("utf-8")):
        store.save_response(
            ResponseRecord(
                id=sample["responseId"], family_id=sample["familyId"], media_type="text", text=sample["text"]
            )
        )
        [vector] = ports.embedder.embed([sample["text"]])
        store.save_embedding(sample["responseId"], sample["familyId"], ports.embedder.model, vector)
    return ports


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("marriage ceremony", "sample-wedding"),
        ("immigrating to America by boat", "sample-crossing"),
        ("tips for saving money", "sample-first-job"),
        ("working at a bakery as a teenager", "sample-first-job"),
    ],
)
def test_a_paraphrase_finds_its_story_first(ports: Ports, query: str, expected: str) -> None:
    hits = search(query, ports, limit=3)
    assert hits and hits[0].response_id == expected


def test_the_reason_is_the_sentence_closest_in_meaning(ports: Ports) -> None:
    [hit] = search("tips for saving money", ports, limit=1)
    assert "paycheck" in hit.why


@pytest.mark.parametrize("query", ["", "asdf qwerty zxcv", "kubernetes pod autoscaling yaml"])
def test_nonsense_finds_nothing(ports: Ports, query: str) -> None:
    assert search(query, ports) == []
