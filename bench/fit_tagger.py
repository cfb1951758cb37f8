"""Fit the offline value tagger: its learned head on the training stories, its weights and threshold on tune.

    .venv/bin/python bench/fit_tagger.py [--head]

The tagger (functions/familyplus/adapters/local/meaning_tagger.py) scores each value with a logistic
function of four inputs (`Features.inputs`): how much closer the answer is to that value's description than
to the others (standardised cosine), how many of its cue phrases occur, the logit of a learned per-value
head (value_head.py), and that head's highest logit over the answer's sentences.

`--head` first refits that head on training/value_stories.json — stories written and labelled for training,
none from the evaluation set — choosing its L2 penalty by 5-fold cross-validated log-loss within those
stories, and writes value_head.json with the hashes it was made from.

Then the four weights are fitted on the evaluation set's `tune` split by L2-regularised logistic regression
(Newton's method: five parameters and a thousand rows need no library), with the regularisation, the
score threshold and the margin chosen by 4-fold cross-validation within `tune` (repeated over six
shuffles) for the best min(precision, recall) under the tagger's own selection rule (`meaning_tagger.keep`).
It prints the constants to put in the tagger; it never reads the `test` split's labels.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from quality import load_eval_set, select

from familyplus.adapters.local.meaning_tagger import MeaningValueTagger, Weights, keep, probability
from familyplus.adapters.local.sentence_embedder import MODEL_NAME, WEIGHTS_SHA256, SentenceEmbedder
from familyplus.adapters.local.value_head import HEAD_PATH, fit_head, head_document, logistic_regression
from familyplus.vocabulary import VALUE_TAGS

TRAINING = Path(__file__).resolve().parent.parent / "training" / "value_stories.json"
FOLDS = 4
REPEATS = 6
PENALTIES = (0.3, 1.0, 3.0, 10.0)
THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.15, 0.61, 0.05))
MARGINS = (0.2, 0.3, 0.4, 0.5, 1.0)
HEAD_FOLDS = 5
HEAD_PENALTIES = (0.01, 0.03, 0.1, 0.3, 1.0)

Row = tuple[str, tuple[float, ...]]  # tag, the tagger's inputs (Features.inputs)
Rows = dict[str, list[Row]]


@dataclass(frozen=True)
class Choice:
    penalty: float
    threshold: float
    margin: float
    precision: float
    recall: float


def training_sha256(path: Path = TRAINING) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_training(path: Path = TRAINING) -> list[dict[str, Any]]:
    stories: list[dict[str, Any]] = json.loads(path.read_text("utf-8"))["stories"]
    return stories


def log_loss(vectors: np.ndarray, labels: Sequence[set[str]], penalty: float) -> float:
    """Mean held-out log-loss of the head over `HEAD_FOLDS` folds of the training stories."""
    losses = []
    for k in range(HEAD_FOLDS):
        held = np.arange(len(vectors)) % HEAD_FOLDS == k
        head = fit_head(vectors[~held], [lb for lb, h in zip(labels, held, strict=True) if not h], VALUE_TAGS, penalty)
        for vector, label in zip(vectors[held], [lb for lb, h in zip(labels, held, strict=True) if h], strict=True):
            for tag, logit in head.logits(vector).items():
                p = min(max(1.0 / (1.0 + np.exp(-logit)), 1e-9), 1 - 1e-9)
                losses.append(-np.log(p if tag in label else 1 - p))
    return float(np.mean(losses))


def refit_head(embedder: SentenceEmbedder, path: Path = HEAD_PATH) -> float:
    stories = load_training()
    vectors = np.array([embedder.embed([s["text"]])[0] for s in stories], dtype=np.float32)
    labels = [set(s["tags"]) for s in stories]
    losses = {penalty: log_loss(vectors, labels, penalty) for penalty in HEAD_PENALTIES}
    penalty = min(losses, key=losses.__getitem__)
    head = fit_head(vectors, labels, VALUE_TAGS, penalty)
    document = head_document(
        head,
        model=MODEL_NAME,
        model_weights_sha256=WEIGHTS_SHA256,
        training=TRAINING.name,
        training_sha256=training_sha256(),
        training_stories=len(stories),
        penalty=penalty,
    )
    path.write_text(json.dumps(document) + "\n", "utf-8")
    print(f"head: {len(stories)} training stories; held-out log-loss by L2 penalty {losses}; chose {penalty}")
    return penalty


def features(tagger: MeaningValueTagger, answers: Sequence[dict[str, Any]]) -> Rows:
    return {a["id"]: [(f.tag, f.inputs()) for f in tagger.features(a["text"], VALUE_TAGS)] for a in answers}


def fit(rows: Rows, gold: dict[str, set[str]], ids: Sequence[str], penalty: float) -> Weights:
    """Logistic regression over the tagger's inputs; the bias is not penalised."""
    x = np.array([[*inputs, 1.0] for i in ids for _, inputs in rows[i]])
    y = np.array([tag in gold[i] for i in ids for tag, _ in rows[i]], dtype=float)
    ridge = penalty * np.eye(x.shape[1])
    ridge[-1, -1] = 0.0
    w = logistic_regression(x, y, ridge, tolerance=1e-9)
    return float(w[0]), float(w[1]), float(w[2]), float(w[3]), float(w[4])


def predict(row: list[Row], weights: Weights, threshold: float, margin: float) -> set[str]:
    scores = {tag: round(probability(inputs, weights), 3) for tag, inputs in row}
    return set(keep(scores, min_score=threshold, margin=margin))


def precision_recall(
    rows: Rows,
    gold: dict[str, set[str]],
    ids: Sequence[str],
    weights: Weights,
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
    """The grid point with the best min(precision, recall), averaged over `REPEATS` shuffles of the 4 folds:
    with 40 answers one split's choice moves with the split, the average far less."""
    splits = []
    for seed in range(REPEATS):
        order = list(ids)
        random.Random(seed).shuffle(order)
        splits.append([order[k::FOLDS] for k in range(FOLDS)])
    best: Choice | None = None
    for penalty in PENALTIES:
        fitted = [[fit(rows, gold, [i for i in ids if i not in fold], penalty) for fold in folds] for folds in splits]
        for threshold, margin in itertools.product(THRESHOLDS, MARGINS):
            scores = [
                precision_recall(rows, gold, fold, w, threshold, margin)
                for folds, weights in zip(splits, fitted, strict=True)
                for fold, w in zip(folds, weights, strict=True)
            ]
            p, r = (float(np.mean([s[k] for s in scores])) for k in (0, 1))
            if best is None or min(p, r) > min(best.precision, best.recall) + 1e-9:
                best = Choice(penalty, threshold, margin, p, r)
    assert best is not None
    return best


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--head", action="store_true", help="refit value_head.json on the training stories first")
    args = parser.parse_args(argv)
    embedder = SentenceEmbedder()
    if args.head:
        refit_head(embedder)
    tune = select(load_eval_set()["answers"], "tune")
    gold = {a["id"]: set(a["tags"]) for a in tune}
    ids = [a["id"] for a in tune]
    rows = features(MeaningValueTagger(embedder), tune)
    choice = cross_validate(rows, gold, ids)
    weights = fit(rows, gold, ids, choice.penalty)
    p, r = precision_recall(rows, gold, ids, weights, choice.threshold, choice.margin)
    print(f"tune split: {len(ids)} answers, {sum(len(g) for g in gold.values())} labelled tags")
    print(
        f"chosen by {FOLDS}-fold cross-validation x {REPEATS} shuffles: L2 penalty {choice.penalty}, "
        f"threshold {choice.threshold}, margin {choice.margin} "
        f"(cross-validated precision {choice.precision:.3f}, recall {choice.recall:.3f})"
    )
    print(
        f"weights fitted on all of tune: meaning {weights[0]:.2f}, cues {weights[1]:.2f}, head {weights[2]:.2f}, "
        f"best sentence's head {weights[3]:.2f}, bias {weights[4]:.2f}"
    )
    print(f"on tune itself: precision {p:.3f}, recall {r:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
