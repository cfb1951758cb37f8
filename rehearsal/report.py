"""The rehearsal report: per scenario status and time, per function cold start / invocations / durations /
peak memory / AWS calls vs grants / files written, denied calls, unused grants, and what failed and why.
Printed, and written as JSON and Markdown. Never a family's words: ids, actions, resources, error types."""

from __future__ import annotations

import json
import statistics
from dataclasses import asdict, dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from familyplus.settings import Settings
from rehearsal.stack import RehearsedStack


@dataclass
class ScenarioResult:
    name: str
    status: str  # PASSED / FAILED
    seconds: float
    detail: str = ""


@dataclass
class Report:
    scenarios: list[ScenarioResult] = field(default_factory=list)
    functions: dict[str, dict[str, Any]] = field(default_factory=dict)
    denied: list[str] = field(default_factory=list)
    unused_grants: dict[str, list[str]] = field(default_factory=dict)
    template_problems: list[str] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(s.status == "PASSED" for s in self.scenarios) and not self.denied and not self.template_problems


def template_problems(stack: RehearsedStack) -> list[str]:
    """Env vars the template sets under FAMILYPLUS_ that no setting reads (a misspelt name is one of those)."""
    known = {f"FAMILYPLUS_{name.upper()}" for name in Settings.model_fields}
    problems = []
    for function in stack.deployment.functions.values():
        for name in sorted(function.environment):
            if name.startswith("FAMILYPLUS_") and name not in known:
                problems.append(f"{function.name}: the template sets {name}, which no setting reads")
    return problems


def build(stack: RehearsedStack, scenarios: list[ScenarioResult]) -> Report:
    report = Report(scenarios=scenarios, template_problems=template_problems(stack))
    calls = [c for c in stack.aws.calls if c.principal != "rehearsal"]
    report.denied = [f"{c.principal}: {c.action} on {c.resource}" for c in calls if not c.allowed]
    for name, stats in sorted(stack.pool.stats.items()):
        function = stack.deployment.functions[name]
        made = sorted({f"{c.action} {c.resource}" for c in calls if c.principal == name})
        durations = stats.durations
        report.functions[name] = {
            "cold_starts": len(stats.cold_starts),
            "init_s_max": round(max(stats.cold_starts), 2) if stats.cold_starts else None,
            "invocations": len(durations),
            "errors": stats.errors,
            "p50_s": round(statistics.median(durations), 3) if durations else None,
            "max_s": round(max(durations), 3) if durations else None,
            "peak_rss_mb": round(stats.peak_rss_mb, 1),
            "memory_mb": function.memory_mb,
            "aws_calls": made,
            "files_written": sorted(stats.files_written),
        }
    for name, function in stack.deployment.functions.items():
        role = stack.deployment.roles[function.role]
        mine = [c for c in calls if c.principal == name]
        unused = []
        for document in role.policies.values():
            for statement in document.get("Statement", []):
                if statement.get("Effect") != "Allow":
                    continue
                actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                resources = (
                    statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
                )
                for action in actions:
                    if action.startswith(("logs:", "xray:")):
                        continue  # written by Lambda itself and the X-Ray daemon, not by the function's SDK calls
                    for resource in resources:
                        if not any(fnmatchcase(c.action, action) and fnmatchcase(c.resource, resource) for c in mine):
                            unused.append(f"{action} {resource}")
        if unused and name in stack.pool.stats:
            report.unused_grants[name] = unused
    for failure in stack.failures:
        error = failure.error or {}
        report.failures.append(
            {
                "function": failure.function,
                "request_id": failure.request_id,
                "error_type": error.get("errorType"),
                "cause": classify(error),
                "log_tail": failure.log.splitlines()[-5:],
            }
        )
    return report


def classify(error: dict[str, Any]) -> str:
    """The cause, named: what the rehearsal knows a first deploy meets."""
    message = str(error.get("errorMessage", ""))
    if "is not authorized to perform" in message:
        return "missing grant: " + message[message.find("User:") :].split("\n")[0][:300]
    if "Read-only file system" in message or ("Permission denied" in message and "/tmp/" not in message):
        return "write outside /tmp: " + message[:300]
    if error.get("errorType") in ("Runtime.ImportModuleError", "Runtime.HandlerNotFound"):
        return "the asset does not import: " + message[:300]
    if "needs " in message and "FAMILYPLUS_PROFILE=cloud" in message:
        return "configuration the template does not give: " + message[:300]
    if error.get("errorType") == "Sandbox.Timedout":
        return "timed out: " + message
    return f"{error.get('errorType')}: {message[:300]}"


def render(report: Report) -> str:
    lines = ["# Cloud rehearsal", "", "| scenario | status | seconds | detail |", "|---|---|---|---|"]
    lines += [f"| {s.name} | {s.status} | {s.seconds:.1f} | {s.detail} |" for s in report.scenarios]
    lines += [
        "",
        "| function | cold | init s | calls | p50 s | max s | peak MB / memory | AWS calls | files |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, f in report.functions.items():
        lines.append(
            f"| {name} | {f['cold_starts']} | {f['init_s_max']} | {f['invocations']} | {f['p50_s']} | {f['max_s']} | "
            f"{f['peak_rss_mb']} / {f['memory_mb']} | {len(f['aws_calls'])} | {len(f['files_written'])} |"
        )
    lines += ["", f"denied calls: {len(report.denied)}"] + [f"- {d}" for d in report.denied]
    if report.template_problems:
        lines += ["", "template problems:"] + [f"- {p}" for p in report.template_problems]
    lines += ["", "unused grants (no scenario used them):"]
    for name, grants in report.unused_grants.items():
        lines += [f"- {name}: {g}" for g in grants]
    if report.failures:
        lines += ["", "function errors (including those a Retry or a Catch handled):"]
        for failure in report.failures:
            lines.append(f"- {failure['function']} ({failure['request_id']}): {failure['cause']}")
            lines += [f"    {line[:200]}" for line in failure["log_tail"]]
    return "\n".join(lines) + "\n"


def write(report: Report, directory: Path) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    as_json, as_md = directory / "rehearsal.json", directory / "rehearsal.md"
    as_json.write_text(json.dumps({**asdict(report), "ok": report.ok}, indent=2) + "\n")
    as_md.write_text(render(report))
    return as_json, as_md
