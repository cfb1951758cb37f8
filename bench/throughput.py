"""Throughput of the local runtime: typed responses per minute at 1, 2 and 4 concurrent executions, offline
providers, one process (threads, as `familyplus batch --concurrency N` runs them).

    .venv/bin/python bench/throughput.py [--responses N] [--levels 1,2,4]

Each level processes N answers of its own from evals/answers.json (distinct words, so that no level is helped
by the embedder's cache of sentences it saw before) through one `LocalRunner`, after a warm-up execution.
Prints responses per minute, the median execution latency and the speed-up over one at a time. The offline
stages are CPU-bound (the sentence model in numpy, the extractive writer), so on this machine's 2 cores the speed-up is
bounded by 2 and by what of that work releases the GIL (numpy does; the pure-Python scoring does not).
Figures, not assertions.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import _local_runs as runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--responses", type=int, default=15, help="responses per concurrency level")
    parser.add_argument("--levels", default="1,2,4", help="concurrency levels, comma-separated")
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parent / "results" / "throughput.json", help="JSON figures"
    )
    args = parser.parse_args()
    levels = [int(level) for level in args.levels.split(",")]
    print(f"{os.cpu_count()} CPUs; {args.responses} typed responses per level, offline providers")
    answers = runs.eval_inputs()
    if args.responses * len(levels) + 1 > len(answers):
        parser.error(f"at most {(len(answers) - 1) // len(levels)} responses per level (evals/answers.json)")
    with runs.local_runner() as runner:
        runs.run_one(runner, runs.with_id(answers.pop(), "tp-warm"))
        print(f"{'concurrent':>10} {'responses/min':>14} {'median latency s':>17} {'speed-up':>9}")
        base = None
        figures: dict[str, dict[str, float]] = {"responses_per_minute": {}, "median_latency_s": {}}
        for level in levels:
            payloads = [runs.with_id(answers.pop(0), f"tp-{level}-{i}") for i in range(args.responses)]
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=level) as pool:
                latencies = [elapsed for _, elapsed in pool.map(lambda p: runs.run_one(runner, p), payloads)]
            wall = time.perf_counter() - started
            per_minute = args.responses * 60 / wall
            base = base or per_minute
            figures["responses_per_minute"][str(level)] = round(per_minute, 1)
            figures["median_latency_s"][str(level)] = round(statistics.median(latencies), 3)
            print(f"{level:>10} {per_minute:14.1f} {statistics.median(latencies):17.2f} {per_minute / base:8.2f}x")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"cpus": os.cpu_count(), **figures}, indent=2) + "\n", encoding="utf-8")
    print(f"-> {args.out}")


if __name__ == "__main__":
    sys.exit(main())
