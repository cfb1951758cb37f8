"""The States.* intrinsic functions themselves (JSONPath query language), following the AWS documentation.

Each takes the evaluated argument values, the parsed arguments (States.Format needs its template as written,
to honour `\\{` escapes) and the execution's rng; it raises IntrinsicArgumentError for bad arguments.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

MAX_ARRAY = 1000  # AWS: States.ArrayRange returns at most 1000 items
MAX_ENCODE = 10_000  # AWS: Base64 and Hash inputs are at most 10,000 characters


class IntrinsicArgumentError(Exception):
    """An intrinsic function was given arguments it cannot work with (→ States.IntrinsicFailure)."""


@dataclass(frozen=True)
class Spec:
    fn: Callable[[list[Any], tuple[Any, ...], random.Random], Any]
    arity: tuple[int, int | None]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _need(cond: bool, message: str) -> None:
    if not cond:
        raise IntrinsicArgumentError(message)


def _integer(value: Any, what: str) -> int:
    _need(_is_number(value), f"{what} must be a number, got {json.dumps(value)}")
    # AWS rounds a non-integer argument the way Java's Math.round does: floor(x + 0.5), so halves go up
    # towards positive infinity (2.5 -> 3, -1.5 -> -1, -2.5 -> -2). Decimal keeps 0.49999999999999994 exact.
    return math.floor(Decimal(str(value)) + Decimal("0.5"))


def _array(value: Any, what: str = "the first argument") -> list[Any]:
    _need(isinstance(value, list), f"{what} must be an array, got {json.dumps(value)}")
    return value


def _string(value: Any, what: str) -> str:
    _need(isinstance(value, str), f"{what} must be a string, got {json.dumps(value)}")
    return value


def _key(value: Any) -> str:
    # JSON identity: True is not 1, {"a":1,"b":2} equals {"b":2,"a":1}.
    return json.dumps(value, sort_keys=True)


def to_text(value: Any) -> str:
    """How States.Format renders a value (objects in Java map style, as AWS does)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "[" + ", ".join(to_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={to_text(v)}" for k, v in value.items()) + "}"
    return json.dumps(value)


def _format(values: list[Any], args: tuple[Any, ...], rng: random.Random) -> str:
    template = _string(values[0], "the template (first argument)")
    raw: str | None = getattr(args[0], "raw", None)
    escaped = raw is not None  # a literal as written: backslash escapes are still in it
    text: str = raw if raw is not None else template
    fillers, out, i = list(values[1:]), [], 0
    while i < len(text):
        if escaped and text[i] == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
        elif text.startswith("{}", i):
            _need(bool(fillers), f"the template {template!r} has more {{}} than the {len(values) - 1} value(s)")
            out.append(to_text(fillers.pop(0)))
            i += 2
        else:
            out.append(text[i])
            i += 1
    _need(not fillers, f"{len(fillers)} value(s) left over after filling the template {template!r}")
    return "".join(out)


def _string_to_json(values: list[Any], args: tuple[Any, ...], rng: random.Random) -> Any:
    text = _string(values[0], "the argument")
    if not text.strip():
        return None  # AWS: an empty or blank string parses to null
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise IntrinsicArgumentError(f"not valid JSON: {exc}") from None


def _json_to_string(values: list[Any], args: tuple[Any, ...], rng: random.Random) -> str:
    return json.dumps(values[0], separators=(",", ":"), ensure_ascii=False)


def _array_partition(values: list[Any], args: tuple[Any, ...], rng: random.Random) -> list[Any]:
    items, size = _array(values[0]), _integer(values[1], "the chunk size")
    _need(size > 0, f"the chunk size must be positive, got {size}")
    return [items[i : i + size] for i in range(0, len(items), size)]


def _array_contains(values: list[Any], args: tuple[Any, ...], rng: random.Random) -> bool:
    wanted = _key(values[1])
    return any(_key(v) == wanted for v in _array(values[0]))


def _array_range(values: list[Any], args: tuple[Any, ...], rng: random.Random) -> list[int]:
    start, end, step = (_integer(v, n) for v, n in zip(values, ("start", "end", "step"), strict=True))
    _need(step != 0, "step must not be 0")
    result = list(range(start, end + (1 if step > 0 else -1), step))
    _need(len(result) <= MAX_ARRAY, f"the range has {len(result)} items, more than {MAX_ARRAY}")
    return result


def _array_get_item(values: list[Any], args: tuple[Any, ...], rng: random.Random) -> Any:
    items, index = _array(values[0]), _integer(values[1], "the index")
    _need(0 <= index < len(items), f"index {index} is out of bounds for an array of {len(items)}")
    return items[index]


def _array_unique(values: list[Any], args: tuple[Any, ...], rng: random.Random) -> list[Any]:
    seen: set[str] = set()
    out = []
    for value in _array(values[0]):
        key = _key(value)
        if key not in seen:
            seen.add(key)
            out.append(value)
    return out


def _base64_encode(values: list[Any], args: tuple[Any, ...], rng: random.Random) -> str:
    text = _string(values[0], "the argument")
    _need(len(text) <= MAX_ENCODE, f"input longer than {MAX_ENCODE} characters")
    return base64.b64encode(text.encode()).decode("ascii")


def _base64_decode(values: list[Any], args: tuple[Any, ...], rng: random.Random) -> str:
    text = _string(values[0], "the argument")
    _need(len(text) <= MAX_ENCODE, f"input longer than {MAX_ENCODE} characters")
    try:
        return base64.b64decode(text, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise IntrinsicArgumentError(f"not valid base64 of UTF-8 text: {exc}") from None


_HASHES = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512"}


def _hash(values: list[Any], args: tuple[Any, ...], rng: random.Random) -> str:
    text = _string(values[0], "the data")
    _need(len(text) <= MAX_ENCODE, f"input longer than {MAX_ENCODE} characters")
    algorithm = values[1]
    _need(algorithm in _HASHES, f"algorithm must be one of {sorted(_HASHES)}, got {json.dumps(algorithm)}")
    return hashlib.new(_HASHES[algorithm], text.encode()).hexdigest()


def _json_merge(values: list[Any], args: tuple[Any, ...], rng: random.Random) -> dict[str, Any]:
    left, right, deep = values
    _need(isinstance(left, dict) and isinstance(right, dict), "both values to merge must be objects")
    _need(deep is False, "only shallow merging is supported: the third argument must be false")
    return {**left, **right}


def _math_random(values: list[Any], args: tuple[Any, ...], rng: random.Random) -> int:
    start, end = _integer(values[0], "start"), _integer(values[1], "end")
    _need(start < end, f"start ({start}) must be less than end ({end})")
    source = random.Random(_integer(values[2], "seed")) if len(values) == 3 else rng
    return source.randrange(start, end)  # AWS: start inclusive, end exclusive


def _math_add(values: list[Any], args: tuple[Any, ...], rng: random.Random) -> int:
    return _integer(values[0], "the first value") + _integer(values[1], "the second value")


def _string_split(values: list[Any], args: tuple[Any, ...], rng: random.Random) -> list[str]:
    text, separators = _string(values[0], "the string"), _string(values[1], "the delimiter")
    _need(bool(separators), "the delimiter must not be empty")
    parts: list[str] = []
    current: list[str] = []
    for char in text:  # every character of the delimiter splits; empty pieces are dropped, as in AWS
        if char in separators:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [p for p in parts if p]


def _uuid(values: list[Any], args: tuple[Any, ...], rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


FUNCTIONS: dict[str, Spec] = {
    "States.Format": Spec(_format, (1, None)),
    "States.StringToJson": Spec(_string_to_json, (1, 1)),
    "States.JsonToString": Spec(_json_to_string, (1, 1)),
    "States.Array": Spec(lambda values, args, rng: list(values), (0, None)),
    "States.ArrayPartition": Spec(_array_partition, (2, 2)),
    "States.ArrayContains": Spec(_array_contains, (2, 2)),
    "States.ArrayRange": Spec(_array_range, (3, 3)),
    "States.ArrayGetItem": Spec(_array_get_item, (2, 2)),
    "States.ArrayLength": Spec(lambda values, args, rng: len(_array(values[0])), (1, 1)),
    "States.ArrayUnique": Spec(_array_unique, (1, 1)),
    "States.Base64Encode": Spec(_base64_encode, (1, 1)),
    "States.Base64Decode": Spec(_base64_decode, (1, 1)),
    "States.Hash": Spec(_hash, (2, 2)),
    "States.JsonMerge": Spec(_json_merge, (3, 3)),
    "States.MathRandom": Spec(_math_random, (2, 3)),
    "States.MathAdd": Spec(_math_add, (2, 2)),
    "States.StringSplit": Spec(_string_split, (2, 2)),
    "States.UUID": Spec(_uuid, (0, 0)),
}
