"""The cloud rehearsal on the synthesized stack: the text scenario passes with 0 denied calls, and the
rehearsal fails, naming the cause, when a grant is removed or a template variable is misnamed."""

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


def rehearse(tmp_path: Path, cdk_out: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    result = subprocess.run(
        [sys.executable, "-m", "rehearsal", "--cdk-out", str(cdk_out), "--out", str(tmp_path), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
    )
    report = json.loads((tmp_path / "rehearsal.json").read_text())
    return result.returncode, report, result.stdout + result.stderr


def test_the_text_scenario_passes_with_no_denied_call(tmp_path: Path, cdk_out: Path) -> None:
    code, report, output = rehearse(tmp_path, cdk_out, "--scenario", "text_response", "--scenario", "duplicate_start")
    assert code == 0, output[-3000:]
    assert [(s["name"], s["status"]) for s in report["scenarios"]] == [
        ("text_response", "PASSED"),
        ("duplicate_start", "PASSED"),
    ]
    assert report["denied"] == []
    embed = report["functions"]["familyplus-dev-embed"]
    assert embed["cold_starts"] == 1 and embed["invocations"] == 1
    assert any(call.startswith("secretsmanager:GetSecretValue ") for call in embed["aws_calls"])
    assert all(path.startswith("/tmp/") for f in report["functions"].values() for path in f["files_written"])
    assert (tmp_path / "rehearsal.md").read_text().startswith("# Cloud rehearsal")


def test_a_removed_grant_and_a_misnamed_variable_fail_the_rehearsal_by_name(tmp_path: Path, cdk_out: Path) -> None:
    code, report, _ = rehearse(
        tmp_path,
        cdk_out,
        "--scenario",
        "text_response",
        "--break-grant",
        "familyplus-dev-accept-response:secretsmanager:GetSecretValue",
        "--rename-env",
        "familyplus-dev-mark-failed:FAMILYPLUS_SECRET_NAME:FAMILYPLUS_SECRETS_NAME",
    )
    assert code == 1
    assert report["scenarios"][0]["status"] == "FAILED"
    [denied] = report["denied"]
    assert denied.startswith("familyplus-dev-accept-response: secretsmanager:GetSecretValue on arn:aws:secretsmanager:")
    assert report["template_problems"] == [
        "familyplus-dev-mark-failed: the template sets FAMILYPLUS_SECRETS_NAME, which no setting reads"
    ]
    causes = {f["function"]: f["cause"] for f in report["failures"]}
    assert causes["familyplus-dev-accept-response"].startswith("missing grant: User: familyplus-dev-accept-response")
    assert causes["familyplus-dev-mark-failed"].startswith("configuration the template does not give")
