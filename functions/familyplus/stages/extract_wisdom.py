"""extract_wisdom: advice and life lessons in the response, tagged from the controlled vocabulary."""

from __future__ import annotations

from typing import Protocol

from familyplus.models.response import ExtractWisdomOutput, ResponseEvent
from familyplus.ports import Store, WisdomExtractor
from familyplus.stages._common import in_vocabulary, load_words
from familyplus.vocabulary import VALUE_TAGS

STAGE = "extract_wisdom"


class ExtractWisdomPorts(Protocol):
    @property
    def store(self) -> Store: ...
    @property
    def wisdom(self) -> WisdomExtractor: ...


def run(event: ResponseEvent, ports: ExtractWisdomPorts) -> ExtractWisdomOutput:
    words = load_words(ports.store, event.response_id, STAGE)
    items = [
        item.model_copy(update={"tags": in_vocabulary(item.tags)})
        for item in ports.wisdom.extract(words, VALUE_TAGS)
        if item.text.strip()
    ]
    ports.store.replace_wisdom(event.response_id, items)
    return ExtractWisdomOutput(response_id=event.response_id, count=len(items))
