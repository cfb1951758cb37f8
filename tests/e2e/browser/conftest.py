"""A real browser for the console tests: Debian's Chromium (`apt-get install chromium`), driven headless by
Playwright. Playwright never downloads a browser here: it is pointed at the system one.

Without Chromium the tests are skipped with a loud reason on a developer's machine, and fail in CI (CI=true),
where `.ci/run` installs it: a green CI must mean the console was tested in a browser.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPO = Path(__file__).resolve().parents[3]


def chromium_path() -> str | None:
    configured = os.environ.get("FAMILYPLUS_CHROMIUM")
    if configured:
        return configured if Path(configured).is_file() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _missing(reason: str) -> None:
    message = (
        f"BROWSER TESTS NOT RUN: {reason}. Install it with `sudo apt-get install -y chromium` "
        "(Debian/Ubuntu; `.ci/run` does this), or point FAMILYPLUS_CHROMIUM at a Chromium binary."
    )
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    executable = chromium_path()
    if executable is None:
        _missing("no Chromium found (looked for `chromium` on PATH)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package is not installed (make venv installs requirements-dev.txt)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """Where screenshots go: FAMILYPLUS_SCREENSHOTS_DIR (e.g. docs/console to refresh the README's), else
    test-artifacts/console/ (git-ignored)."""
    folder = Path(os.environ.get("FAMILYPLUS_SCREENSHOTS_DIR") or REPO / "test-artifacts" / "console")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
