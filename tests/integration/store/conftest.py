"""The `Store` implementations the contract suite runs against.

* `sqlite`: `SqliteStore` on a temporary file.
* `supabase`: `SupabaseStore` (real supabase-py, over real HTTP) against the PostgREST-compatible gateway on
  the session's native PostgreSQL with the real migrations (`rehearsal.postgrest_gateway`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from familyplus.adapters.cloud.supabase_store import SupabaseStore, make_supabase_client
from familyplus.ports import Store
from rehearsal.postgres import empty_tables
from rehearsal.postgrest_gateway import serve_gateway

SERVICE_KEY = "sb_secret_test-service-role-key"


@pytest.fixture(scope="session")
def gateway_url(native_postgres: Any) -> Iterator[str]:
    with serve_gateway(native_postgres.dsn, service_key=SERVICE_KEY) as (url, _gateway):
        yield url


@pytest.fixture(params=["sqlite", "supabase"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        from familyplus.adapters.local.sqlite_store import SqliteStore

        sqlite = SqliteStore(tmp_path / "store.db")
        yield sqlite
        sqlite.close()
        return
    native = request.getfixturevalue("native_postgres")
    with native.connect() as conn:
        empty_tables(conn)
    url = request.getfixturevalue("gateway_url")
    yield SupabaseStore(make_supabase_client(url, SERVICE_KEY, timeout=10.0))
