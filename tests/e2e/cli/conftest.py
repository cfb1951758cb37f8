"""A fresh data folder for each CLI test, and the CLI app."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from familyplus import bootstrap
from familyplus.settings import load_settings


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "data"
    monkeypatch.setenv("FAMILYPLUS_DATA_DIR", str(folder))
    load_settings.cache_clear()
    yield folder
    load_settings.cache_clear()
    bootstrap.install(None)


@pytest.fixture
def cli(data_dir: Path) -> CliRunner:
    return CliRunner()
