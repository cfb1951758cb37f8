"""The daily quote migration on a real Postgres: the claim function is the exclusive send decision."""

from __future__ import annotations

import psycopg

CLAIM = "select public.claim_quote_delivery('f1', date '2026-03-08', 'k1', 'a quote', '+1555', 'sms')"


def test_claim_quote_delivery_is_exclusive_and_a_failed_day_can_be_reclaimed(pg: psycopg.Connection) -> None:
    assert pg.execute(CLAIM).fetchone() == (True,)
    assert pg.execute(CLAIM).fetchone() == (False,)  # a second run: nothing to send
    pg.execute("update public.quote_deliveries set status = 'failed'")
    assert pg.execute(CLAIM).fetchone() == (True,)
    row = pg.execute("select status, attempts from public.quote_deliveries").fetchone()
    assert row == ("sending", 2)
