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
from familyplus.models.response import StoryDraft
from familyplus.text import content_words, normalize_space, sentences

_FILLERS = re.compile(r"(?:(?<=\s)|^)(?:um+|uh+|erm|you know|i mean|kind of|sort of),?\s+", re.I)
_STUTTER = re.compile(r"\b(\w+)(?:\s+\1\b)+", re.I)
_PROMPT_LEAD = re.compile(
    r"^(?:please\s+)?(?:tell (?:us|me) about|tell (?:us|me)|describe|share|what do you remember about|"
    r"what was|what were|who was|how was|talk about|do you remember|remember)\s+",
    re.I,
)
_PERSON = {"your": "my", "you": "I", "yours": "mine", "yourself": "myself"}
_SMALL = {"a", "an", "the", "and", "or", "of", "in", "on", "at", "to", "for", "with", "my"}


def clean_narrative(text: str) -> str:
    cleaned = _FILLERS.sub("", text)
    cleaned = _STUTTER.sub(r"\1", cleaned)
    paragraphs = [normalize_space(p) for p in re.split(r"\n\s*\n", cleaned) if p.strip()]
    fixed: list[str] = []
    for paragraph in paragraphs:
        parts = [s.text for s in sentences(paragraph)]
        parts = [p[0].upper() + p[1:] if p else p for p in parts]
        fixed.append(" ".join(parts))
    return "\n\n".join(fixed)


def title_case(phrase: str) -> str:
    out = []
    for index, word in enumerate(phrase.split()):
        out.append(word if index and word.lower() in _SMALL else word[:1].upper() + word[1:])
    return " ".join(out)


_HOW_DID = re.compile(r"^how did you (\w+)\b", re.I)


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
    body = _PROMPT_LEAD.sub("", body).rstrip("?.! ")
    if not body or len(body.split()) > 10:
        return None
    swapped = " ".join(_PERSON.get(w.lower(), w) for w in body.split())
    return title_case(swapped)


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
        tokens = content_words(narrative)
        pairs = Counter(f"{a} {b}" for a, b in itertools.pairwise(tokens))
        phrase = next((p for p, n in pairs.most_common(1) if n > 1), None)
        if phrase is None and tokens:
            phrase = Counter(tokens).most_common(1)[0][0]
        if phrase is None:
            return "A Family Story"
        theme = f" — a story of {tags[0].replace('_', ' ')}" if tags else ""
        return title_case(f"the {phrase}") + theme
