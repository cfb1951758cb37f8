"""The cloud rehearsal on the synthesized stack (the `make test` slice; `make rehearse` runs every scenario):
the text scenario passes with every call allowed, and the rehearsal fails, naming the cause, when a grant is
removed or a template variable is misnamed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0, reason="function processes need a mount namespace and setpriv (root)"),
]


@pytest.fixture(scope="module")
def cdk_out() -> Path:
    out = REPO / "cdk.out"
    if not any(out.glob("*.template.json")):
        subprocess.run([sys.executable, "app.py"], cwd=REPO, check=True, capture_output=True, timeout=900)
    return out


def rehearse(out: Path, cdk_out: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    result = subprocess.run(
        [sys.executable, "-m", "rehearsal", "--cdk-out", str(cdk_out), "--out", str(out), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
    )
    report = json.loads((out / "rehearsal.json").read_text())
    return result.returncode, report, result.stdout + result.stderr


@pytest.fixture(scope="module")
def rehearsed(tmp_path_factory: pytest.TempPathFactory, cdk_out: Path) -> tuple[int, dict[str, Any], str, Path]:
    """One rehearsal for the whole slice (a stack and its cold starts cost about a minute): the text response
    and its duplicate start on an intact path, while the daily-quote function has lost its secret grant and
    select_podcast_candidates has a misnamed variable — each break on a path the text response never takes."""
    out = tmp_path_factory.mktemp("rehearsal")
    code, report, output = rehearse(
        out,
        cdk_out,
        *("--scenario", "text_response", "--scenario", "duplicate_start"),
        *("--scenario", "daily_quote", "--scenario", "daily_podcasts"),
        *("--break-grant", "familyplus-dev-deliver-daily-quotes:secretsmanager:GetSecretValue"),
        *("--rename-env", "familyplus-dev-select-podcast-candidates:FAMILYPLUS_SECRET_NAME:FAMILYPLUS_SECRETS_NAME"),
    )
    return code, report, output, out


def test_the_text_scenario_passes_with_every_call_allowed(rehearsed: tuple[int, dict[str, Any], str, Path]) -> None:
    _, report, output, out = rehearsed
    statuses = {s["name"]: s["status"] for s in report["scenarios"]}
    assert (statuses["text_response"], statuses["duplicate_start"]) == ("PASSED", "PASSED"), output[-3000:]
    assert not [d for d in report["denied"] if not d.startswith("familyplus-dev-deliver-daily-quotes: ")]
    embed = report["functions"]["familyplus-dev-embed"]
    assert embed["cold_starts"] == 1 and embed["invocations"] == 1
    assert any(call.startswith("secretsmanager:GetSecretValue ") for call in embed["aws_calls"])
    assert all(path.startswith("/tmp/") for f in report["functions"].values() for path in f["files_written"])
    assert (out / "rehearsal.md").read_text().startswith("# Cloud rehearsal")


def test_a_removed_grant_and_a_misnamed_variable_fail_the_rehearsal_by_name(
    rehearsed: tuple[int, dict[str, Any], str, Path],
) -> None:
    code, report, _, _ = rehearsed
    assert code == 1
    statuses = {s["name"]: s["status"] for s in report["scenarios"]}
    assert (statuses["daily_quote"], statuses["daily_podcasts"]) == ("FAILED", "FAILED")
    [denied] = report["denied"]
    assert denied.startswith(
        "familyplus-dev-deliver-daily-quotes: secretsmanager:GetSecretValue on arn:aws:secretsmanager:"
    )
    assert report["template_problems"] == [
        "familyplus-dev-select-podcast-candidates: the template sets FAMILYPLUS_SECRETS_NAME, which no setting reads"
    ]
    causes = {f["function"]: f["cause"] for f in report["failures"]}
    assert causes["familyplus-dev-deliver-daily-quotes"].startswith(
        "missing grant: User: familyplus-dev-deliver-daily-quotes"
    )
    assert causes["familyplus-dev-select-podcast-candidates"].startswith("configuration the template does not give")
