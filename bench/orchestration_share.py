"""Orchestration overhead in a full offline run: the share of process_response's wall time spent outside the
stages (goal: under 1%).

    .venv/bin/python bench/orchestration_share.py [--answers N]

Runs the bundled samples (three typed answers, one recording) and N more typed answers (evals/answers.json)
through the local runtime (`LocalRunner`: the executor, the history persisted event by event to SQLite,
leases) with the offline providers (MPNet,
Whisper, FFmpeg…). Every handler call is timed where the executor enters it (`LocalLambda.invoke`); the time
inside the stages is the union of those intervals (Parallel branches overlap), and everything else in the
execution's wall time — definition lookup, JSONPath, payload marshalling, history events, SQLite writes,
thread fan-out — is orchestration. One warm-up execution of each kind comes first (handler imports and
model loading are cold start, measured by bench/cold_start.py). The executor's own cost per transition with
no work at all is bench/executor_overhead.py. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict

import _local_runs as runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--answers", type=int, default=6, help="typed answers from evals/ after the samples")
    args = parser.parse_args()
    totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])  # wall, inside, transitions, n
    with runs.local_runner() as runner:
        clock = runs.StageClock()
        clock.install(runner)
        persisting = runs.PersistClock()
        persisting.install(runner)
        texts = runs.text_inputs()
        answers = runs.eval_inputs()
        runs.run_one(runner, runs.with_id(answers.pop(), "os-warm-text"))
        runs.run_one(runner, runs.audio_input(runner, "os-warm-audio"))
        persisting.seconds, persisting.events = 0.0, 0
        print(f"{'execution':<22} {'wall ms':>9} {'in stages':>10} {'outside':>9} {'share':>7} {'trans.':>6}")
        # The bundled samples, the recording, then more distinct typed answers (evals/answers.json).
        work = [("text", t) for t in texts] + [("audio", None)] + [("text", a) for a in answers[: args.answers]]
        for n, (medium, sample) in enumerate(work, start=1):
            response_id = f"os-{n}"
            payload = runs.with_id(sample, response_id) if sample else runs.audio_input(runner, response_id)
            clock.calls.clear()
            execution, wall = runs.run_one(runner, payload)
            inside = runs.covered([(start, end) for _, start, end in clock.calls])
            count = runs.transitions(execution)
            outside = wall - inside
            print(
                f"{response_id + ' (' + medium + ')':<22} {wall * 1e3:9.1f} {inside * 1e3:10.1f} "
                f"{outside * 1e3:9.2f} {outside / wall:7.2%} {count:6d}"
            )
            for key in (medium, "all"):
                total = totals[key]
                total[0] += wall
                total[1] += inside
                total[2] += count
                total[3] += 1
        persisted = persisting.seconds
        events = persisting.events
    print()
    for key, (wall, inside, count, executions) in totals.items():
        outside = wall - inside
        print(
            f"{key:<6} {int(executions)} executions: outside the stages {outside * 1e3:.1f} ms of {wall:.2f} s "
            f"= {outside / wall:.2%} of wall time; {outside * 1e6 / count:.0f} µs per state transition "
            f"({int(count)} transitions)"
        )
    wall_all, inside_all = totals["all"][0], totals["all"][1]
    print(
        f"of the time outside the stages, persisting the history (SQLite, {events} events): {persisted * 1e3:.1f} ms "
        f"({persisted / max(wall_all - inside_all, 1e-9):.0%}); the rest is the executor and the runner"
    )


if __name__ == "__main__":
    sys.exit(main())
