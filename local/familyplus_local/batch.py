"""`familyplus batch FILE.jsonl`: one process_response input per line, a bounded number at a time.

Each line is parsed and validated on its own: a malformed line is reported with its number and reason and
never stops the batch. Executions are named `response-<responseId>`, so re-running a batch file does not
process a response twice (the earlier execution is reported). Concurrency is bounded (default 2) so a
batch cannot take every worker from interactive runs (`familyplus serve`, `familyplus run`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from familyplus.handlers._lambda import describe_validation
from familyplus.models.keys import execution_name
from familyplus.models.response import ProcessResponseInput
from familyplus_local.executor import SubjectBusyError
from familyplus_local.recordings import Put, RecordingNotFoundError, with_stored_recording
from familyplus_local.runtime.runner import ExecutionExistsError, LocalRunner

PROCESS = "process_response"


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


def _process(runner: LocalRunner, number: int, payload: dict[str, Any]) -> LineResult:
    response_id = str(payload["responseId"])
    try:
        execution = runner.start_or_resume(PROCESS, payload, name=execution_name(response_id))
    except (ExecutionExistsError, SubjectBusyError) as exc:
        return LineResult(number, False, response_id=response_id, reason=str(exc))
    except Exception as exc:  # one line's surprise must not stop the batch: report it against the line
        return LineResult(number, False, response_id=response_id, reason=f"{type(exc).__name__}: {exc}")
    if execution.status != "SUCCEEDED":
        return LineResult(
            number,
            False,
            response_id=response_id,
            execution=execution.name,
            reason=f"{execution.status}: {execution.error}: {execution.cause}",
        )
    return LineResult(number, True, response_id=response_id, execution=execution.name)


def run_batch(
    runner: LocalRunner, path: Path, *, concurrency: int = 2, console: Console | None = None
) -> list[LineResult]:
    """Process every line; results in line order."""
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    parsed = list(parse_lines(path, runner.adapters.media.put))
    results: list[LineResult] = [item for _, item in parsed if isinstance(item, LineResult)]
    todo = [(number, item) for number, item in parsed if not isinstance(item, LineResult)]
    progress = Progress(
        TextColumn("[bold]batch"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[last]}"),
        TimeElapsedColumn(),
        console=console,
        disable=console is None,
    )
    with progress, ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="batch") as pool:
        task = progress.add_task("batch", total=len(parsed), completed=len(results), last="")
        futures = [pool.submit(_process, runner, number, payload) for number, payload in todo]
        for future in as_completed(futures):
            result = future.result()
            results.append(result)
            progress.update(task, advance=1, last=f"line {result.line} {'ok' if result.ok else 'FAILED'}")
    return sorted(results, key=lambda r: r.line)


def summary_table(results: list[LineResult]) -> Table:
    failed = [r for r in results if not r.ok]
    table = Table(title=f"batch: {len(results) - len(failed)} succeeded, {len(failed)} failed", title_justify="left")
    for column in ("line", "response", "execution", "reason"):
        table.add_column(column)
    for r in failed:
        table.add_row(str(r.line), r.response_id or "—", r.execution or "—", r.reason or "")
    return table
