"""The tagger's fitting script: its regression recovers known weights, and it selects tags as the tagger does."""

from __future__ import annotations

import math

import numpy as np

from familyplus.adapters.local.meaning_tagger import keep
from tests.support import load_bench

ft = load_bench("fit_tagger")


def synthetic(weights: tuple[float, float, float, float], answers: int, seed: int = 7) -> tuple[dict, dict]:
    """Rows drawn from the tagger's own logistic model with `weights`, and labels sampled from it."""
    rng = np.random.default_rng(seed)
    rows, gold = {}, {}
    for a in range(answers):
        row = [(f"v{k}", float(rng.normal()), int(rng.integers(0, 4)), float(rng.normal())) for k in range(8)]
        rows[f"a{a}"] = row
        gold[f"a{a}"] = {
            tag
            for tag, z, c, h in row
            if rng.random() < 1 / (1 + math.exp(-(weights[0] * z + weights[1] * c + weights[2] * h + weights[3])))
        }
    return rows, gold


def test_fit_recovers_the_weights_that_made_the_labels() -> None:
    truth = (1.5, 0.8, 0.6, -2.5)
    rows, gold = synthetic(truth, answers=1500)
    fitted = ft.fit(rows, gold, list(rows), penalty=0.1)
    assert np.allclose(fitted, truth, atol=0.15), fitted


def test_predict_is_the_taggers_selection_rule() -> None:
    row = [
        ("faith", 2.0, 1, 0.5),
        ("humor", 0.5, 0, -1.0),
        ("love", 1.9, 1, 0.2),
        ("family", 1.0, 3, -2.0),
        ("tradition", -1.0, 0, 0.0),
    ]
    weights = (1.5, 0.8, 0.6, -2.5)
    scores = {tag: round(ft.probability(z, c, h, weights), 3) for tag, z, c, h in row}
    for threshold, margin in ((0.2, 1.0), (0.5, 0.1), (0.99, 1.0)):
        assert ft.predict(row, weights, threshold, margin) == set(keep(scores, min_score=threshold, margin=margin))
    assert len(ft.predict(row, weights, 0.0, 1.0)) == 3  # never more than three values


def test_cross_validation_picks_a_setting_from_its_grid() -> None:
    rows, gold = synthetic((1.5, 0.8, 0.6, -2.5), answers=80)
    choice = ft.cross_validate(rows, gold, list(rows))
    assert choice.penalty in ft.PENALTIES and choice.threshold in ft.THRESHOLDS and choice.margin in ft.MARGINS
    assert 0.0 < min(choice.precision, choice.recall) <= 1.0
