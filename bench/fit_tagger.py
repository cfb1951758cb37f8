"""Fit the offline value tagger's weights on the evaluation set's `tune` split, and choose its threshold.

    .venv/bin/python bench/fit_tagger.py

The tagger (functions/familyplus/adapters/local/meaning_tagger.py) scores each value with a logistic
function of two features: how much closer the answer is to that value's description than to the others
(standardised cosine) and how many of its cue phrases occur. This script computes those features with the
tagger itself, fits the three weights by L2-regularised logistic regression (Newton's method: three
parameters and a few hundred rows need no library), and chooses the regularisation, the score threshold
and the margin by 4-fold cross-validation within `tune`, for the best min(precision, recall) under the
tagger's own selection rule (top three at or above the threshold, less any more than `margin` below the
best). It prints the constants to put in the tagger; it never reads the `test` split's labels.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from quality import load_eval_set, select

from familyplus.adapters.local.meaning_tagger import MeaningValueTagger, keep, probability
from familyplus.vocabulary import VALUE_TAGS

FOLDS = 4
PENALTIES = (0.3, 1.0, 3.0, 10.0)
THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.15, 0.61, 0.05))
MARGINS = (0.2, 0.3, 0.4, 0.5, 1.0)

Rows = dict[str, list[tuple[str, float, int]]]


@dataclass(frozen=True)
class Choice:
    penalty: float
    threshold: float
    margin: float
    precision: float
    recall: float


def features(tagger: MeaningValueTagger, answers: Sequence[dict[str, Any]]) -> Rows:
    return {a["id"]: [(tag, z, len(cues)) for tag, z, cues in tagger.features(a["text"], VALUE_TAGS)] for a in answers}


def fit(rows: Rows, gold: dict[str, set[str]], ids: Sequence[str], penalty: float) -> tuple[float, float, float]:
    """Logistic regression by Newton's method; the bias is not penalised."""
    x = np.array([[z, min(c, 3), 1.0] for i in ids for _, z, c in rows[i]])
    y = np.array([tag in gold[i] for i in ids for tag, _, _ in rows[i]], dtype=float)
    w = np.zeros(3)
    ridge = penalty * np.diag([1.0, 1.0, 0.0])
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-x @ w))
        step = np.linalg.solve(x.T @ (x * (p * (1 - p))[:, None]) + ridge, x.T @ (p - y) + ridge @ w)
        w -= step
        if np.abs(step).max() < 1e-9:
            break
    return float(w[0]), float(w[1]), float(w[2])


def predict(
    row: list[tuple[str, float, int]], weights: tuple[float, float, float], threshold: float, margin: float
) -> set[str]:
    scores = {tag: round(probability(z, c, weights), 3) for tag, z, c in row}
    return set(keep(scores, min_score=threshold, margin=margin))


def precision_recall(
    rows: Rows,
    gold: dict[str, set[str]],
    ids: Sequence[str],
    weights: tuple[float, float, float],
    threshold: float,
    margin: float,
) -> tuple[float, float]:
    tp = predicted = labelled = 0
    for i in ids:
        tags = predict(rows[i], weights, threshold, margin)
        tp += len(tags & gold[i])
        predicted += len(tags)
        labelled += len(gold[i])
    return (tp / predicted if predicted else 1.0), (tp / labelled if labelled else 1.0)


def cross_validate(rows: Rows, gold: dict[str, set[str]], ids: Sequence[str]) -> Choice:
    folds = [list(ids[k::FOLDS]) for k in range(FOLDS)]
    best: Choice | None = None
    for penalty in PENALTIES:
        fitted = [fit(rows, gold, [i for i in ids if i not in fold], penalty) for fold in folds]
        for threshold, margin in itertools.product(THRESHOLDS, MARGINS):
            scores = [
                precision_recall(rows, gold, fold, w, threshold, margin) for fold, w in zip(folds, fitted, strict=True)
            ]
            p, r = (float(np.mean([s[k] for s in scores])) for k in (0, 1))
            if best is None or min(p, r) > min(best.precision, best.recall) + 1e-9:
                best = Choice(penalty, threshold, margin, p, r)
    assert best is not None
    return best


def main() -> int:
    tune = select(load_eval_set()["answers"], "tune")
    gold = {a["id"]: set(a["tags"]) for a in tune}
    ids = [a["id"] for a in tune]
    rows = features(MeaningValueTagger(), tune)
    choice = cross_validate(rows, gold, ids)
    weights = fit(rows, gold, ids, choice.penalty)
    p, r = precision_recall(rows, gold, ids, weights, choice.threshold, choice.margin)
    print(f"tune split: {len(ids)} answers, {sum(len(g) for g in gold.values())} labelled tags")
    print(
        f"chosen by {FOLDS}-fold cross-validation: L2 penalty {choice.penalty}, threshold {choice.threshold}, "
        f"margin {choice.margin} (cross-validated precision {choice.precision:.3f}, recall {choice.recall:.3f})"
    )
    print(f"weights fitted on all of tune: meaning {weights[0]:.2f}, cues {weights[1]:.2f}, bias {weights[2]:.2f}")
    print(f"on tune itself: precision {p:.3f}, recall {r:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
