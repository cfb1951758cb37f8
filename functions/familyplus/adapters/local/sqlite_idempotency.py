"""`SqlitePersistenceLayer`: Powertools Idempotency records in a local SQLite file.

The laptop's equivalent of the DynamoDB table: same record fields and the same conditional-put rule as
Powertools' `DynamoDBPersistenceLayer` (a new record may replace an existing one only when that one has
expired, or is an in-progress record whose invocation's time ran out). SQLite has no TTL, so expired
records are swept on write.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from pathlib import Path

from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyItemAlreadyExistsError,
    IdempotencyItemNotFoundError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import STATUS_CONSTANTS, DataRecord

_SCHEMA = """
CREATE TABLE IF NOT EXISTS idempotency (
    id TEXT PRIMARY KEY, status TEXT NOT NULL, expiration INTEGER, in_progress_expiration INTEGER,
    data TEXT NOT NULL DEFAULT '', validation TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS idempotency_expiration ON idempotency(expiration);
"""


class SqlitePersistenceLayer(BasePersistenceLayer):
    """Powertools `BasePersistenceLayer` on SQLite (stdlib sqlite3). Thread-safe; one file per data dir."""

    def __init__(self, path: Path | str) -> None:
        super().__init__()
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, timeout=10.0, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def _get_record(self, idempotency_key: str) -> DataRecord:
        with self._lock:
            row = self._db.execute(
                "SELECT id, status, expiration, in_progress_expiration, data, validation FROM idempotency WHERE id = ?",
                (idempotency_key,),
            ).fetchone()
        if row is None:
            raise IdempotencyItemNotFoundError
        return _record(row)

    def _put_record(self, data_record: DataRecord) -> None:
        # Powertools' own clock (datetime.now), as in DynamoDBPersistenceLayer._put_record.
        now = dt.datetime.now()
        now_s, now_ms = int(now.timestamp()), int(now.timestamp() * 1000)
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                row = self._db.execute(
                    "SELECT id, status, expiration, in_progress_expiration, data, validation FROM idempotency "
                    "WHERE id = ?",
                    (data_record.idempotency_key,),
                ).fetchone()
                if row is not None:
                    old = _record(row)
                    expired = old.expiry_timestamp is not None and old.expiry_timestamp < now_s
                    stale = (
                        old._status == STATUS_CONSTANTS["INPROGRESS"]
                        and old.in_progress_expiry_timestamp is not None
                        and old.in_progress_expiry_timestamp < now_ms
                    )
                    if not (expired or stale):
                        raise IdempotencyItemAlreadyExistsError(old_data_record=old)
                self._db.execute("DELETE FROM idempotency WHERE expiration < ?", (now_s,))
                self._db.execute(
                    "INSERT OR REPLACE INTO idempotency (id, status, expiration, in_progress_expiration, validation) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (
                        data_record.idempotency_key,
                        data_record.status,
                        data_record.expiry_timestamp,
                        data_record.in_progress_expiry_timestamp,
                        data_record.payload_hash if self.payload_validation_enabled else "",
                    ),
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def _update_record(self, data_record: DataRecord) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE idempotency SET status = ?, expiration = ?, data = ?, validation = ? WHERE id = ?",
                (
                    data_record.status,
                    data_record.expiry_timestamp,
                    data_record.response_data,
                    data_record.payload_hash if self.payload_validation_enabled else "",
                    data_record.idempotency_key,
                ),
            )

    def _delete_record(self, data_record: DataRecord) -> None:
        with self._lock:
            self._db.execute("DELETE FROM idempotency WHERE id = ?", (data_record.idempotency_key,))


def _record(row: tuple[str, str, int | None, int | None, str, str]) -> DataRecord:
    key, status, expiration, in_progress_expiration, data, validation = row
    return DataRecord(
        idempotency_key=key,
        status=status,
        expiry_timestamp=expiration,
        in_progress_expiry_timestamp=in_progress_expiration,
        response_data=data,
        payload_hash=validation,
    )
