"""Reading and validating Retry and Catch arrays."""

from __future__ import annotations

from typing import Any

from ..errors import STATES_ALL
from ..retry import Catcher, Retrier
from .reader import MISSING, Reader

_RETRIER_FIELDS = {
    "ErrorEquals",
    "IntervalSeconds",
    "MaxAttempts",
    "BackoffRate",
    "MaxDelaySeconds",
    "JitterStrategy",
    "Comment",
}
_CATCHER_FIELDS = {"ErrorEquals", "Next", "ResultPath", "Comment"}


def _error_equals(r: Reader, item: dict[str, Any], pointer: str, label: str, last: bool, what: str) -> tuple[str, ...]:
    names = item.get("ErrorEquals")
    if not isinstance(names, list) or not names or not all(isinstance(n, str) and n for n in names):
        r.problem(
            f"{pointer}/ErrorEquals", f"ErrorEquals must be a non-empty array of error names, got {names!r}", label
        )
        return ()
    if STATES_ALL in names:
        if len(names) != 1:
            r.problem(f"{pointer}/ErrorEquals", f"{STATES_ALL} must appear alone in ErrorEquals", label)
        if not last:
            r.problem(f"{pointer}/ErrorEquals", f"{STATES_ALL} must be in the last {what}", label)
    return tuple(names)


def read_retry(r: Reader, raw: dict[str, Any], pointer: str, label: str) -> tuple[Retrier, ...]:
    items = raw.get("Retry", [])
    if not isinstance(items, list):
        r.problem(f"{pointer}/Retry", "Retry must be an array of retriers", label)
        return ()
    retriers = []
    for index, item in enumerate(items):
        where = f"{pointer}/Retry/{index}"
        if not isinstance(item, dict):
            r.problem(where, "a retrier must be an object", label)
            continue
        r.fields(item, _RETRIER_FIELDS, where, label)
        names = _error_equals(r, item, where, label, index == len(items) - 1, "retrier")
        interval = r.number(item, "IntervalSeconds", where, label, minimum=1)
        attempts = r.number(item, "MaxAttempts", where, label, minimum=0)
        backoff = r.number(item, "BackoffRate", where, label, integer=False, minimum=1.0)
        max_delay = r.number(item, "MaxDelaySeconds", where, label, minimum=0, exclusive=True)
        jitter = item.get("JitterStrategy", "NONE")
        if jitter not in ("NONE", "FULL"):
            r.problem(f"{where}/JitterStrategy", f"JitterStrategy must be FULL or NONE, got {jitter!r}", label)
        retriers.append(
            Retrier(
                error_equals=names,
                interval_seconds=1.0 if interval is MISSING else float(interval),
                max_attempts=3 if attempts is MISSING else attempts,
                backoff_rate=2.0 if backoff is MISSING else backoff,
                max_delay_seconds=None if max_delay is MISSING else float(max_delay),
                jitter=jitter if jitter in ("NONE", "FULL") else "NONE",
            )
        )
    return tuple(retriers)


def read_catch(
    r: Reader, raw: dict[str, Any], pointer: str, label: str, language: str = "JSONPath"
) -> tuple[Catcher, ...]:
    items = raw.get("Catch", [])
    if not isinstance(items, list):
        r.problem(f"{pointer}/Catch", "Catch must be an array of catchers", label)
        return ()
    catchers = []
    for index, item in enumerate(items):
        where = f"{pointer}/Catch/{index}"
        if not isinstance(item, dict):
            r.problem(where, "a catcher must be an object", label)
            continue
        # JSONPath catchers place the error with ResultPath; JSONata ones shape the output with Output.
        allowed = _CATCHER_FIELDS | {"Assign"} | ({"Output"} - {"ResultPath"} if language == "JSONata" else set())
        if language == "JSONata":
            allowed = (allowed | {"Output"}) - {"ResultPath"}
        r.fields(item, allowed, where, label, language)
        names = _error_equals(r, item, where, label, index == len(items) - 1, "catcher")
        target = r.string(item, "Next", where, label, required=True)
        result_path = r.path(item, "ResultPath", where, label, reference=True)
        assign = r.assign(item, where, label, language)
        output = r.jsonata(item, "Output", where, label) if language == "JSONata" else None
        catchers.append(Catcher(names, target or "", result_path, assign, output))
    return tuple(catchers)
