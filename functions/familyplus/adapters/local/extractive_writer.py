"""Offline story writer: extractive, not generative. It cleans the spoken words (fillers, stutters,
spacing), picks the most central sentences as the summary (TextRank-style: sum of similarity to the other
sentences), and titles the story from the prompt or, without one, from the most salient phrase."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

from familyplus.adapters.local.hashing_embedder import HashingEmbedder
from familyplus.adapters.local.spoken import clean_spoken
from familyplus.models.response import StoryDraft
from familyplus.text import content_words, sentences

_PROMPT_LEAD = re.compile(
    r"^(?:please\s+)?(?:tell (?:us|me) about|tell (?:us|me)|describe|share|what do you remember about|"
    r"what was|what were|who was|how was|talk about|do you remember|remember|what is|what are|"
    r"what's)\s+",
    re.I,
)
_PERSON = {"your": "my", "yours": "mine", "yourself": "myself"}
# A capitalised word after the first of its sentence: a name.
_NAME = re.compile(r"(?<=[a-z,;] )[A-Z][a-z]+")
_SMALL = {"a", "an", "the", "and", "or", "of", "in", "on", "at", "to", "for", "with", "my"}


def clean_narrative(text: str) -> str:
    """The narrative: the spoken words without fillers, stutters and false starts, in sentence case."""
    return clean_spoken(text)


def title_case(phrase: str) -> str:
    out = []
    for index, word in enumerate(phrase.split()):
        out.append(word if index and word.lower() in _SMALL else word[:1].upper() + word[1:])
    return " ".join(out)


_HOW_DID = re.compile(r"^how did you (\w+)\b", re.I)
_WHY_DO = re.compile(r"^why do you\b", re.I)


def _gerund(verb: str) -> str:
    verb = verb.lower()
    if verb.endswith("ie"):
        return verb[:-2] + "ying"
    if verb.endswith("e") and not verb.endswith("ee"):
        return verb[:-1] + "ing"
    return verb + "ing"


def title_from_prompt(prompt: str) -> str | None:
    """'Tell us about your first job' → 'My First Job'; 'How did you meet Grandma?' → 'Meeting Grandma'."""
    body = _HOW_DID.sub(lambda m: _gerund(m.group(1)), prompt.strip())
    body = _WHY_DO.sub("why you", body)  # "Why do you love gardening?" → "Why I Love Gardening"
    body = _PROMPT_LEAD.sub("", body).rstrip("?.! ")
    body = re.sub(r"\s+like$", "", body, flags=re.I)  # "What was your hometown like?" → "My Hometown"
    if not body or len(body.split()) > 10:
        return None
    tokens = body.split()
    # "you" is the subject at the start ("you came home" → "I came home"), the object anywhere else
    # ("a loss that changed you" → "… Changed Me").
    swapped = [
        ("I" if i == 0 or tokens[i - 1].lower() == "why" else "me") if w.lower() == "you" else _PERSON.get(w.lower(), w)
        for i, w in enumerate(tokens)
    ]
    return title_case(" ".join(swapped))


class ExtractiveStoryWriter:
    """The `StoryWriter` port, offline. Summary = the two most central sentences, in their original order."""

    def __init__(self, *, summary_sentences: int = 2) -> None:
        self.summary_sentences = summary_sentences
        self._embedder = HashingEmbedder(dimensions=512)

    def write(self, text: str, *, prompt: str | None, tags: Sequence[str]) -> StoryDraft:
        narrative = clean_narrative(text)
        spans = [s.text for s in sentences(narrative)]
        summary = " ".join(self._central(spans)) if spans else narrative
        title = (title_from_prompt(prompt) if prompt else None) or self._salient_title(narrative, tags)
        return StoryDraft(title=title[:120], summary=summary[:1200], narrative=narrative)

    def _central(self, spans: list[str]) -> list[str]:
        if len(spans) <= self.summary_sentences:
            return spans
        vectors = np.array(self._embedder.embed(spans))
        centrality = (vectors @ vectors.T).sum(axis=1)
        best = sorted(np.argsort(-centrality)[: self.summary_sentences].tolist())
        return [spans[i] for i in best]

    @staticmethod
    def _salient_title(narrative: str, tags: Sequence[str]) -> str:
        """A phrase the answer repeats ("The Coal Mine"), else its main value ("A Story of Resilience").
        Never a lone name: "The Danny" reads like a mistake, not a title."""
        names = {w.lower() for w in _NAME.findall(narrative)}
        tokens = [t for t in content_words(narrative) if t not in names]
        pairs = Counter(f"{a} {b}" for a, b in itertools.pairwise(tokens))
        phrase = next((p for p, n in pairs.most_common(1) if n > 1), None)
        if phrase is not None:
            return title_case(f"the {phrase}")
        if tags:
            return title_case(f"a story of {tags[0].replace('_', ' ')}")
        return "A Family Story"
