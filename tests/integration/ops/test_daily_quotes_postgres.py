"""The daily quote migration on a real Postgres (PGlite): the claim function is the exclusive send decision."""

from __future__ import annotations

import pytest

from tests.integration.cloud.pglite_server import empty_tables, shared_connection

CLAIM = "select public.claim_quote_delivery('f1', date '2026-03-08', 'k1', 'a quote', '+1555', 'sms')"


@pytest.mark.slow  # PGlite start-up (shared with the cloud suite when run together)
def test_claim_quote_delivery_is_exclusive_and_a_failed_day_can_be_reclaimed() -> None:
    conn = shared_connection()
    empty_tables(conn)
    conn.execute("delete from public.quote_deliveries")
    assert conn.execute(CLAIM).fetchone() == (True,)
    assert conn.execute(CLAIM).fetchone() == (False,)  # a second run: nothing to send
    conn.execute("update public.quote_deliveries set status = 'failed'")
    assert conn.execute(CLAIM).fetchone() == (True,)
    row = conn.execute("select status, attempts from public.quote_deliveries").fetchone()
    assert row == ("sending", 2)
    conn.execute("delete from public.quote_deliveries")
