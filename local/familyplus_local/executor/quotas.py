"""Step Functions' data quotas: a state's input, result and output are at most 256 KiB of UTF-8 JSON; workflow
variables at most 256 KiB per variable and per Assign, and 10 MiB per execution."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .errors import STATES_DATA_LIMIT_EXCEEDED, StatesFailure

MAX_PAYLOAD_BYTES = 256 * 1024
MAX_VARIABLE_BYTES = 256 * 1024  # one variable, and all the variables of one Assign together
MAX_EXECUTION_VARIABLE_BYTES = 10 * 1024 * 1024  # all the variables an execution holds


def payload_size(value: Any) -> int:
    """Bytes of `value` as Step Functions counts them: compact JSON, UTF-8. A lone surrogate (a JSON `\\ud800`
    escape in the input) is counted as the 3 bytes it takes, instead of failing the run with an encoding error."""
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "surrogatepass"))


def check_payload(value: Any, source: str) -> Any:
    """`value`, or States.DataLimitExceeded (catchable by name only, never by States.ALL) when it is over
    the quota. `source` is what AWS names in the cause: the resource type of a service integration
    (`lambda`, `states`), the function ARN of a Lambda Task, the state's name elsewhere. Returns the value so
    that it can wrap an expression."""
    if payload_size(value) > MAX_PAYLOAD_BYTES:
        raise StatesFailure(
            STATES_DATA_LIMIT_EXCEEDED,
            f"The state/task '{source}' returned a result with a size exceeding the maximum number of bytes "
            "service limit.",
        )
    return value


def check_variables(sizes: Mapping[str, int], held: int, state: str) -> int:
    """The bytes the execution holds in variables once the variables of one Assign (`sizes`: their bytes, by
    name) are written (`held`: before, not counting the ones being replaced); States.DataLimitExceeded when one
    variable or the Assign passes 256 KiB, or the execution 10 MiB."""
    too_big = next((name for name, size in sizes.items() if size > MAX_VARIABLE_BYTES), None)
    if too_big is not None or sum(sizes.values()) > MAX_VARIABLE_BYTES:
        what = f"the variable '{too_big}'" if too_big is not None else "the variables of its Assign"
        raise StatesFailure(
            STATES_DATA_LIMIT_EXCEEDED,
            f"The state '{state}' assigned {what} with a size exceeding the maximum number of bytes service limit "
            "(256 KiB).",
        )
    total = held + sum(sizes.values())
    if total > MAX_EXECUTION_VARIABLE_BYTES:
        raise StatesFailure(
            STATES_DATA_LIMIT_EXCEEDED,
            f"The state '{state}' assigned variables that bring the execution's variables past the maximum number "
            "of bytes service limit (10 MiB).",
        )
    return total
