"""Chunk planning: every second of a long recording lands in a chunk, neighbours overlap, no sliver chunks."""

from __future__ import annotations

import itertools

import pytest

from familyplus.stages.prepare_audio import plan_chunks


def test_short_recording_is_one_chunk() -> None:
    assert plan_chunks(42.0, 600.0, 5.0) == [(0.0, 42.0)]
    assert plan_chunks(600.0, 600.0, 5.0) == [(0.0, 600.0)]


@pytest.mark.parametrize("duration", [601.0, 1190.0, 1195.0, 1196.0, 3600.0, 3601.5, 7205.0])
def test_long_recording_is_covered_with_overlaps(duration: float) -> None:
    plan = plan_chunks(duration, 600.0, 5.0)
    assert plan[0][0] == 0.0
    assert plan[-1][0] + plan[-1][1] == pytest.approx(duration)
    for (offset, length), (next_offset, _) in itertools.pairwise(plan):
        assert next_offset == pytest.approx(offset + length - 5.0)  # exactly the overlap is shared
    assert all(length <= 660.0 + 1e-6 for _, length in plan)  # the last may absorb a tenth of a chunk
    assert all(length > 60.0 for _, length in plan)  # never a sliver


def test_an_hour_in_ten_minute_chunks() -> None:
    plan = plan_chunks(3600.0, 600.0, 5.0)
    assert [round(o) for o, _ in plan] == [0, 595, 1190, 1785, 2380, 2975]
    assert plan[-1][1] == 625.0  # the last 25 s ride along instead of becoming a seventh Lambda


def test_a_short_remainder_is_absorbed_by_the_last_chunk() -> None:
    # 0.5 s or 50 s past the first chunk is not worth a chunk of its own (and a Lambda of its own)
    assert plan_chunks(600.5, 600.0, 5.0) == [(0.0, 600.5)]
    assert plan_chunks(650.0, 600.0, 5.0) == [(0.0, 650.0)]
    assert plan_chunks(1196.0, 600.0, 5.0) == [(0.0, 600.0), (595.0, 601.0)]
    assert plan_chunks(661.0, 600.0, 5.0) == [(0.0, 600.0), (595.0, 66.0)]


@pytest.mark.parametrize(("chunk", "overlap"), [(0.0, 0.0), (10.0, 10.0), (10.0, -1.0)])
def test_nonsense_parameters_are_refused(chunk: float, overlap: float) -> None:
    with pytest.raises(ValueError, match="overlap"):
        plan_chunks(100.0, chunk, overlap)
