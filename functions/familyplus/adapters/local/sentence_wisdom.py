"""Offline wisdom extractor: tells advice, lessons and anecdote apart, sentence by sentence.

* advice — guidance to the listener: an imperative ("Save a little from every paycheck", "Don't buy things
  to impress people"), "you should / you have to / make sure", or a saying passed on ("Dad said, …");
* lesson — a truth the speaker learned: "I learned that …", "taught me", or a general statement in the
  present tense about people or life ("Things can be replaced, people can't.", "Love that can wait is love
  that lasts.");
* anecdote — everything else: what happened ("My daughter Ruth drove up from Ohio every weekend"), which is
  the story, not wisdom. Past-tense narration about particular people is never wisdom on its own.

Sentences are judged after spoken-answer cleanup (so "Um, be the person who…" is an imperative), but the
stored item is the sentence as spoken: wisdom, like a quote, keeps the family's words. Each item is tagged
with the values its sentence is most about (the meaning tagger, on that sentence alone).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from familyplus.adapters.local.meaning_tagger import MeaningValueTagger
from familyplus.adapters.local.spoken import clean_sentence
from familyplus.models.response import WisdomItem
from familyplus.text import sentences, words

# Verbs that open advice in the imperative (base form). A list rather than a part-of-speech model: the
# offline profile has no tagger, and these cover how people give advice in their own words.
_IMPERATIVE_VERBS = frozenset(
    """always never don't do be remember take keep treat trust save listen love work find make give learn stay
    try hold forgive spend appreciate cherish help look call tell pay marry pray slow let know say read buy
    read choose think enjoy hug laugh sing dance eat go get stop start ask put leave share follow believe
    respect thank protect speak write visit travel wait watch mind count finish show teach live plant
    accept admit apologize care carry change clean open raise seek serve smile stand turn use walk""".split()
)
# Near the start of the sentence: "where you think you should be" deep inside a statement is not advice.
_ADVICE = re.compile(
    r"^(?:[\w']+[\s,]+){0,3}(?:you should|you shouldn't|you have to|you've got to|you got to|you need to|"
    r"you must|make sure|the secret is|my advice|if i could tell|the key is|don't ever|do yourself a favor)\b",
    re.I,
)
# A clause after a comma that gives an order: "If you know you're right, say so", "…, so stop checking".
_CLAUSE = re.compile(r",\s*(?:so\s+|and\s+|but\s+|then\s+)?([a-z']+)\s+([a-z']+)", re.I)
# A base-form verb followed by these is a noun or a statement ("Love that can wait", "Work is").
_NOT_IMPERATIVE_NEXT = frozenset(
    "you i we they he she it was were that is 's can can't doesn't has had would will".split()
)
# A saying handed down: "Dad said, a man who shows up…", "she'd say, you can't pull a carrot…".
_SAYING = re.compile(
    r"\b(?:said|says|say|told (?:me|us)|used to say|would say|always said)\s*,\s*(?P<saying>.+)$", re.I
)
# "taught me to fish" is a skill learned (anecdote); "taught me that…", "taught me to be patient" a lesson.
_LESSON = re.compile(
    r"\b(?:i learned(?! to (?!be\b|never\b|always\b|not\b)\w+)|i've learned|we learned|i learnt|"
    r"taught (?:me|us)(?! (?:how )?to (?!be\b|never\b|always\b|not\b)\w+)|teaches you|the lesson|i realized|"
    r"i understood|that's when i knew|i know now|showed me that|it took me years to understand)\b",
    re.I,
)
# Past tense ("…ed" unless passive after be/is/are: "things can be replaced" is a present statement).
_PAST = re.compile(
    r"\b(?:was|were|had|did|went|came|got|took|made|told|said|gave|saw|left|found|walked|drove|bought|"
    r"(?<!\bbe )(?<!\bbeen )(?<!\bis )(?<!\bare )\w+ed)\b",
    re.I,
)
_PRESENT = re.compile(
    r"\b(?:is|are|isn't|aren't|can|can't|cannot|doesn't|don't|won't|will|takes|makes|meets|lasts|matters|"
    r"comes|goes|gets|means|needs|holds|stays|has|have|never|always|only)\b",
    re.I,
)
_PARTICULAR = re.compile(r"\b(?:i|me|my|we|our|us|he|she|him|her|his|they|them)\b", re.I)
_NARRATOR_OPENERS = re.compile(r"^(?:i|we|my|our|he|she|they|his|her|their|this|that|there|some)\b", re.I)
# A capitalised word inside the sentence is a name (a particular person or place): "Uncle Leroy's farm".
_NAME = re.compile(r"(?<=\s)(?!I\b|I'|God\b)[A-Z][a-z]+")


def classify(sentence: str) -> str:
    """'advice', 'lesson' or 'anecdote' for one sentence (see the module docstring)."""
    text = clean_sentence(sentence).rstrip(".!…")
    tokens = words(text)
    if len(tokens) < 3 or text.endswith("?"):
        return "anecdote"
    if _LESSON.search(text):
        return "lesson"
    first = tokens[0]
    second = tokens[1] if len(tokens) > 1 else ""
    if first in ("and", "so", "but") and second in _IMPERATIVE_VERBS:
        first, second = second, tokens[2] if len(tokens) > 2 else ""
    if first in _IMPERATIVE_VERBS and second not in _NOT_IMPERATIVE_NEXT:
        return "advice"
    if _ADVICE.search(text):
        return "advice"
    if not _PAST.search(text) and any(
        verb.lower() in _IMPERATIVE_VERBS and nxt.lower() not in _NOT_IMPERATIVE_NEXT
        for verb, nxt in _CLAUSE.findall(text)
    ):
        return "advice"
    saying = _SAYING.search(text)
    if saying:
        inner = classify(saying.group("saying"))
        if inner != "anecdote":
            return "lesson" if inner == "lesson" else "advice"
        if _generic(saying.group("saying")):
            return "lesson"
    if _generic(text):
        return "lesson"
    return "anecdote"


def _generic(text: str) -> bool:
    """A present-tense statement about people or life, not about particular people in the past."""
    text = text.strip()
    if _PAST.search(text) or not _PRESENT.search(text) or _NARRATOR_OPENERS.search(text) or _NAME.search(text):
        return False
    return len(_PARTICULAR.findall(text)) <= 1


class SentenceWisdomExtractor:
    """The `WisdomExtractor` port, offline (see the module docstring)."""

    def __init__(self, tagger: MeaningValueTagger | None = None) -> None:
        self._tagger = tagger or MeaningValueTagger(min_score=0.0)

    def extract(self, text: str, vocabulary: Sequence[str]) -> list[WisdomItem]:
        items: list[WisdomItem] = []
        for span in sentences(text):
            kind = classify(span.text)
            if kind == "anecdote":
                continue
            tags = [t.tag for t in self._tagger.tag(span.text, vocabulary)][:3]
            items.append(WisdomItem(text=span.text, kind="advice" if kind == "advice" else "lesson", tags=tags))
        return items
