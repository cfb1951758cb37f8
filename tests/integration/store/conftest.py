"""The `Store` implementations the contract suite runs against.

* `sqlite`: `SqliteStore` on a temporary file, for real.
* `supabase-recorded`: `SupabaseStore` (real supabase-py) replaying the PostgREST exchanges recorded in
  `cassettes/<test>.json`: the store must send exactly the recorded requests; no database needed.
* `supabase-pglite`: `SupabaseStore` against `PostgrestGateway` on PGlite with the real migrations (slow:
  Node.js). With FAMILYPLUS_RECORD_CASSETTES=1 (`make record-cassettes`) it rewrites the cassettes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import respx

from familyplus.adapters.cloud.supabase_store import SupabaseStore, make_supabase_client
from familyplus.ports import Store
from tests.integration.store.postgrest_gateway import Cassette, PostgrestGateway

SUPABASE_URL = "https://familyplus-test.supabase.co"
CASSETTES = Path(__file__).resolve().parent / "cassettes"
RECORD = os.environ.get("FAMILYPLUS_RECORD_CASSETTES") == "1"


def _supabase_store() -> SupabaseStore:
    return SupabaseStore(make_supabase_client(SUPABASE_URL, "sb_secret_test-service-role-key", timeout=10.0))


@pytest.fixture(
    params=[
        "sqlite",
        "supabase-recorded",
        pytest.param("supabase-pglite", marks=pytest.mark.slow),
    ]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    kind = request.param
    if kind == "sqlite":
        from familyplus.adapters.local.sqlite_store import SqliteStore

        sqlite = SqliteStore(tmp_path / "store.db")
        yield sqlite
        sqlite.close()
        return
    cassette = Cassette(CASSETTES / f"{request.node.originalname}.json")
    if kind == "supabase-recorded":
        if RECORD:
            pytest.skip("recording: the supabase-pglite run writes this cassette")
        if not cassette.exchanges:
            pytest.fail(f"no cassette {cassette.path.name}: run `make record-cassettes`")
        with respx.mock(base_url=SUPABASE_URL, assert_all_called=False) as router:
            router.route().mock(side_effect=cassette)
            yield _supabase_store()
        assert cassette.played == len(cassette.exchanges), (
            f"{cassette.path.name}: only {cassette.played} of {len(cassette.exchanges)} recorded requests were sent"
        )
        return
    from tests.integration.cloud.pglite_server import empty_tables, shared_connection

    conn = shared_connection()
    empty_tables(conn)
    gateway = PostgrestGateway(conn)
    with respx.mock(base_url=SUPABASE_URL, assert_all_called=False) as router:
        router.route().mock(side_effect=gateway)
        yield _supabase_store()
    if RECORD:
        cassette.save(gateway.exchanges)
