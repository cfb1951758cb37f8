"""`schedule run daily-quote` against a Supabase that refuses the key (401): one line naming it, no traceback."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from typer.testing import CliRunner

from familyplus.adapters.cloud.supabase_daily_quotes import SupabaseFamilyDirectory, SupabaseQuoteLedger
from familyplus.adapters.cloud.supabase_store import make_supabase_client
from familyplus_local.cli import app, common
from familyplus_local.runtime.runner import LocalRunner
from rehearsal.postgrest_gateway import serve_gateway


def test_a_supabase_401_is_one_clean_line(
    native_postgres: Any, make_runner: Callable[..., LocalRunner], monkeypatch: pytest.MonkeyPatch
) -> None:
    with serve_gateway(native_postgres.dsn, service_key="sb_secret_the-projects-key") as (url, gateway):
        client = make_supabase_client(url, "sb_secret_a-stale-key", timeout=10.0)
        runner = make_runner(families=SupabaseFamilyDirectory(client), quote_ledger=SupabaseQuoteLedger(client))
        monkeypatch.setattr(common, "runner", lambda verbose=False: runner)

        result = CliRunner().invoke(app, ["schedule", "run", "daily-quote"])

    assert gateway.exchanges and all(e["response"]["status"] == 401 for e in gateway.exchanges)
    assert result.exit_code == 2, result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: daily-quote:") and "Invalid API key" in lines[0], lines
    assert "Traceback" not in result.output and "stale-key" not in result.output
