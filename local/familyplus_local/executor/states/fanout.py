"""Running Parallel branches / Map iterations concurrently, at most `concurrency` at a time."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from typing import Any

from ..context import CancelToken
from ..errors import AbortedSignal

Job = Callable[[CancelToken], Any]


def fan_out(jobs: list[Job], concurrency: int, parent: CancelToken) -> list[Any]:
    """Run the jobs (each gets a shared child cancel token) and return their results in job order.

    The first job to fail cancels the others: jobs not started yet never start, running ones stop at their
    next state (AbortedSignal). The first real failure (not an abort) is re-raised.
    A pool of `concurrency` threads guarantees that no more than that many jobs run at once.
    """
    token = CancelToken(parent)
    results: list[Any] = [None] * len(jobs)
    workers = max(1, min(concurrency, len(jobs)))
    if workers == 1:
        for index, job in enumerate(jobs):
            results[index] = job(token)
        return results
    errors: list[BaseException] = []
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sfn-fanout") as pool:
        futures: dict[Future[Any], int] = {pool.submit(job, token): index for index, job in enumerate(jobs)}

        def stop_all() -> None:
            token.cancel()
            for other in futures:
                other.cancel()

        try:
            for future in as_completed(futures):
                if future.cancelled():
                    continue
                error = future.exception()
                if error is None:
                    results[futures[future]] = future.result()
                    continue
                errors.append(error)
                stop_all()
        except BaseException:  # e.g. KeyboardInterrupt while waiting: stop the workers before leaving
            stop_all()
            raise
    if errors:
        real = [e for e in errors if not isinstance(e, AbortedSignal)]
        raise (real or errors)[0]
    return results


def gather(jobs: list[Job], concurrency: int, parent: CancelToken, done: Callable[[int, Any], bool]) -> bool:
    """Run every job, at most `concurrency` at a time, without stopping at failures (a distributed Map's
    children report their failures in their results). `done(index, result)` is called in this thread as each
    job finishes; when it returns True the rest are stopped: jobs not started never start, running ones stop at
    their next state (AbortedSignal, ignored here) and `done` is not called again. Returns whether it stopped.

    An exception raised by a job (the parent was cancelled, the execution timed out, a bug) stops the others
    and is re-raised once they have stopped."""
    token = CancelToken(parent)
    workers = max(1, min(concurrency, len(jobs)))
    if workers == 1:
        return any(done(index, job(token)) for index, job in enumerate(jobs))  # lazily: stops at the first True
    stopped = False
    errors: list[BaseException] = []
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sfn-maprun") as pool:
        futures: dict[Future[Any], int] = {pool.submit(job, token): index for index, job in enumerate(jobs)}

        def stop_all() -> None:
            token.cancel()
            for other in futures:
                other.cancel()

        try:
            for future in as_completed(futures):
                if future.cancelled():
                    continue
                error = future.exception()
                if error is not None:
                    if not (stopped and isinstance(error, AbortedSignal)):
                        errors.append(error)
                        stop_all()
                elif not stopped and not errors and done(futures[future], future.result()):
                    stopped = True
                    stop_all()
        except BaseException:
            stop_all()
            raise
    if errors:
        real = [e for e in errors if not isinstance(e, AbortedSignal)]
        raise (real or errors)[0]
    return stopped
