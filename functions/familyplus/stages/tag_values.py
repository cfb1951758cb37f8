"""tag_values: value tags for the response, from the controlled vocabulary only."""

from __future__ import annotations

from typing import Protocol

from familyplus.models.response import ResponseEvent, TagValuesOutput
from familyplus.ports import Store, ValueTagger
from familyplus.stages._common import in_vocabulary, load_words
from familyplus.vocabulary import VALUE_TAGS

STAGE = "tag_values"


class TagValuesSettings(Protocol):
    @property
    def max_tags(self) -> int: ...


class TagValuesPorts(Protocol):
    @property
    def store(self) -> Store: ...
    @property
    def tagger(self) -> ValueTagger: ...
    @property
    def settings(self) -> TagValuesSettings: ...


def run(event: ResponseEvent, ports: TagValuesPorts) -> TagValuesOutput:
    words = load_words(ports.store, event.response_id, STAGE)
    proposed = sorted(ports.tagger.tag(words, VALUE_TAGS), key=lambda t: -t.score)
    allowed = set(in_vocabulary(t.tag for t in proposed))
    kept, seen = [], set()
    for tag in proposed:  # whatever a provider answers, only vocabulary tags are stored, once each
        if tag.tag in allowed and tag.tag not in seen:
            kept.append(tag)
            seen.add(tag.tag)
    kept = kept[: ports.settings.max_tags]
    ports.store.replace_value_tags(event.response_id, kept)
    return TagValuesOutput(response_id=event.response_id, tags=[t.tag for t in kept])
