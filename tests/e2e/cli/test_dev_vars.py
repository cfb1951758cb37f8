"""The seed's `.dev.vars` is read when there is no `.env`, with a note; a `.env` wins."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

FAMILYPLUS = Path(sys.executable).with_name("familyplus")


def run(folder: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAMILYPLUS_")}
    return subprocess.run(
        [str(FAMILYPLUS), "executions", "list"], cwd=folder, env=env, capture_output=True, text=True, timeout=120
    )


def test_dev_vars_is_read_with_a_note_and_env_wins(tmp_path: Path) -> None:
    (tmp_path / ".dev.vars").write_text(f"FAMILYPLUS_DATA_DIR={tmp_path / 'from-dev-vars'}\n")
    seed = run(tmp_path)
    assert seed.returncode == 0, seed.stderr
    assert "no .env here, reading .dev.vars" in seed.stderr
    assert (tmp_path / "from-dev-vars").is_dir()
    (tmp_path / ".env").write_text(f"FAMILYPLUS_DATA_DIR={tmp_path / 'from-env'}\n")
    ours = run(tmp_path)
    assert ours.returncode == 0, ours.stderr
    assert ".dev.vars" not in ours.stderr and (tmp_path / "from-env").is_dir()
