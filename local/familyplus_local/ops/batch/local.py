"""`familyplus batch FILE.jsonl`: one process_response input per line, a bounded number at a time, here.

Each line is parsed and validated on its own (`lines`). Executions are named `response-<responseId>`, so
re-running a batch file does not process a response twice (the earlier execution is reported). Concurrency
is bounded (`DEFAULT_CONCURRENCY`) so a batch cannot take every worker from interactive runs
(`familyplus serve`, `familyplus run`).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any, Protocol

from familyplus.errors import ExecutionAlreadyExistsError
from familyplus.models.keys import execution_name
from familyplus_local.executor import SubjectBusyError
from familyplus_local.ops.batch.lines import LineResult, parse_lines
from familyplus_local.runtime.runner import LocalRunner

PROCESS = "process_response"
#: Executions of one local batch at the same time.
DEFAULT_CONCURRENCY = 2


class BatchProgress(Protocol):
    """Follows a batch: `begin(lines, done)` once (invalid lines are done already), then `advance` per line."""

    def begin(self, lines: int, done: int) -> None: ...

    def advance(self, result: LineResult) -> None: ...


def _process(runner: LocalRunner, number: int, payload: dict[str, Any]) -> LineResult:
    response_id = str(payload["responseId"])
    try:
        execution = runner.start_or_resume(PROCESS, payload, name=execution_name(response_id))
    except (ExecutionAlreadyExistsError, SubjectBusyError) as exc:
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
    runner: LocalRunner,
    path: Path,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    progress: BatchProgress | None = None,
) -> list[LineResult]:
    """Process every line; results in line order."""
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    parsed = list(parse_lines(path, runner.adapters.media.put))
    results: list[LineResult] = [item for _, item in parsed if isinstance(item, LineResult)]
    todo = [(number, item) for number, item in parsed if not isinstance(item, LineResult)]
    if progress is not None:
        progress.begin(len(parsed), len(results))
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="batch") as pool:
        futures = [pool.submit(_process, runner, number, payload) for number, payload in todo]
        for future in as_completed(futures):
            result = future.result()
            results.append(result)
            if progress is not None:
                progress.advance(result)
    return sorted(results, key=lambda r: r.line)
