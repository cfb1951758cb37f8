"""Step Functions' payload quota: a state's input, result and output are at most 256 KiB of UTF-8 JSON."""

from __future__ import annotations

import json
from typing import Any

from .errors import STATES_DATA_LIMIT_EXCEEDED, StatesFailure

MAX_PAYLOAD_BYTES = 256 * 1024


def payload_size(value: Any) -> int:
    """Bytes of `value` as Step Functions counts them: compact JSON, UTF-8. A lone surrogate (a JSON `\\ud800`
    escape in the input) is counted as the 3 bytes it takes, instead of failing the run with an encoding error."""
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "surrogatepass"))


def check_payload(value: Any, state: str) -> Any:
    """`value`, or States.DataLimitExceeded (catchable by name only, never by States.ALL) when it is over
    the quota. Returns the value so that it can wrap an expression."""
    if payload_size(value) > MAX_PAYLOAD_BYTES:
        raise StatesFailure(
            STATES_DATA_LIMIT_EXCEEDED,
            f"The state/task '{state}' returned a result with a size exceeding the maximum number of bytes "
            "service limit.",
        )
    return value
