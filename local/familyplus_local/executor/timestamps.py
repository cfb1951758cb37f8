"""RFC 3339 timestamps as ASL uses them (Wait.Timestamp, Timestamp* comparisons, IsTimestamp)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

# AWS requires an uppercase T, and a Z or numeric offset.
_RFC3339 = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$")


def parse_timestamp(text: str) -> datetime | None:
    """An aware datetime (UTC) for a valid RFC 3339 timestamp, else None."""
    match = _RFC3339.match(text)
    if not match:
        return None
    date, time, fraction, zone = match.groups()
    micro = (fraction or "0")[:6].ljust(6, "0")
    zone = "+00:00" if zone == "Z" else zone
    try:
        return datetime.fromisoformat(f"{date}T{time}.{micro}{zone}").astimezone(UTC)
    except ValueError:
        return None
