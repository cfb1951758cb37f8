"""Offline wisdom extractor: finds advice (imperatives, "you should", "always …") and lessons ("I learned",
"taught me") sentence by sentence, and tags each with the lexicon."""

from __future__ import annotations

import re
from collections.abc import Sequence

from familyplus.adapters.local.lexicon_tagger import LexiconValueTagger
from familyplus.models.response import WisdomItem
from familyplus.text import sentences

_IMPERATIVE_START = re.compile(
    r"^(?:and |so |but )?(?:always|never|don't|do not|be|remember|take|keep|treat|trust|save|listen|love|"
    r"work|find|make|give|learn|stay|try|hold|forgive|spend|appreciate|cherish|help|look|call|tell|pay)\b",
    re.I,
)
_ADVICE = re.compile(
    r"\b(?:you should|you have to|you've got to|you need to|you must|make sure|the secret (?:is|was)|"
    r"my advice|if i could tell|always said|used to say|told me to|the key is|never forget)\b",
    re.I,
)
_LESSON = re.compile(
    r"\b(?:i learned|i've learned|we learned|taught me|the lesson|i realized|i understood|"
    r"that's when i knew|i know now|showed me that|it made me)\b",
    re.I,
)


class AdviceWisdomExtractor:
    """The `WisdomExtractor` port, offline: pattern rules over sentences; lessons win over advice."""

    def __init__(self) -> None:
        self._tagger = LexiconValueTagger(min_score=0.0)

    def extract(self, text: str, vocabulary: Sequence[str]) -> list[WisdomItem]:
        items: list[WisdomItem] = []
        for span in sentences(text):
            sentence = span.text
            if sentence.endswith("?") or len(sentence.split()) < 4:
                continue
            if _LESSON.search(sentence):
                kind = "lesson"
            elif _ADVICE.search(sentence) or _IMPERATIVE_START.search(sentence):
                kind = "advice"
            else:
                continue
            tags = [t.tag for t in self._tagger.tag(sentence, vocabulary)][:3]
            items.append(WisdomItem(text=sentence, kind=kind, tags=tags))
        return items
