"""The offline tagger's selection rule, on scores worked out by hand."""

from __future__ import annotations

from familyplus.adapters.local.meaning_tagger import keep


def test_at_most_three_at_or_above_the_threshold_best_first_ties_by_name() -> None:
    scores = {"love": 0.9, "faith": 0.7, "courage": 0.7, "humor": 0.6, "family": 0.24}
    assert keep(scores, min_score=0.25, margin=1.0) == ["love", "courage", "faith"]


def test_a_value_far_below_the_best_is_dropped() -> None:
    assert keep({"resilience": 0.9, "education": 0.3, "family": 0.6}, min_score=0.25, margin=0.5) == [
        "resilience",
        "family",
    ]


def test_nothing_above_the_threshold_keeps_nothing() -> None:
    assert keep({"love": 0.1, "faith": 0.2}, min_score=0.25, margin=1.0) == []
    assert keep({}, min_score=0.25, margin=1.0) == []
