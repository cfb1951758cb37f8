"""Critical path: our parallel process_response against the seed's linear chain of the same stages, with
simulated provider latencies (sleep-based fakes behind the ports), through the same local executor.

    .venv/bin/python bench/critical_path.py [--repeat N] [--scale S] [--durations PATH]

The seed (Trigger.dev) ran transcribe → embed → tag → wisdom → story → quotes one after another; our
definition runs Embed | TagValues | ExtractWisdom as one Parallel state. The linear chain is built here from
statemachines/process_response.asl.json itself (`_local_runs.linear_chain`: the Parallel's branches in
sequence, same Tasks, Retry and Catch), so the two differ in shape only. Latencies are the named constants in
`_local_runs` (assumptions about the providers, not measurements of them); `--scale` multiplies them for a
quicker run. Prints the wall time of each variant and their ratio, and writes each stage's median duration
in the parallel run (what `bench/cost_model.py` bills as Lambda duration) to `--durations`.
Figures, not assertions.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import _local_runs as runs

RESULTS = Path(__file__).resolve().parent / "results"
DURATIONS = RESULTS / "stage_durations.json"


def measure(runner: Any, clock: runs.StageClock, payload: dict[str, Any]) -> tuple[float, float, dict[str, float], int]:
    """Wall seconds, seconds outside every stage, seconds inside each stage, and state transitions of one
    execution."""
    clock.calls.clear()
    execution, wall = runs.run_one(runner, payload)
    per_stage: dict[str, float] = defaultdict(float)
    for stage, start, end in clock.calls:
        per_stage[stage] += end - start
    around = wall - runs.covered([(start, end) for _, start, end in clock.calls])
    return wall, around, dict(per_stage), runs.transitions(execution)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each variant and medium (median shown)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every simulated latency")
    parser.add_argument("--durations", type=Path, default=DURATIONS, help="where to write stage durations (JSON)")
    parser.add_argument("--walls", type=Path, default=RESULTS / "critical_path.json", help="where to write walls")
    args = parser.parse_args()
    latencies = {port: (method, seconds * args.scale) for port, (method, seconds) in runs.PORT_LATENCIES.items()}
    print("simulated provider latency per call (s):", ", ".join(f"{p}={s:g}" for p, (_, s) in latencies.items()))

    walls: dict[tuple[str, str], list[float]] = defaultdict(list)
    outside: dict[str, list[float]] = defaultdict(list)
    transitions: dict[tuple[str, str], int] = {}
    stage_seconds: dict[str, list[float]] = defaultdict(list)
    with runs.local_runner(**runs.simulated_providers(latencies)) as runner:
        clock = runs.StageClock()
        clock.install(runner)
        parallel = runs.process_response_document(runner)
        shapes = {"parallel (ours)": parallel, "linear (seed's shape)": runs.linear_chain(parallel)}
        text = runs.text_inputs()[0]
        # Warm-up, not recorded: the first call of each handler imports it (a cold start, measured apart by
        # bench/cold_start.py), and FFmpeg's first run pays for loading its binary.
        runs.run_one(runner, runs.with_id(text, "cp-warm-text"))
        runs.run_one(runner, runs.audio_input(runner, "cp-warm-audio"))
        n = 0
        for _ in range(args.repeat):
            for shape, document in shapes.items():  # alternating, so that load on the machine hits both alike
                runs.use_definition(runner, runs.PROCESS, document)
                for medium in ("text", "audio"):
                    n += 1
                    response_id = f"cp-{n}"
                    payload = (
                        runs.with_id(text, response_id) if medium == "text" else runs.audio_input(runner, response_id)
                    )
                    wall, around, per_stage, transitions[(shape, medium)] = measure(runner, clock, payload)
                    walls[(shape, medium)].append(wall)
                    outside[medium].append(around / wall)
                    if shape.startswith("parallel"):
                        for stage, seconds in per_stage.items():
                            stage_seconds[f"{stage}:{medium}"].append(seconds)

    print(f"\n{'process_response, wall time (s)':<34} {'text':>8} {'audio':>8}")
    median = {key: statistics.median(values) for key, values in walls.items()}
    for shape in shapes:
        print(f"{shape:<34} {median[(shape, 'text')]:8.2f} {median[(shape, 'audio')]:8.2f}")
    linear, ours = "linear (seed's shape)", "parallel (ours)"
    ratios = [median[(linear, m)] / median[(ours, m)] for m in ("text", "audio")]
    print(f"{'ratio linear / parallel':<34} {ratios[0]:8.2f} {ratios[1]:8.2f}")
    print(f"({args.repeat} run(s) of each, median; the ratio's ceiling here is set by the latencies: the Parallel")
    print(" saves the two shorter of embed/tag/wisdom; story and quotes stay in sequence as their data requires)")
    counted = ", ".join(f"{shape} {medium} {n}" for (shape, medium), n in transitions.items())
    print(f"state transitions per execution (from the history; bench/cost_model.py counts the same): {counted}")
    shares = ", ".join(f"{m} {statistics.median(v):.2%}" for m, v in outside.items())
    print(f"outside the stages (orchestration), median share of wall time: {shares}")

    walls_out = {shape: {m: round(median[(shape, m)], 3) for m in ("text", "audio")} for shape in shapes}
    args.walls.parent.mkdir(parents=True, exist_ok=True)
    args.walls.write_text(
        json.dumps({"latency_scale": args.scale, "repeat": args.repeat, "wall_seconds": walls_out}, indent=2) + "\n",
        encoding="utf-8",
    )
    durations = {key: round(statistics.median(values), 4) for key, values in sorted(stage_seconds.items())}
    args.durations.parent.mkdir(parents=True, exist_ok=True)
    args.durations.write_text(
        json.dumps(
            {
                "what": "median seconds inside each stage's handler (stage:medium), parallel process_response with "
                "simulated provider latencies (bench/critical_path.py)",
                "latency_scale": args.scale,
                "seconds": durations,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"\nstage durations -> {args.durations}")
    for key, seconds in durations.items():
        print(f"  {key:<28} {seconds:7.3f} s")


if __name__ == "__main__":
    sys.exit(main())
