"""`python -m rehearsal` (`make rehearse`): run the scenarios against the synthesized stack and report.

Exit 0 when every scenario passed, no call was denied and the template sets no unknown variable.
`--break-grant FUNCTION:ACTION` and `--rename-env FUNCTION:OLD:NEW` edit the deployment first, to prove the
rehearsal fails (and names why) when a grant is missing or a variable is misnamed.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from familyplus_local.executor import TaskError
from rehearsal import report as reporting
from rehearsal.scenarios import SCENARIOS
from rehearsal.stack import RehearsedStack
from rehearsal.template import Deployment

REPO = Path(__file__).resolve().parents[1]


def _rewrites(args: argparse.Namespace) -> Callable[[Deployment], None]:
    def rewrite(deployment: Deployment) -> None:
        for spec in args.break_grant:
            name, action = spec.split(":", 1)[0], spec.split(":", 1)[1]
            function = deployment.functions[name]
            for document in deployment.roles[function.role].policies.values():
                for statement in document["Statement"]:
                    actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                    statement["Action"] = [a for a in actions if a != action] or ["none:Nothing"]
        for spec in args.rename_env:
            name, old, new = spec.split(":")
            env = deployment.functions[name].environment
            env[new] = env.pop(old)

    return rewrite


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rehearsal", description=__doc__.split("\n\n")[0])
    parser.add_argument("--cdk-out", type=Path, default=REPO / "cdk.out")
    parser.add_argument("--out", type=Path, default=REPO / "build" / "rehearsal" / "report")
    parser.add_argument("--scenario", action="append", choices=sorted(SCENARIOS), help="default: all")
    parser.add_argument("--break-grant", action="append", default=[], metavar="FUNCTION:ACTION")
    parser.add_argument("--rename-env", action="append", default=[], metavar="FUNCTION:OLD:NEW")
    args = parser.parse_args(argv)
    started = time.monotonic()
    stack = RehearsedStack(args.cdk_out, rewrite=_rewrites(args))
    print(f"rehearsal: stack up in {time.monotonic() - started:.1f} s", file=sys.stderr)
    results = []
    try:
        for name in args.scenario or list(SCENARIOS):
            began = time.monotonic()
            try:
                detail = SCENARIOS[name](stack)
                status = "PASSED"
            except AssertionError as exc:
                status, detail = "FAILED", str(exc).splitlines()[0][:300]
            except TaskError as exc:  # a function invoked directly (a schedule target) failed
                status, detail = "FAILED", f"{exc.error}: {str(exc.cause)[:300]}"
            except Exception as exc:  # a scenario's own step broke: its name and type, and the others still run
                status, detail = "FAILED", f"{type(exc).__name__}: {str(exc).splitlines()[0][:300] if str(exc) else ''}"
            results.append(reporting.ScenarioResult(name, status, time.monotonic() - began, detail))
            print(f"rehearsal: {name}: {status} ({time.monotonic() - began:.1f} s) {detail}", file=sys.stderr)
        report = reporting.build(stack, results)
    finally:
        stack.close()
    as_json, as_md = reporting.write(report, args.out)
    print(reporting.render(report))
    print(f"report: {as_json} {as_md}", file=sys.stderr)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
