"""`SqliteEpisodeNotices`: the record of which published episodes the family was told about (local profile).

One row per story's episode: `claim` inserts it as `sending` unless it exists (a `failed` row — nothing was
sent — may be claimed again), so a re-run of daily_podcasts or a redriven publish never notifies twice."""

from __future__ import annotations

from datetime import UTC, datetime

from familyplus.adapters.local.sqlite_database import SqliteDatabase
from familyplus.models.podcast import NoticeStatus

_SCHEMA = """
CREATE TABLE IF NOT EXISTS episode_notices (
    story_id TEXT PRIMARY KEY, family_id TEXT NOT NULL, podcast_key TEXT NOT NULL, recipient TEXT NOT NULL,
    channel TEXT NOT NULL, status TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'failed')),
    provider_id TEXT, error TEXT, attempts INTEGER NOT NULL DEFAULT 1, claimed_at TEXT NOT NULL, finished_at TEXT
);
"""


class SqliteEpisodeNotices(SqliteDatabase):
    schema = _SCHEMA

    def claim(self, story_id: str, *, family_id: str, podcast_key: str, recipient: str, channel: str) -> bool:
        now = datetime.now(UTC).isoformat()
        with self._tx() as db:
            cursor = db.execute(
                """INSERT INTO episode_notices (story_id, family_id, podcast_key, recipient, channel, status,
                       claimed_at) VALUES (?, ?, ?, ?, ?, 'sending', ?)
                   ON CONFLICT(story_id) DO UPDATE SET podcast_key=excluded.podcast_key,
                       recipient=excluded.recipient, channel=excluded.channel, status='sending', error=NULL,
                       attempts=episode_notices.attempts + 1, claimed_at=excluded.claimed_at, finished_at=NULL
                   WHERE episode_notices.status = 'failed'""",
                (story_id, family_id, podcast_key, recipient, channel, now),
            )
            return cursor.rowcount == 1

    def finish(self, story_id: str, *, status: NoticeStatus, provider_id: str | None, error: str | None) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE episode_notices SET status=?, provider_id=?, error=?, finished_at=? WHERE story_id=?",
                (status, provider_id, error, datetime.now(UTC).isoformat(), story_id),
            )

    def status(self, story_id: str) -> NoticeStatus | None:
        row = self._one("SELECT status FROM episode_notices WHERE story_id = ?", story_id)
        return row["status"] if row else None
