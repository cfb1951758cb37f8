"""The executions filter the console's list, its bulk redrive and the CLI share, parsed from user text.

A malformed filter raises `FilterError` naming the field and why, never a bare 500 or a silently ignored
field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from familyplus.catalog import WORKFLOWS
from familyplus_local.executor.history import STATUSES

_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_ID = re.compile(r"^[A-Za-z0-9_.-]{1,80}$")


class FilterError(ValueError):
    """A filter field that cannot be used; `field` names it."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def parse_duration(text: str) -> timedelta:
    """'30m' → 30 minutes, '24h', '7d', '2w', '90s'; anything else raises ValueError naming the input."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"invalid duration {text!r}: use a number and a unit s/m/h/d/w, e.g. 30m, 24h, 7d")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def _moment(field: str, text: str, now: datetime) -> datetime:
    """A duration back from now ('24h') or an ISO 8601 instant ('2026-12-01T09:00', UTC unless an offset)."""
    try:
        return now - parse_duration(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise FilterError(
            field, f"{text!r} is neither a duration (30m, 24h, 7d) nor an ISO 8601 time (2026-12-01T09:00)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class ExecutionFilter:
    workflow: str | None = None
    status: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    response_id: str | None = None
    family_id: str | None = None
    search: str | None = None

    @classmethod
    def parse(
        cls,
        *,
        workflow: str | None = None,
        status: str | None = None,
        since: str | None = None,
        until: str | None = None,
        response_id: str | None = None,
        family_id: str | None = None,
        search: str | None = None,
        now: datetime | None = None,
    ) -> ExecutionFilter:
        """From user text (query string or CLI options); empty strings mean "no filter"."""
        now = now or datetime.now(UTC)
        known = [wf.name for wf in WORKFLOWS]
        workflow = workflow or None
        if workflow is not None and workflow not in known:
            raise FilterError("workflow", f"unknown workflow {workflow!r} (one of {', '.join(known)})")
        status = status.strip().upper() if status else None
        if status is not None and status not in STATUSES:
            raise FilterError("status", f"unknown status {status!r} (one of {', '.join(STATUSES)})")
        for field, value in (("response", response_id), ("family", family_id)):
            if value and not _ID.match(value):
                raise FilterError(field, f"{value!r} is not an id (1–80 letters, digits, '_', '.', '-')")
        start = _moment("since", since, now) if since else None
        end = _moment("until", until, now) if until else None
        if start and end and end <= start:
            raise FilterError("until", "must be later than since")
        if search is not None and len(search) > 200:
            raise FilterError("q", "at most 200 characters")
        return cls(
            workflow=workflow,
            status=status,
            since=start,
            until=end,
            response_id=response_id or None,
            family_id=family_id or None,
            search=(search or "").strip() or None,
        )
