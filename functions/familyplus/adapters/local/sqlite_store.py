"""`SqliteStore`: the `Store` port on a local SQLite file (stdlib sqlite3, WAL).

Semantic search is brute-force cosine over the family's vectors with numpy: exact, and fast enough for a
family's thousands of responses (the pyenv Python here cannot load SQLite extensions such as sqlite-vec).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np

from familyplus.adapters.local.sqlite_database import SqliteDatabase
from familyplus.errors import NotFoundError, PermanentError
from familyplus.models.base import ResponseStatus
from familyplus.models.response import Quote, ResponseRecord, SearchHit, StoryRecord, ValueTag, WisdomItem

SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    id TEXT PRIMARY KEY, family_id TEXT NOT NULL, media_type TEXT, prompt TEXT, text TEXT,
    audio_key TEXT, transcript TEXT, status TEXT NOT NULL, stage TEXT, error TEXT,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS responses_family ON responses(family_id);
CREATE TABLE IF NOT EXISTS stories (
    id TEXT PRIMARY KEY, response_id TEXT NOT NULL UNIQUE REFERENCES responses(id), family_id TEXT NOT NULL,
    title TEXT NOT NULL, summary TEXT NOT NULL, narrative TEXT NOT NULL, podcast_key TEXT, podcast_seconds REAL,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS value_tags (
    response_id TEXT NOT NULL REFERENCES responses(id), tag TEXT NOT NULL, score REAL NOT NULL,
    evidence TEXT NOT NULL, PRIMARY KEY (response_id, tag)
);
CREATE TABLE IF NOT EXISTS wisdom (
    response_id TEXT NOT NULL REFERENCES responses(id), position INTEGER NOT NULL, text TEXT NOT NULL,
    kind TEXT NOT NULL, tags TEXT NOT NULL, PRIMARY KEY (response_id, position)
);
CREATE TABLE IF NOT EXISTS quotes (
    story_id TEXT NOT NULL REFERENCES stories(id), position INTEGER NOT NULL, text TEXT NOT NULL,
    start_offset INTEGER NOT NULL, end_offset INTEGER NOT NULL, score REAL NOT NULL,
    PRIMARY KEY (story_id, position)
);
CREATE TABLE IF NOT EXISTS embeddings (
    response_id TEXT PRIMARY KEY REFERENCES responses(id), family_id TEXT NOT NULL, model TEXT NOT NULL,
    dimensions INTEGER NOT NULL, vector BLOB NOT NULL
);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat()


class SqliteStore(SqliteDatabase):
    """The `Store` port on SQLite."""

    schema = SCHEMA

    # --- responses -------------------------------------------------------------------------------

    def save_response(self, response: ResponseRecord) -> None:
        now = _now()
        with self._tx() as db:
            db.execute(
                """INSERT INTO responses (id, family_id, media_type, prompt, text, audio_key, transcript, status,
                       stage, error, created_at, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT(id) DO UPDATE SET family_id=excluded.family_id, media_type=excluded.media_type,
                       prompt=excluded.prompt, text=excluded.text, audio_key=excluded.audio_key,
                       transcript=COALESCE(excluded.transcript, responses.transcript), status=excluded.status,
                       stage=excluded.stage, error=excluded.error, updated_at=excluded.updated_at""",
                (
                    response.id,
                    response.family_id,
                    response.media_type,
                    response.prompt,
                    response.text,
                    response.audio_key,
                    response.transcript,
                    response.status,
                    response.stage,
                    response.error,
                    now,
                    now,
                ),
            )

    def get_response(self, response_id: str) -> ResponseRecord:
        row = self._one("SELECT * FROM responses WHERE id = ?", response_id)
        if row is None:
            raise NotFoundError(f"no response with id {response_id!r}", field="responseId")
        return ResponseRecord(**dict(row))

    def list_responses(self, *, family_id: str | None = None, limit: int = 100) -> list[ResponseRecord]:
        rows = self._all(
            "SELECT * FROM responses WHERE (? IS NULL OR family_id = ?) ORDER BY created_at DESC LIMIT ?",
            family_id,
            family_id,
            limit,
        )
        return [ResponseRecord(**dict(row)) for row in rows]

    def update_progress(
        self, response_id: str, *, status: ResponseStatus, stage: str | None, error: str | None = None
    ) -> None:
        with self._tx() as db:
            cursor = db.execute(
                "UPDATE responses SET status = ?, stage = ?, error = ?, updated_at = ? WHERE id = ?",
                (status, stage, error, _now(), response_id),
            )
            if cursor.rowcount == 0:
                raise NotFoundError(f"no response with id {response_id!r}", field="responseId")

    def set_transcript(self, response_id: str, transcript: str) -> None:
        with self._tx() as db:
            cursor = db.execute(
                "UPDATE responses SET transcript = ?, updated_at = ? WHERE id = ?", (transcript, _now(), response_id)
            )
            if cursor.rowcount == 0:
                raise NotFoundError(f"no response with id {response_id!r}", field="responseId")

    # --- derived records ---------------------------------------------------------------------------

    def save_embedding(self, response_id: str, family_id: str, model: str, vector: Sequence[float]) -> None:
        array = np.asarray(vector, dtype=np.float32)
        if array.ndim != 1 or not np.all(np.isfinite(array)):
            raise PermanentError("embedding must be a finite 1-d vector", field="vector")
        with self._tx() as db:
            db.execute(
                """INSERT INTO embeddings (response_id, family_id, model, dimensions, vector) VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT(response_id) DO UPDATE SET family_id=excluded.family_id, model=excluded.model,
                       dimensions=excluded.dimensions, vector=excluded.vector""",
                (response_id, family_id, model, int(array.shape[0]), array.tobytes()),
            )

    def replace_value_tags(self, response_id: str, tags: Sequence[ValueTag]) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM value_tags WHERE response_id = ?", (response_id,))
            db.executemany(
                "INSERT INTO value_tags (response_id, tag, score, evidence) VALUES (?, ?, ?, ?)",
                [(response_id, t.tag, t.score, json.dumps(t.evidence)) for t in tags],
            )

    def list_value_tags(self, response_id: str) -> list[ValueTag]:
        rows = self._all(
            "SELECT tag, score, evidence FROM value_tags WHERE response_id = ? ORDER BY score DESC, tag", response_id
        )
        return [ValueTag(tag=r["tag"], score=r["score"], evidence=json.loads(r["evidence"])) for r in rows]

    def replace_wisdom(self, response_id: str, items: Sequence[WisdomItem]) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM wisdom WHERE response_id = ?", (response_id,))
            db.executemany(
                "INSERT INTO wisdom (response_id, position, text, kind, tags) VALUES (?, ?, ?, ?, ?)",
                [(response_id, i, w.text, w.kind, json.dumps(w.tags)) for i, w in enumerate(items)],
            )

    def list_wisdom(self, response_id: str) -> list[WisdomItem]:
        rows = self._all("SELECT text, kind, tags FROM wisdom WHERE response_id = ? ORDER BY position", response_id)
        return [WisdomItem(text=r["text"], kind=r["kind"], tags=json.loads(r["tags"])) for r in rows]

    def upsert_story(self, story: StoryRecord) -> None:
        now = _now()
        with self._tx() as db:
            db.execute(
                """INSERT INTO stories (id, response_id, family_id, title, summary, narrative, podcast_key,
                       podcast_seconds, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT(id) DO UPDATE SET title=excluded.title, summary=excluded.summary,
                       narrative=excluded.narrative, updated_at=excluded.updated_at""",
                (
                    story.id,
                    story.response_id,
                    story.family_id,
                    story.title,
                    story.summary,
                    story.narrative,
                    story.podcast_key,
                    story.podcast_seconds,
                    now,
                    now,
                ),
            )

    def get_story(self, story_id: str) -> StoryRecord:
        row = self._one("SELECT * FROM stories WHERE id = ?", story_id)
        if row is None:
            raise NotFoundError(f"no story with id {story_id!r}", field="storyId")
        return self._story(row)

    def find_story_for_response(self, response_id: str) -> StoryRecord | None:
        row = self._one("SELECT * FROM stories WHERE response_id = ?", response_id)
        return self._story(row) if row is not None else None

    def list_stories(self, *, family_id: str | None = None, limit: int = 100) -> list[StoryRecord]:
        rows = self._all(
            "SELECT * FROM stories WHERE (? IS NULL OR family_id = ?) ORDER BY created_at DESC LIMIT ?",
            family_id,
            family_id,
            limit,
        )
        return [self._story(row) for row in rows]

    def list_stories_without_podcast(self, limit: int) -> list[StoryRecord]:
        rows = self._all(
            "SELECT * FROM stories WHERE podcast_key IS NULL ORDER BY created_at, id LIMIT ?", max(0, limit)
        )
        return [self._story(row) for row in rows]

    @staticmethod
    def _story(row: sqlite3.Row) -> StoryRecord:
        data = dict(row)
        data.pop("updated_at", None)
        return StoryRecord(**data)

    def set_podcast(self, story_id: str, key: str, seconds: float) -> None:
        with self._tx() as db:
            cursor = db.execute(
                "UPDATE stories SET podcast_key = ?, podcast_seconds = ?, updated_at = ? WHERE id = ?",
                (key, seconds, _now(), story_id),
            )
            if cursor.rowcount == 0:
                raise NotFoundError(f"no story with id {story_id!r}", field="storyId")

    def replace_quotes(self, story_id: str, quotes: Sequence[Quote]) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM quotes WHERE story_id = ?", (story_id,))
            db.executemany(
                """INSERT INTO quotes (story_id, position, text, start_offset, end_offset, score)
                   VALUES (?, ?, ?, ?, ?, ?)""",
                [(story_id, i, q.text, q.start, q.end, q.score) for i, q in enumerate(quotes)],
            )

    def list_quotes(self, story_id: str) -> list[Quote]:
        rows = self._all(
            "SELECT text, start_offset, end_offset, score FROM quotes WHERE story_id = ? ORDER BY position", story_id
        )
        return [Quote(text=r["text"], start=r["start_offset"], end=r["end_offset"], score=r["score"]) for r in rows]

    # --- search ------------------------------------------------------------------------------------

    def search(self, query_vector: Sequence[float], *, family_id: str | None, limit: int) -> list[SearchHit]:
        query = np.asarray(query_vector, dtype=np.float32)
        rows = self._all(
            """SELECT e.response_id, e.family_id, e.dimensions, e.vector, COALESCE(r.transcript, r.text) AS words
               FROM embeddings e JOIN responses r ON r.id = e.response_id
               WHERE (? IS NULL OR e.family_id = ?)""",
            family_id,
            family_id,
        )
        rows = [r for r in rows if r["dimensions"] == query.shape[0]]
        if not rows or limit <= 0:
            return []
        matrix = np.stack([np.frombuffer(r["vector"], dtype=np.float32) for r in rows])
        norms = np.linalg.norm(matrix, axis=1) * (np.linalg.norm(query) or 1.0)
        scores = (matrix @ query) / np.where(norms == 0, 1.0, norms)
        order = np.argsort(-scores)[:limit]
        return [
            SearchHit(
                response_id=rows[i]["response_id"],
                family_id=rows[i]["family_id"],
                score=round(float(scores[i]), 4),
                snippet=(rows[i]["words"] or "")[:160],
            )
            for i in order
        ]
