"""The functions Step Functions adds to JSONata (the guide, "JSONata functions provided by Step Functions"):
$partition, $range, $hash, $random (with an optional seed), $uuid and $parse; $now and $millis are bound to
the execution's clock. `$eval` is not available in
Step Functions (use $parse), so it is bound to a function that fails with that explanation."""

from __future__ import annotations

import hashlib
import json
import random
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from jsonata import functions as _functions
from jsonata import jsonata as _jsonata
from jsonata import utils

MAX_RANGE = 1000  # as States.ArrayRange
MAX_HASH_INPUT = 10_000
_HASHES = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512"}


class FunctionError(Exception):
    """A Step Functions JSONata function was called with arguments it cannot use."""


def _number(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise FunctionError(f"{what} must be an integer, got {json.dumps(value, default=str)}")
    return int(value)


def _partition(items: Any, size: Any = None) -> list[Any]:
    if not isinstance(items, list):
        raise FunctionError("$partition: the first argument must be an array")
    chunk = _number(size, "$partition: the chunk size")
    if chunk < 1:
        raise FunctionError("$partition: the chunk size must be positive")
    return [list(items[i : i + chunk]) for i in range(0, len(items), chunk)]


def _range(start: Any, end: Any = None, step: Any = None) -> list[int]:
    first, last, by = _number(start, "$range: start"), _number(end, "$range: end"), _number(step, "$range: step")
    if by == 0:
        raise FunctionError("$range: step must not be 0")
    values = list(range(first, last + (1 if by > 0 else -1), by))
    if len(values) > MAX_RANGE:
        raise FunctionError(f"$range: the range has {len(values)} items, more than {MAX_RANGE}")
    return values


def _hash(data: Any, algorithm: Any = None) -> str:
    if not isinstance(data, str):
        raise FunctionError("$hash: the data must be a string")
    if len(data) > MAX_HASH_INPUT:
        raise FunctionError(f"$hash: the data is longer than {MAX_HASH_INPUT} characters")
    if algorithm not in _HASHES:
        raise FunctionError(f"$hash: the algorithm must be one of {sorted(_HASHES)}, got {algorithm!r}")
    return hashlib.new(_HASHES[algorithm], data.encode()).hexdigest()


def _nulls(value: Any) -> Any:
    if value is None:
        return utils.Utils.NULL_VALUE  # JSON null, not JSONata's undefined
    if isinstance(value, dict):
        return {key: _nulls(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_nulls(item) for item in value]
    return value


def _parse(text: Any) -> Any:
    if not isinstance(text, str):
        raise FunctionError("$parse: the argument must be a string")
    try:
        return _nulls(json.loads(text))
    except ValueError as exc:
        raise FunctionError(f"$parse: not valid JSON: {exc}") from None


def _plain(value: Any) -> Any:
    return None if value is utils.Utils.NULL_VALUE else value


def _eval(*args: Any) -> Any:
    raise FunctionError("$eval is not available in Step Functions; use $parse to read JSON text")


def bindings(rng: random.Random, now: datetime | None = None) -> dict[str, Any]:
    """The functions to bind for one evaluation; $random and $uuid draw from the execution's rng (a seeded run
    is reproducible), and $now/$millis read the execution's clock (`now`), so virtual time shows there too."""
    millis = int(now.timestamp() * 1000) if now is not None else None

    def _now(picture: Any = None, timezone: Any = None) -> Any:
        if millis is None:
            return _functions.Functions.now(_plain(picture), _plain(timezone))
        return _functions.Functions.datetime_from_millis(millis, _plain(picture), _plain(timezone))

    def _millis() -> Any:
        return millis if millis is not None else _functions.Functions.millis()

    def _random(seed: Any = None) -> float:
        return random.Random(seed).random() if seed is not None else rng.random()

    def _uuid() -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    fns: dict[str, Callable[..., Any]] = {
        "partition": _partition,
        "range": _range,
        "hash": _hash,
        "random": _random,
        "uuid": _uuid,
        "parse": _parse,
        "eval": _eval,
        "now": _now,
        "millis": _millis,
    }
    return {name: _jsonata.Jsonata.JLambda(fn) for name, fn in fns.items()}
