"""What the reliability suites did, printed at the end of the test run (tests/conftest.py's terminal summary)
and quoted by docs/reliability.md."""

from __future__ import annotations

from collections import Counter

#: "faults injected", "fault runs", "fuzz examples", "kill points", "concurrent executions", ...
COUNTS: Counter[str] = Counter()


def add(name: str, value: int = 1) -> None:
    COUNTS[name] += value
