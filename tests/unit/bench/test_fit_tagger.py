"""The tagger's fitting script: its regression recovers known weights, and it selects tags as the tagger does."""

from __future__ import annotations

import math

import numpy as np

from familyplus.adapters.local.meaning_tagger import keep
from tests.support import load_bench

ft = load_bench("fit_tagger")


TRUTH = (1.5, 0.8, 0.6, 0.4, -2.5)


def synthetic(weights: tuple[float, ...], answers: int, seed: int = 7) -> tuple[dict, dict]:
    """Rows drawn from the tagger's own logistic model with `weights`, and labels sampled from it."""
    rng = np.random.default_rng(seed)
    rows, gold = {}, {}
    for a in range(answers):
        row = [
            (f"v{k}", (float(rng.normal()), float(rng.integers(0, 4)), float(rng.normal()), float(rng.normal())))
            for k in range(8)
        ]
        rows[f"a{a}"] = row
        gold[f"a{a}"] = {
            tag
            for tag, inputs in row
            if rng.random()
            < 1 / (1 + math.exp(-(sum(w * x for w, x in zip(weights[:-1], inputs, strict=True)) + weights[-1])))
        }
    return rows, gold


def test_fit_recovers_the_weights_that_made_the_labels() -> None:
    rows, gold = synthetic(TRUTH, answers=1500)
    fitted = ft.fit(rows, gold, list(rows), penalty=0.1)
    assert np.allclose(fitted, TRUTH, atol=0.15), fitted


def test_predict_is_the_taggers_selection_rule() -> None:
    row = [
        ("faith", (2.0, 1.0, 0.5, 0.5)),
        ("humor", (0.5, 0.0, -1.0, 1.0)),
        ("love", (1.9, 1.0, 0.2, 0.0)),
        ("family", (1.0, 3.0, -2.0, -1.0)),
        ("tradition", (-1.0, 0.0, 0.0, 2.0)),
    ]
    scores = {tag: round(ft.probability(inputs, TRUTH), 3) for tag, inputs in row}
    for threshold, margin in ((0.2, 1.0), (0.5, 0.1), (0.99, 1.0)):
        assert ft.predict(row, TRUTH, threshold, margin) == set(keep(scores, min_score=threshold, margin=margin))
    assert len(ft.predict(row, TRUTH, 0.0, 1.0)) == 3  # never more than three values


def test_cross_validation_picks_a_setting_from_its_grid() -> None:
    rows, gold = synthetic(TRUTH, answers=80)
    choice = ft.cross_validate(rows, gold, list(rows))
    assert choice.penalty in ft.PENALTIES and choice.threshold in ft.THRESHOLDS and choice.margin in ft.MARGINS
    assert 0.0 < min(choice.precision, choice.recall) <= 1.0
