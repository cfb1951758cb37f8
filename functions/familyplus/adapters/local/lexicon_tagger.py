"""Offline value tagger: counts lexicon cue words per tag and keeps the tags with enough evidence."""

from __future__ import annotations

import math
from collections.abc import Sequence

from familyplus.adapters.local.lexicon import LEXICON
from familyplus.models.response import ValueTag
from familyplus.text import stem, words


class LexiconValueTagger:
    """The `ValueTagger` port, offline. Score = 1 − e^(−hits/2): one cue ≈ 0.39, three ≈ 0.78."""

    def __init__(self, *, min_score: float = 0.35) -> None:
        self.min_score = min_score

    def tag(self, text: str, vocabulary: Sequence[str]) -> list[ValueTag]:
        tokens = words(text)
        stems = [stem(token) for token in tokens]
        tags: list[ValueTag] = []
        for tag in vocabulary:
            cues = LEXICON.get(tag, frozenset())
            evidence = sorted({token for token, s in zip(tokens, stems, strict=True) if s in cues})
            hits = sum(1 for s in stems if s in cues)
            score = round(1.0 - math.exp(-hits / 2.0), 3)
            if hits and score >= self.min_score:
                tags.append(ValueTag(tag=tag, score=score, evidence=evidence[:5]))
        return sorted(tags, key=lambda t: (-t.score, t.tag))
