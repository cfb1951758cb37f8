"""Offline value tagger by meaning: zero-shot against a description of each value, cue phrases, and a head
learned from labelled stories.

For an answer, four things are known of each value: the cosine between its embedding and the value's
description (mean of its sentences, `value_descriptions.DESCRIPTIONS`), standardised across the vocabulary —
"how much more about *this* value than about the others", since every family story is a little about
family; the count of cue phrases found as whole phrases (`value_descriptions.CUES`); the logit of a
per-value logistic regression on the embedding (`value_head`), trained on 1,664 stories written and
labelled for it, which knows where readers draw a value's borders; and that head's highest logit over the
answer's single sentences, so one sentence squarely about a value counts in a long answer. A logistic score
combines the four. The top three values scoring at least `min_score` are kept (answers are labelled with one
to three values), less any that falls more than `margin` below the best one.

The head comes from `bench/fit_tagger.py --head` (training/value_stories.json only); the weights, the
threshold and the margin from `bench/fit_tagger.py` on the evaluation set's `tune` split only: logistic
regression over the four inputs (L2-regularised; Newton's method), with the penalty, threshold and margin
chosen by 4-fold cross-validation within that split for the best min(precision, recall). The sentence input
raised that figure from 0.698 to 0.712 (with all-mpnet-base-v2; with the previous MiniLM model a
best-sentence similarity did not help). Per-value biases, sentence votes, the tune answers as extra examples
(prototypes or nearest neighbours), a separate weight for kinship cues and twelve-sentence descriptions per
value were tried the same way and did not help across folds; the learned head did, once it had enough
stories (128 were too few).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from familyplus.adapters.local.sentence_embedder import WEIGHTS_SHA256, SentenceEmbedder
from familyplus.adapters.local.spoken import clean_spoken
from familyplus.adapters.local.value_descriptions import CUES, DESCRIPTIONS
from familyplus.adapters.local.value_head import ValueHead, load_head
from familyplus.models.response import ValueTag
from familyplus.text import sentences, stem, words

# From bench/fit_tagger.py on the tune split (see the module docstring): one weight per `Features.inputs`.
_WEIGHTS = (1.00, 0.71, 0.37, 0.28)
_BIAS = -1.55
_MAX_CUES = 3
MAX_TAGS = 3


#: the four input weights and the bias
Weights = tuple[float, float, float, float, float]


@dataclass(frozen=True)
class Features:
    """What the tagger knows of one value for one answer."""

    tag: str
    #: how much closer the answer is to this value's description than to the others' (standardised cosine)
    meaning: float
    #: the value's cue phrases found in the answer, once per occurrence
    cues: list[str]
    #: the learned head's logit for this value (value_head.py)
    head: float
    #: the head's highest logit for this value over the answer's sentences: one sentence about a value counts
    sentence_head: float

    def inputs(self) -> tuple[float, float, float, float]:
        """What the logistic score weighs (cue count capped: a fourth mention adds nothing)."""
        return self.meaning, float(min(len(self.cues), _MAX_CUES)), self.head, self.sentence_head


def _tokens(text: str) -> list[str]:
    return [stem(w) for w in words(text)]


class CuePhrases:
    """Whole-phrase matching over stemmed words ("every year" matches "every year", never "every" alone)."""

    def __init__(self, cues: dict[str, tuple[str, ...]]) -> None:
        # One entry per stemmed pattern: "laughed so hard" and "laughing so hard" are one cue, counted once.
        self._phrases = {
            tag: list({tuple(_tokens(phrase)): phrase for phrase in reversed(phrases)}.items())
            for tag, phrases in cues.items()
        }

    def find(self, tag: str, tokens: Sequence[str]) -> list[str]:
        found: list[str] = []
        for pattern, phrase in self._phrases.get(tag, []):
            n = len(pattern)
            found += [phrase] * sum(1 for i in range(len(tokens) - n + 1) if tuple(tokens[i : i + n]) == pattern)
        return found


class MeaningValueTagger:
    """The `ValueTagger` port, offline, by meaning (see the module docstring)."""

    def __init__(
        self, embedder: SentenceEmbedder | None = None, *, min_score: float = 0.3, margin: float = 1.0
    ) -> None:
        self.min_score, self.margin = min_score, margin
        self._embedder = embedder or SentenceEmbedder()
        self._cues = CuePhrases(CUES)
        self._prototypes: dict[str, np.ndarray] | None = None
        self._head: ValueHead | None = None
        self._lock = threading.Lock()

    def prototypes(self) -> dict[str, np.ndarray]:
        with self._lock:
            if self._prototypes is None:
                self._prototypes = {}
                for tag, description in DESCRIPTIONS.items():
                    mean = np.asarray(self._embedder.embed(list(description))).mean(axis=0)
                    self._prototypes[tag] = mean / np.linalg.norm(mean)
            return self._prototypes

    def head(self) -> ValueHead:
        with self._lock:
            if self._head is None:
                self._head = load_head(WEIGHTS_SHA256)
            return self._head

    def features(self, text: str, vocabulary: Sequence[str]) -> list[Features]:
        """For each known value of `vocabulary`: its standardised meaning score, the cue phrases found and the
        learned head's logit. `tag` scores these; bench/fit_tagger.py fits the weights on the same numbers."""
        known = [t for t in vocabulary if t in DESCRIPTIONS]
        if not text.strip() or len(known) < 2:
            return []
        prototypes = self.prototypes()
        vector = np.asarray(self._embedder.embed([text])[0])
        sims = np.array([prototypes[t] for t in known]) @ vector
        spread = float(sims.std()) or 1.0
        relative = (sims - sims.mean()) / spread
        learned = self.head().logits(vector)
        cleaned = clean_spoken(text) or text
        by_sentence = self.head().best_logits(self._embedder.embed_matrix([s.text for s in sentences(cleaned)]))
        tokens = _tokens(cleaned)
        return [
            Features(tag, float(z), self._cues.find(tag, tokens), learned.get(tag, 0.0), by_sentence.get(tag, 0.0))
            for tag, z in zip(known, relative, strict=True)
        ]

    def tag(self, text: str, vocabulary: Sequence[str]) -> list[ValueTag]:
        features = {f.tag: f for f in self.features(text, vocabulary)}
        scores = {tag: round(probability(f.inputs()), 3) for tag, f in features.items()}
        kept = keep(scores, min_score=self.min_score, margin=self.margin)
        return [ValueTag(tag=tag, score=scores[tag], evidence=sorted(set(features[tag].cues))[:5]) for tag in kept]


def keep(scores: dict[str, float], *, min_score: float, margin: float) -> list[str]:
    """The selection rule, best first: at most `MAX_TAGS` values scoring at least `min_score`, less any more
    than `margin` below the best (ties broken by name, so the answer is the same on every run)."""
    ranked = sorted((tag for tag, score in scores.items() if score >= min_score), key=lambda t: (-scores[t], t))
    kept = ranked[:MAX_TAGS]
    return [tag for tag in kept if scores[tag] >= scores[kept[0]] - margin]


def probability(inputs: Sequence[float], weights: Weights | None = None) -> float:
    """The logistic score of one value from its `Features.inputs` (`weights`: one per input, then the bias)."""
    *coefficients, bias = weights or (*_WEIGHTS, _BIAS)
    logit = sum(w * x for w, x in zip(coefficients, inputs, strict=True)) + bias
    return 1.0 / (1.0 + math.exp(-logit))
