"""The items of a distributed Map: read from an object (ItemReader: JSON, JSONL or CSV via the `objects` hook)
and grouped into child inputs (ItemBatcher).

Parsing follows AWS: a JSON object must hold an array; JSONL is one JSON value per line; CSV rows become
objects of strings keyed by the header row (FIRST_ROW) or the given CSVHeaders (GIVEN). MaxItems 0 means no
limit and is capped at 100,000,000. Failures are States.ItemReaderFailed. Like AWS, a CSV row with fewer
fields than headers gets "" for the missing ones, extra fields past the last header are dropped, and duplicate
headers (from the first row or CSVHeaders) fail the reader."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from ..context import RunContext
from ..definition.distributed import MAX_BATCH_BYTES, MAX_ITEMS_LIMIT
from ..definition.model import ItemBatcherSpec, ItemReaderSpec
from ..errors import STATES_ITEM_READER_FAILED, STATES_RUNTIME, StatesFailure
from ..expressions.env import Env
from ..expressions.jsonata import JsonataValue
from ..expressions.jsonpath.paths import JsonPath
from ..expressions.jsonpath.processing import build, read_value


def read_items(rc: RunContext, spec: ItemReaderSpec, effective: Any, env: Env, state: str) -> list[Any]:
    """Get the reader's object through `rc.objects` and parse it into the list of items."""
    params = build(spec.parameters, effective, env)
    bucket, key = (params.get(k) if isinstance(params, dict) else None for k in ("Bucket", "Key"))
    if not isinstance(bucket, str) or not bucket or not isinstance(key, str) or not key:
        raise StatesFailure(
            STATES_RUNTIME, f"State {state!r}: ItemReader needs string Bucket and Key parameters, got {params!r}"
        )
    limit = _max_items(spec, effective, env, state)
    if rc.objects is None:  # checked at run start; kept for direct callers
        raise StatesFailure(STATES_RUNTIME, "no objects hook was given")
    where = f"s3://{bucket}/{key}"
    try:
        data = rc.objects.get_object(bucket, key)
        text = bytes(data).decode("utf-8-sig")
    except Exception as exc:
        raise StatesFailure(STATES_ITEM_READER_FAILED, f"could not read {where}: {type(exc).__name__}: {exc}") from None
    if spec.input_type == "JSON":
        return _json(text, limit, where)
    if spec.input_type == "JSONL":
        return _jsonl(text, limit, where)
    return _csv(text, spec, limit, where)


def _max_items(spec: ItemReaderSpec, effective: Any, env: Env, state: str) -> int:
    value: Any = spec.max_items
    if spec.max_items_path is not None:
        value = read_value(spec.max_items_path, effective, env, "MaxItemsPath", state)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            # LocalStack's reproduction of AWS's words.
            path = getattr(spec.max_items_path, "text", "MaxItemsPath")
            cause = (
                "field MaxItems must be positive"
                if isinstance(value, int) and not isinstance(value, bool)
                else f"The MaxItemsPath field refers to value '{value}' which is not a valid integer: {path}"
            )
            raise StatesFailure(STATES_ITEM_READER_FAILED, cause)
    return MAX_ITEMS_LIMIT if value == 0 else min(value, MAX_ITEMS_LIMIT)


def _json(text: str, limit: int, where: str) -> list[Any]:
    try:
        items = json.loads(text)
    except ValueError as exc:
        raise StatesFailure(STATES_ITEM_READER_FAILED, f"{where} is not valid JSON: {exc}") from None
    if not isinstance(items, list):
        # LocalStack's reproduction of AWS's words.
        raise StatesFailure(STATES_ITEM_READER_FAILED, "Attempting to map over non-iterable node.")
    return items[:limit]


def _jsonl(text: str, limit: int, where: str) -> list[Any]:
    items: list[Any] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if len(items) >= limit:
            break
        if not line.strip():
            continue
        try:
            items.append(json.loads(line))
        except ValueError as exc:
            raise StatesFailure(STATES_ITEM_READER_FAILED, f"{where} line {number} is not JSON: {exc}") from None
    return items


def _csv(text: str, spec: ItemReaderSpec, limit: int, where: str) -> list[Any]:
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=spec.csv_delimiter, strict=True)
    headers: list[str] | None = _headers(list(spec.csv_headers)) if spec.csv_header_location == "GIVEN" else None
    items: list[Any] = []
    try:
        for row in rows:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # blank line
            if headers is None:
                headers = _headers(row)
                continue
            if len(items) >= limit:
                break
            items.append({header: row[i] if i < len(row) else "" for i, header in enumerate(headers)})
    except csv.Error as exc:
        raise StatesFailure(STATES_ITEM_READER_FAILED, f"{where} line {rows.line_num}: bad CSV: {exc}") from None
    return items


def _headers(row: list[str]) -> list[str]:
    if len(set(row)) != len(row):
        raise StatesFailure(STATES_ITEM_READER_FAILED, "CSV headers cannot contain duplicates.")
    return row


def make_batches(spec: ItemBatcherSpec, items: list[Any], effective: Any, env: Env, state: str) -> list[Any]:
    """Group items into child inputs `{"BatchInput": ..., "Items": [...]}` (BatchInput only when given), each
    with at most MaxItemsPerBatch items and at most MaxInputBytesPerBatch bytes of JSON (the whole child input)."""
    max_items = _positive(spec.max_items, spec.max_items_path, effective, env, "MaxItemsPerBatchPath", state)
    max_bytes = _positive(spec.max_bytes, spec.max_bytes_path, effective, env, "MaxInputBytesPerBatchPath", state)
    max_bytes = min(max_bytes, MAX_BATCH_BYTES) if max_bytes else 0
    head: dict[str, Any] = {}
    if spec.batch_input is not None:
        head["BatchInput"] = build(spec.batch_input, effective, env)
    empty = _size({**head, "Items": []})
    batches: list[list[Any]] = []
    current: list[Any] = []
    size = empty
    for index, item in enumerate(items):
        item_size = _size(item) + (1 if current else 0)  # the comma between items
        if max_bytes and empty + _size(item) > max_bytes:
            raise StatesFailure(
                STATES_RUNTIME,
                f"State {state!r}: item {index} alone makes a batch of {empty + _size(item)} bytes, "
                f"more than MaxInputBytesPerBatch {max_bytes}",
            )
        if current and ((max_items and len(current) >= max_items) or (max_bytes and size + item_size > max_bytes)):
            batches.append(current)
            current, size, item_size = [], empty, _size(item)
        current.append(item)
        size += item_size
    if current:
        batches.append(current)
    return [{**head, "Items": batch} for batch in batches]


def _positive(
    value: int, path: JsonPath | JsonataValue | None, effective: Any, env: Env, field: str, state: str
) -> int:
    if path is None:
        return value
    found = read_value(path, effective, env, field, state)
    if isinstance(found, bool) or not isinstance(found, int) or found < 1:
        raise StatesFailure(STATES_RUNTIME, f"State {state!r}: {field} must give a positive integer, got {found!r}")
    return found


def _size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
