"""Helpers shared by several stages."""

from __future__ import annotations

from collections.abc import Iterable

from familyplus.errors import PermanentError
from familyplus.ports import Store
from familyplus.vocabulary import VALUE_TAGS


def load_words(store: Store, response_id: str, stage: str) -> str:
    """The response's words (transcript or text), marking the row as being in `stage`."""
    response = store.get_response(response_id)
    words = response.words
    if not words.strip():
        raise PermanentError(f"response {response_id!r} has no words to process", stage=stage, field="text")
    store.update_progress(response_id, status="processing", stage=stage)
    return words


def in_vocabulary(tags: Iterable[str]) -> list[str]:
    """Tags from the controlled vocabulary only, first occurrence kept, order preserved."""
    seen: list[str] = []
    for tag in tags:
        if tag in VALUE_TAGS and tag not in seen:
            seen.append(tag)
    return seen
