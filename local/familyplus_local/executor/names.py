"""Execution/state machine names and ARNs, validated like AWS does."""

from __future__ import annotations

import re

from .errors import InvalidNameError

ACCOUNT_PREFIX = "arn:aws:states:local:000000000000"

# AWS: 1-80 characters; no whitespace, brackets, wildcards, special characters or control characters.
_FORBIDDEN = set('<>{}[]?*"#%\\^|~`$&,;:/')


def validate_name(name: str, what: str = "execution name") -> str:
    """Return `name` if AWS would accept it as an execution/state machine name; raise InvalidNameError."""
    if not isinstance(name, str) or not 1 <= len(name) <= 80:
        raise InvalidNameError(f"{what} must be 1-80 characters, got {name!r}")
    bad = sorted({c for c in name if c in _FORBIDDEN or c.isspace() or _is_control(c)})
    if bad:
        raise InvalidNameError(f"{what} {name!r} contains characters AWS does not allow: {bad}")
    return name


def _is_control(c: str) -> bool:
    code = ord(c)
    return code <= 0x1F or 0x7F <= code <= 0x9F


def execution_arn(state_machine_name: str, name: str) -> str:
    return f"{ACCOUNT_PREFIX}:execution:{state_machine_name}:{name}"


def state_machine_arn(state_machine_name: str) -> str:
    return f"{ACCOUNT_PREFIX}:stateMachine:{state_machine_name}"


_ARN = re.compile(r"^arn:aws:states:[^:]*:[^:]*:execution:(?P<machine>[^:]+):(?P<name>[^:]+)$")


def split_execution_arn(arn: str) -> tuple[str, str]:
    """(state_machine_name, execution name) of an execution ARN; ValueError if it is not one."""
    match = _ARN.match(arn)
    if not match:
        raise ValueError(f"not an execution ARN: {arn!r}")
    return match["machine"], match["name"]
