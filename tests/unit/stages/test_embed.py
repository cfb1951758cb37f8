"""The embed stage stores one unit vector per response: its words, with the question they answer folded in."""

from __future__ import annotations

import math
from pathlib import Path

from familyplus.adapters.local.sqlite_store import SqliteStore
from familyplus.models.response import ResponseEvent, ResponseRecord
from familyplus.stages import embed
from tests.support import AxisEmbedder

AXES = ("ship", "country")


class Ports:
    def __init__(self, store: SqliteStore) -> None:
        self.store, self.embedder = store, AxisEmbedder(AXES, 4)


def embedded(tmp_path: Path, prompt: str | None) -> tuple[SqliteStore, list[float]]:
    """The stored vector's cosine with each axis (the store's search)."""
    store = SqliteStore(tmp_path / "s.db")
    store.save_response(ResponseRecord(id="r1", family_id="f1", media_type="text", prompt=prompt, text="The ship."))
    out = embed.run(ResponseEvent(response_id="r1", family_id="f1"), Ports(store))
    assert (out.model, out.dimensions) == ("axes-4", 4)
    [ship] = store.search([1.0, 0.0, 0.0, 0.0], family_id="f1", limit=1)
    [country] = store.search([0.0, 1.0, 0.0, 0.0], family_id="f1", limit=1)
    return store, [ship.score, country.score]


def test_the_question_is_folded_in_at_a_quarter_weight_and_the_vector_stays_unit(tmp_path: Path) -> None:
    _, (ship, country) = embedded(tmp_path, "How did you come to this country?")
    # words → (1, 0), question → (0, 1): (1, 0.25) normalised
    assert math.isclose(ship, round(1 / math.sqrt(1.0625), 4), abs_tol=1e-4)
    assert math.isclose(country, round(0.25 / math.sqrt(1.0625), 4), abs_tol=1e-4)


def test_without_a_question_the_vector_is_the_words_alone(tmp_path: Path) -> None:
    for i, prompt in enumerate((None, "   ")):
        (tmp_path / str(i)).mkdir()
        _, (ship, country) = embedded(tmp_path / str(i), prompt)
        assert (ship, country) == (1.0, 0.0)


def test_with_prompt_keeps_unit_length_and_an_answer_alone_unchanged() -> None:
    total = embed.with_prompt([0.6, 0.8], [1.0, 0.0])
    assert math.isclose(math.hypot(*total), 1.0)
    assert embed.with_prompt([0.6, 0.8], None) == [0.6, 0.8]
