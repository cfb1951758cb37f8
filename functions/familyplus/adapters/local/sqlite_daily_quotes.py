"""`SqliteFamilyDirectory` and `SqliteQuoteLedger`: the daily quote ports on the local SQLite file.

Their own tables (`quote_families`, `quote_deliveries`) in the same database as `SqliteStore`; the quotes a
family can receive are read from the store's `quotes`/`stories` tables. The send decision is one
`INSERT ... ON CONFLICT DO UPDATE ... WHERE status = 'failed'` under BEGIN IMMEDIATE, so two concurrent runs
can never both claim the same family's day.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime

from familyplus.adapters.local.sqlite_database import SqliteDatabase
from familyplus.models.keys import quote_key
from familyplus.models.quotes import DeliveryStatus, Family, QuoteCandidate, QuoteDelivery

SCHEMA = """
CREATE TABLE IF NOT EXISTS quote_families (
    id TEXT PRIMARY KEY, timezone TEXT NOT NULL, recipient TEXT NOT NULL, active INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS quote_deliveries (
    family_id TEXT NOT NULL, local_date TEXT NOT NULL, quote_key TEXT NOT NULL, quote_text TEXT NOT NULL,
    recipient TEXT NOT NULL, channel TEXT NOT NULL, status TEXT NOT NULL, provider_id TEXT, error TEXT,
    attempts INTEGER NOT NULL DEFAULT 1, claimed_at TEXT NOT NULL, finished_at TEXT,
    PRIMARY KEY (family_id, local_date)
);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat()


class _Database(SqliteDatabase):
    schema = SCHEMA


class SqliteFamilyDirectory(_Database):
    def upsert_family(self, family: Family) -> None:
        with self._tx() as db:
            db.execute(
                """INSERT INTO quote_families (id, timezone, recipient, active, updated_at) VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT(id) DO UPDATE SET timezone=excluded.timezone, recipient=excluded.recipient,
                       active=excluded.active, updated_at=excluded.updated_at""",
                (family.id, family.timezone, family.recipient, int(family.active), _now()),
            )

    def list_families(self) -> list[Family]:
        rows = self._all("SELECT id, timezone, recipient, active FROM quote_families ORDER BY id")
        return [
            Family(id=r["id"], timezone=r["timezone"], recipient=r["recipient"], active=bool(r["active"])) for r in rows
        ]


class SqliteQuoteLedger(_Database):
    def quotes_for_family(self, family_id: str) -> list[QuoteCandidate]:
        try:
            rows = self._all(
                """SELECT q.story_id, q.text, q.score FROM quotes q JOIN stories s ON s.id = q.story_id
                   WHERE s.family_id = ? ORDER BY q.story_id, q.position""",
                family_id,
            )
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):  # no response processed yet in this database
                return []
            raise
        return [
            QuoteCandidate(
                key=quote_key(r["story_id"], r["text"]), story_id=r["story_id"], text=r["text"], score=r["score"]
            )
            for r in rows
        ]

    def recent_quote_keys(self, family_id: str, since: date) -> set[str]:
        rows = self._all(
            "SELECT quote_key FROM quote_deliveries WHERE family_id = ? AND local_date >= ? AND status != 'failed'",
            family_id,
            since.isoformat(),
        )
        return {r["quote_key"] for r in rows}

    def get_delivery(self, family_id: str, local_date: date) -> QuoteDelivery | None:
        rows = self._all(
            "SELECT * FROM quote_deliveries WHERE family_id = ? AND local_date = ?", family_id, local_date.isoformat()
        )
        if not rows:
            return None
        data = dict(rows[0])
        data.pop("claimed_at")
        data.pop("finished_at")
        return QuoteDelivery(**data)

    def list_deliveries(self, family_id: str | None = None) -> list[QuoteDelivery]:
        rows = self._all(
            "SELECT family_id, local_date FROM quote_deliveries WHERE (? IS NULL OR family_id = ?) "
            "ORDER BY local_date, family_id",
            family_id,
            family_id,
        )
        found = [self.get_delivery(r["family_id"], date.fromisoformat(r["local_date"])) for r in rows]
        return [d for d in found if d is not None]

    def claim_delivery(self, delivery: QuoteDelivery) -> bool:
        with self._tx() as db:
            cursor = db.execute(
                """INSERT INTO quote_deliveries (family_id, local_date, quote_key, quote_text, recipient, channel,
                       status, attempts, claimed_at) VALUES (?, ?, ?, ?, ?, ?, 'sending', 1, ?)
                   ON CONFLICT(family_id, local_date) DO UPDATE SET quote_key=excluded.quote_key,
                       quote_text=excluded.quote_text, recipient=excluded.recipient, channel=excluded.channel,
                       status='sending', error=NULL, attempts=quote_deliveries.attempts + 1,
                       claimed_at=excluded.claimed_at, finished_at=NULL
                   WHERE quote_deliveries.status = 'failed'""",
                (
                    delivery.family_id,
                    delivery.local_date.isoformat(),
                    delivery.quote_key,
                    delivery.quote_text,
                    delivery.recipient,
                    delivery.channel,
                    _now(),
                ),
            )
            return cursor.rowcount == 1

    def finish_delivery(
        self, family_id: str, local_date: date, *, status: DeliveryStatus, provider_id: str | None, error: str | None
    ) -> None:
        with self._tx() as db:
            db.execute(
                """UPDATE quote_deliveries SET status = ?, provider_id = ?, error = ?, finished_at = ?
                   WHERE family_id = ? AND local_date = ?""",
                (status, provider_id, error, _now(), family_id, local_date.isoformat()),
            )
