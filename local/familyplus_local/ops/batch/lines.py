"""The lines of a batch file (JSON lines, one process_response input per line), parsed and validated one by
one: a malformed line is reported with its number and reason and never stops the batch. The valid lines of a
large batch become a manifest for the batch_responses Distributed Map (on AWS, or locally with
`--distributed`)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from familyplus.errors import describe_validation
from familyplus.models.response import ProcessResponseInput
from familyplus_local.recordings import Put, RecordingNotFoundError, with_stored_recording

#: batch_responses fails only when more than this percentage of its lines failed (its ASL default too).
DEFAULT_TOLERATED_FAILURE_PERCENTAGE = 5.0


@dataclass(frozen=True)
class LineResult:
    line: int
    ok: bool
    response_id: str | None = None
    execution: str | None = None
    reason: str | None = None


def parse_lines(path: Path, put: Put | None = None) -> Iterator[tuple[int, dict[str, Any] | LineResult]]:
    """(line number, workflow input) for good lines, (line number, failed LineResult) for bad ones. With
    `put`, an `audioKey` that is a local file (relative to the batch file) is stored first (`recordings`)."""
    first_seen: dict[str, tuple[int, dict[str, Any]]] = {}
    for number, line in _lines(path):
        if isinstance(line, LineResult):
            yield number, line
            continue
        raw = line
        if not raw.strip():
            continue
        try:
            data = json.loads(raw, parse_constant=_refuse_constant)
        except (json.JSONDecodeError, ValueError) as exc:
            where = f" (column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
            message = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
            yield number, LineResult(number, False, reason=f"not JSON: {message}{where}")
            continue
        for result in _one(number, data, put, path):
            if isinstance(result, LineResult):
                yield number, result
                continue
            response_id = str(result["responseId"])
            earlier = first_seen.get(response_id)
            if earlier is None:
                first_seen[response_id] = (number, result)
                yield number, result
            elif earlier[1] == result:
                yield (
                    number,
                    LineResult(
                        number, False, response_id=response_id, reason=f"duplicate of line {earlier[0]} (not run twice)"
                    ),
                )
            else:
                # One execution per response id: a second content would be reported done and never run.
                yield (
                    number,
                    LineResult(
                        number,
                        False,
                        response_id=response_id,
                        reason=f"responseId {response_id!r} is already on line {earlier[0]} with other content: "
                        "give it another responseId, or run it after this batch",
                    ),
                )


def _lines(path: Path) -> Iterator[tuple[int, str | LineResult]]:
    """The file's lines as text, one at a time: a line that is not UTF-8 is a bad line, not a crashed batch;
    a byte-order mark before the first line is dropped."""
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            if number == 1:
                raw = raw.removeprefix(b"\xef\xbb\xbf")
            try:
                yield number, raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield (
                    number,
                    LineResult(
                        number,
                        False,
                        reason=f"not UTF-8 text: byte 0x{raw[exc.start]:02x} at column {exc.start + 1} "
                        "(save the file as UTF-8)",
                    ),
                )


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _one(number: int, data: Any, put: Put | None, path: Path) -> Iterator[dict[str, Any] | LineResult]:
    """One decoded line: its workflow input, or why not."""
    if not isinstance(data, dict):
        yield LineResult(number, False, reason=f"expected a JSON object, got {type(data).__name__}")
        return
    response_id = data.get("responseId") if isinstance(data.get("responseId"), str) else None
    try:
        data = with_stored_recording(data, put, base=path.parent) if put is not None else data
    except (RecordingNotFoundError, OSError) as exc:
        yield LineResult(number, False, response_id=response_id, reason=str(exc))
        return
    try:
        yield ProcessResponseInput.model_validate(data).wire()
    except ValidationError as exc:
        yield LineResult(number, False, response_id=response_id, reason=describe_validation(exc))


def manifest_bytes(payloads: Sequence[dict[str, Any]]) -> bytes:
    """One JSON object per line, keys sorted: the same inputs always make the same bytes (and hash)."""
    return "".join(
        json.dumps(p, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n" for p in payloads
    ).encode("utf-8")
