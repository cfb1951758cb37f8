"""Offline quote proposer: scores each sentence of the response for quotability and proposes the best
ones verbatim. Signals: a comfortable length, first-person voice, advice or lesson phrasing, feeling words,
and centrality; questions and filler-heavy sentences score low."""

from __future__ import annotations

import re

from familyplus.text import sentences, words

_FEELING = frozenset(
    "love loved proud happy happiest grateful remember never always heart laugh cried tears best worst "
    "everything nothing hope dream home family forever".split()
)
_WISDOM = re.compile(
    r"\b(?:always|never|learned|taught|secret|lesson|remember|you have to|you should|matters|the key)\b", re.I
)
_FILLER = re.compile(r"\b(?:um+|uh+|erm|you know)\b|\blike,", re.I)


def quotability(sentence: str) -> float:
    tokens = words(sentence)
    n = len(tokens)
    if n < 5 or sentence.rstrip().endswith("?"):
        return 0.0
    score = 1.0 - min(abs(n - 16) / 24.0, 0.8)  # best around 16 words
    score += 0.35 * bool({"i", "we", "my", "our", "me"} & set(tokens))
    score += 0.6 * bool(_WISDOM.search(sentence))
    score += 0.15 * min(len(_FEELING & set(tokens)), 3)
    score -= 0.8 * len(_FILLER.findall(sentence))  # spoken fillers read badly in print
    return round(max(score, 0.0), 3)


class SentenceQuoteProposer:
    """The `QuoteProposer` port, offline: the top-scoring sentences, best first."""

    def propose(self, text: str, *, max_quotes: int) -> list[str]:
        scored = [(quotability(s.text), s.start, s.text) for s in sentences(text)]
        ranked = sorted((item for item in scored if item[0] > 0.5), key=lambda item: (-item[0], item[1]))
        return [sentence for _, _, sentence in ranked[:max_quotes]]
