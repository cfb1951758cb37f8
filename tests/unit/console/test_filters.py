"""Filters from user text: each malformed field is named with the reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from familyplus_local.console.filters import ExecutionFilter, FilterError

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


def test_parses_durations_instants_ids_and_case() -> None:
    parsed = ExecutionFilter.parse(
        workflow="process_response",
        status="failed",
        since="24h",
        until="2026-12-01T11:00",
        response_id="r-1",
        family_id="family-okafor",
        search=" first ",
        now=NOW,
    )
    assert parsed.status == "FAILED" and parsed.since == NOW - timedelta(hours=24)
    assert parsed.until == datetime(2026, 12, 1, 11, tzinfo=UTC)
    assert (parsed.response_id, parsed.family_id, parsed.search) == ("r-1", "family-okafor", "first")
    assert ExecutionFilter.parse(workflow="", status="", since="", now=NOW) == ExecutionFilter()


@pytest.mark.parametrize(
    ("field", "kwargs", "reason"),
    [
        ("workflow", {"workflow": "nope"}, "unknown workflow 'nope'"),
        ("status", {"status": "DONE"}, "unknown status 'DONE'"),
        ("since", {"since": "yesterday"}, "'yesterday' is neither a duration"),
        ("until", {"since": "1h", "until": "2h"}, "must be later than since"),
        ("family", {"family_id": "a b"}, "'a b' is not an id"),
        ("response", {"response_id": "x" * 81}, "is not an id"),
    ],
)
def test_malformed_fields_are_named(field: str, kwargs: dict[str, str], reason: str) -> None:
    with pytest.raises(FilterError) as caught:
        ExecutionFilter.parse(now=NOW, **kwargs)
    assert caught.value.field == field and reason in str(caught.value)
