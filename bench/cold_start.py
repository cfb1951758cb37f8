"""Cold start of every Lambda function the stack defines, against `import boto3` alone; code and layer sizes.

    .venv/bin/python bench/cold_start.py [--runs 5] [--stage NAME ...] [--cdk-out cdk.out] [--no-invoke]
                                         [--trace-disabled] [--bytecode]

Each measurement is a fresh interpreter of the rehearsal's Lambda root (`rehearsal/sandbox.py`: a bare Python,
the code asset from `cdk.out`, the layers rebuilt for this machine from their own pins; `cdk.out` synthesized
again first when missing or older than `functions/`) with no bytecode, as deployed (the zips ship no .pyc and
/var/task and /opt are read-only, so every import compiles; `--bytecode` compiles first instead). It gets the
function's environment exactly as the synthesized template sets it, plus what Lambda itself sets (the rehearsal's
`lambda_environment`: `LAMBDA_TASK_ROOT`, so Powertools Tracer and the X-Ray SDK run as in Lambda with active
tracing; `--trace-disabled` adds POWERTOOLS_TRACE_DISABLED=true) and the function's own role credentials
against the emulated AWS (moto's `ThreadedMotoServer` behind the rehearsal's policy-checking front door,
reached through `AWS_ENDPOINT_URL`):

* import: `import familyplus.handlers.<stage>`, timed inside the interpreter (interpreter start-up is the
  same for both sides and left out);
* first call: the handler invoked once in the cloud profile with a trace id set (as Lambda sets it per
  invocation): settings validated, the provider keys read from the Secrets Manager secret, the adapters and
  the provider-call cache (DynamoDB) built, the event parsed. The event is `{}`, which most stages' models
  reject before the stage runs, so no provider is called; the scheduled jobs whose every field has a default
  (deliver_daily_quotes, select_podcast_candidates) and mark_failed run, and their first Supabase request is
  refused at once (nothing listens at the secret's SUPABASE_URL). Then each port the stage's `...Ports` protocol
  names is built (its SDK imported, its client made), which is the rest of what a real first call pays
  before its first request leaves;
* baseline: `import boto3` in the same kind of interpreter, alternating with each function's (which goes
  first swaps every run); each ratio is the median of the per-run ratios.

Figures, not assertions: they depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script: the repo's packages (rehearsal, layers) beside the editable install
    sys.path.insert(0, str(REPO))

from layers.builder import unzipped_size, write_zip  # noqa: E402
from layers.recipe import CODE_EXCLUDES  # noqa: E402
from rehearsal.aws import EmulatedAws  # noqa: E402
from rehearsal.environment import lambda_environment  # noqa: E402
from rehearsal.sandbox import LambdaRoot  # noqa: E402
from rehearsal.template import Deployment, Function, read_deployment  # noqa: E402

#: What the child interpreter runs: argv = module, mode ("import" | "invoke"). Only the stdlib is loaded before
#: the clock starts, the same for the baseline and the handlers.
CHILD = r"""
import importlib, json, os, sys, time
started = time.perf_counter()
module = importlib.import_module(sys.argv[1])
result = {"import_ms": (time.perf_counter() - started) * 1000}
if sys.argv[2] == "invoke":
    class Context:  # what Lambda passes: the fields Powertools and the provider-call cache read
        function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        function_version = "$LATEST"
        invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:" + function_name
        memory_limit_in_mb = int(os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"])
        aws_request_id = "00000000-0000-4000-8000-000000000001"
        log_group_name = os.environ["AWS_LAMBDA_LOG_GROUP_NAME"]
        log_stream_name = os.environ["AWS_LAMBDA_LOG_STREAM_NAME"]
        def get_remaining_time_in_millis(self):
            return 60_000
    os.environ["_X_AMZN_TRACE_ID"] = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
    started = time.perf_counter()
    try:
        module.handler({}, Context())
        outcome = "returned"
    except Exception as exc:
        outcome = type(exc).__name__ + ": " + str(exc)[:100]
    result["invoke_ms"] = (time.perf_counter() - started) * 1000
    result["outcome"] = outcome
    stage = importlib.import_module("familyplus.stages." + sys.argv[1].rsplit(".", 1)[1])
    protocol = getattr(stage, stage.run.__annotations__["ports"])
    ports = [n for n, v in vars(protocol).items() if isinstance(v, property) and n != "settings"]
    from familyplus import bootstrap
    adapters = bootstrap.current()
    started = time.perf_counter()
    for name in ports:
        getattr(adapters, name)
    result["ports_ms"] = (time.perf_counter() - started) * 1000
    result["ports"] = ports
sys.stdout.flush()
print("\nCOLD-START " + json.dumps(result), flush=True)
"""
BASELINE = "boto3"
#: The provider keys the settings require (never called: see the module docstring).
SECRET = {
    "SUPABASE_URL": "http://127.0.0.1:9",
    "SUPABASE_KEY": "sb_secret_cold-start",
    "OPENAI_API_KEY": "sk-cold-start",
    "CARTESIA_API_KEY": "sk_car_cold-start",
    "CARTESIA_VOICE_HOST": "voice-host",
    "CARTESIA_VOICE_NARRATOR": "voice-narrator",
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "TWILIO_AUTH_TOKEN": "cold-start-token",
    "TWILIO_FROM": "+15550001111",
}


@dataclass
class Row:
    name: str
    imports: list[float] = field(default_factory=list)
    firsts: list[float] = field(default_factory=list)  # import + first call + ports
    baselines: list[float] = field(default_factory=list)
    outcome: str = ""
    ports: list[str] = field(default_factory=list)
    failed: str = ""

    def ratio(self, values: list[float]) -> float:
        return statistics.median(v / b for v, b in zip(values, self.baselines, strict=True))


def run_child(python: Path, module: str, mode: str, env: dict[str, str], cwd: Path) -> dict[str, Any]:
    done = subprocess.run(
        [str(python), "-c", CHILD, module, mode], env=env, cwd=cwd, capture_output=True, text=True, check=False
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("COLD-START ")]
    if done.returncode != 0 or not lines:  # e.g. a module the layer lacks: reported in the table, by its last line
        return {"failed": (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1][:120]}
    return dict(json.loads(lines[-1].removeprefix("COLD-START ")))


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and not any(fnmatch(part, x) for part in p.relative_to(folder).parts for x in CODE_EXCLUDES)
    }


def ensure_synth(cdk_out: Path) -> None:
    """A template whose code asset is today's `functions/` (synthesized again when missing or stale)."""
    if list(cdk_out.glob("*.template.json")):
        assets = {f.asset for f in read_deployment(cdk_out).functions.values()}
        if all(a.is_dir() and _tree(a) == _tree(REPO / "functions") for a in assets):
            return
    print(f"cold start: {cdk_out} is missing or stale; synthesizing (python app.py)", file=sys.stderr)
    done = subprocess.run([sys.executable, "app.py"], cwd=REPO, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"synth failed: {done.stderr.strip()[-600:]}")


class Root:
    """The rehearsal's Lambda root (the code asset, the layers rebuilt for this machine, a bare Python), used
    without its sandbox: a handler's import and first call need no mount namespace."""

    def __init__(self, bytecode: bool, trace_disabled: bool) -> None:
        self.lambda_root = LambdaRoot()
        self.trace_disabled = trace_disabled
        self.python = self.lambda_root.lang / "bin" / "python3"
        self.bytecode = bytecode
        self._prepared: set[Path] = set()

    def paths(self, function: Function) -> tuple[Path, Path]:
        task, opt = self.lambda_root.task(function.asset), self.lambda_root.opt(function.layers)
        for folder in (task, opt):
            if folder in self._prepared:
                continue
            if self.bytecode:
                subprocess.run([str(self.python), "-m", "compileall", "-q", "-j0", str(folder)], check=False)
            else:  # whatever bytecode a copy brought along (a cache another run wrote) would not be in Lambda
                for cache in sorted(folder.rglob("__pycache__")):
                    shutil.rmtree(cache)
            self._prepared.add(folder)
        return task, opt

    def close(self) -> None:
        self.lambda_root.close()


def function_env(
    function: Function, root: Root, aws: EmulatedAws, credentials: dict[str, str], tmp: Path
) -> dict[str, str]:
    """The template's and Lambda's variables, with Lambda's paths (/var/task, /opt) mapped to the root's copies."""
    task, opt = root.paths(function)
    env = lambda_environment(function, runtime_api="127.0.0.1:9001", log_stream="cold-start")
    env.update(credentials, AWS_ENDPOINT_URL=aws.endpoint, AWS_XRAY_DAEMON_ADDRESS="127.0.0.1:2000", HOME=str(tmp))
    # Lambda's own search order (task, layers); /var/runtime's awslambdaric is not needed to call a handler.
    env["PYTHONPATH"] = f"{task}:{opt / 'python'}:{opt}"
    env["PATH"] = f"{root.python.parent}:/usr/bin:/bin:{opt / 'bin'}"
    env.pop("LD_LIBRARY_PATH")
    if "FFMPEG_PATH" in env:  # the layer's /opt/bin/ffmpeg, at this root's /opt
        env["FFMPEG_PATH"] = str(opt / "bin" / "ffmpeg")
    if root.trace_disabled:
        env["POWERTOOLS_TRACE_DISABLED"] = "true"
    if not root.bytecode:  # as deployed: no .pyc shipped and a read-only /var/task and /opt
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def measure(
    deployment: Deployment, root: Root, aws: EmulatedAws, credentials: dict[str, dict[str, str]], args: Any
) -> list[Row]:
    functions = sorted(deployment.functions.values(), key=lambda f: f.handler)
    wanted = set(args.stage or [])
    functions = [f for f in functions if not wanted or f.handler.split(".")[2] in wanted]
    rows = {f.name: Row(f.handler.split(".")[2]) for f in functions}
    mode = "import" if args.no_invoke else "invoke"
    with tempfile.TemporaryDirectory(prefix="cold-start-") as folder:
        tmp = Path(folder)  # the children's cwd: no stray .env is read
        for run in range(args.runs):
            for function in functions:
                env = function_env(function, root, aws, credentials[function.name], tmp)
                row = rows[function.name]
                module = function.handler.rsplit(".", 1)[0]
                order = [(BASELINE, "import"), (module, mode)]
                for target, how in order if run % 2 == 0 else order[::-1]:
                    result = run_child(root.python, target, how, env, tmp)
                    if "failed" in result:
                        if target == BASELINE:
                            raise RuntimeError(f"import {BASELINE} failed: {result['failed']}")
                        row.failed = result["failed"]
                        continue
                    if target == BASELINE:
                        row.baselines.append(result["import_ms"])
                        continue
                    row.imports.append(result["import_ms"])
                    if how == "invoke":
                        row.firsts.append(result["import_ms"] + result["invoke_ms"] + result["ports_ms"])
                        row.outcome, row.ports = result["outcome"], result["ports"]
            print(f"cold start: run {run + 1}/{args.runs} done", file=sys.stderr)
    return list(rows.values())


def format_rows(rows: list[Row]) -> str:
    lines = [
        "| function | import boto3 ms | import ms | ratio | first call ms | ratio | ports built |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        if row.failed:
            lines.append(f"| {row.name} | {statistics.median(row.baselines):.0f} | failed: {row.failed} | | | | |")
            continue
        first = f"{statistics.median(row.firsts):.0f} | {row.ratio(row.firsts):.2f}x" if row.firsts else "- | -"
        lines.append(
            f"| {row.name} | {statistics.median(row.baselines):.0f} | {statistics.median(row.imports):.0f} | "
            f"{row.ratio(row.imports):.2f}x | {first} | {', '.join(row.ports) or '-'} |"
        )
    return "\n".join(lines)


def zipped_size(folder: Path) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "asset.zip"
        write_zip(folder, target)  # the layers' own deterministic zip, as a deploy uploads a folder asset
        return target.stat().st_size


def format_sizes(deployment: Deployment) -> str:
    mb = 1 << 20
    lines = ["| asset | zipped MiB | unzipped MiB | used by |", "|---|---:|---:|---|"]
    code = sorted({f.asset for f in deployment.functions.values()})
    for asset in code:
        users = sum(f.asset == asset for f in deployment.functions.values())
        if asset.is_dir():
            unzipped = sum(p.stat().st_size for p in asset.rglob("*") if p.is_file())
            zipped = zipped_size(asset)
        else:
            unzipped, zipped = unzipped_size(asset), asset.stat().st_size
        lines.append(f"| code ({asset.name[:14]}) | {zipped / mb:.2f} | {unzipped / mb:.2f} | {users} functions |")
    layers = {layer.name: layer for f in deployment.functions.values() for layer in f.layers}
    for name, layer in sorted(layers.items()):
        users = sum(any(x.name == name for x in f.layers) for f in deployment.functions.values())
        lines.append(
            f"| layer {name} | {layer.asset.stat().st_size / mb:.2f} | {unzipped_size(layer.asset) / mb:.2f} | "
            f"{users} functions |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--stage", action="append", help="only these stages (default: every function)")
    parser.add_argument("--cdk-out", type=Path, default=REPO / "cdk.out")
    parser.add_argument("--no-invoke", action="store_true", help="imports only (no first call)")
    parser.add_argument(
        "--trace-disabled",
        action="store_true",
        help="POWERTOOLS_TRACE_DISABLED=true (default: the template's active tracing, X-Ray on)",
    )
    parser.add_argument(
        "--bytecode",
        action="store_true",
        help="compile the code and layers to .pyc first (default: as deployed, none shipped, nothing cached)",
    )
    args = parser.parse_args(argv)
    ensure_synth(args.cdk_out)
    deployment = read_deployment(args.cdk_out)
    aws = EmulatedAws(deployment)
    root = Root(args.bytecode, args.trace_disabled)
    try:
        secrets = aws.create_secrets(SECRET)
        deployment = read_deployment(args.cdk_out, secrets)  # the secret's ARN as the emulator issued it
        aws.deployment = deployment
        credentials = aws.deploy()
        rows = measure(deployment, root, aws, credentials, args)
        calls = sorted(
            {f"{c.action} {'allowed' if c.allowed else 'DENIED'}" for c in aws.calls if c.principal != "rehearsal"}
        )
    finally:
        root.close()
        aws.close()
    python = ".".join(map(str, sys.version_info[:3]))
    bytecode = "layers and code compiled to .pyc first" if args.bytecode else "no .pyc (as deployed)"
    tracing = "tracing disabled" if args.trace_disabled else "X-Ray on (the template's active tracing)"
    print(
        f"## Cold start (median of {args.runs} runs, Python {python}, {os.cpu_count()} cores, {bytecode}, {tracing})\n"
    )
    print(format_rows(rows))
    by_outcome: dict[str, list[str]] = {}
    for row in rows:
        if row.outcome:  # the class only: "PermanentError", or "TransientError" for a refused provider request
            by_outcome.setdefault(row.outcome.split(":")[0], []).append(row.name)
    for outcome, names in sorted(by_outcome.items()):
        print(f"first call with event {{}}: {outcome}: {', '.join(names)}")
    print(f"AWS calls the functions made (policy-checked): {', '.join(calls) or 'none'}")
    print("\n## Code asset and layers\n")
    print(format_sizes(deployment))
    return 0


if __name__ == "__main__":
    sys.exit(main())
