"""`-v` shows the handlers' structured logs on a successful run too: ids and timings, never the words."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

FAMILYPLUS = Path(sys.executable).with_name("familyplus")
WORDS = "My grandmother taught me to bake bread every Sunday morning before church."


def run(tmp_path: Path, *flags: str) -> list[dict[str, object]]:
    env = {**os.environ, "FAMILYPLUS_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200"}
    done = subprocess.run(
        [str(FAMILYPLUS), "run", "--text", WORDS, "--response-id", f"v{len(flags)}", *flags],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return [json.loads(line) for line in (done.stdout + done.stderr).splitlines() if line.startswith('{"level"')]


def test_verbose_shows_stage_logs_with_ids_and_never_the_words(tmp_path: Path) -> None:
    logs = run(tmp_path, "-v")
    succeeded = [entry for entry in logs if entry["message"] == "stage succeeded"]
    assert {entry["stage"] for entry in succeeded} >= {"accept_response", "write_story", "extract_quotes"}
    assert all(entry["responseId"] == "v1" and "duration_ms" in entry for entry in succeeded)
    assert not any("grandmother" in json.dumps(entry) for entry in logs)
    assert run(tmp_path) == []  # without -v a successful run logs nothing
