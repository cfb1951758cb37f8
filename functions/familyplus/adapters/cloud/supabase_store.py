"""`SupabaseStore`: the `Store` port on Supabase (PostgREST through postgrest-py, service-role key).

Same semantics as `SqliteStore` (the shared contract suite runs against both): upserts keyed by ids, the
`replace_*` sets swapped by one SQL function call each (`supabase/migrations`), so one transaction, and
semantic search by `match_responses` (pgvector, cosine). Timestamps are the database's (defaults and an
`updated_at` trigger), so a replayed request sends exactly the same body.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import httpx
from postgrest.exceptions import APIError

from familyplus.adapters.cloud.errors import for_status
from familyplus.errors import ConfigurationError, FamilyplusError, NotFoundError, PermanentError, TransientError
from familyplus.models.base import ResponseStatus
from familyplus.models.response import Quote, ResponseRecord, SearchHit, StoryRecord, ValueTag, WisdomItem

PROVIDER = "supabase"
#: The `vector(1536)` column of `response_embeddings`.
EMBEDDING_DIMENSIONS = 1536
T = TypeVar("T")
Row = dict[str, Any]

#: SQLSTATE classes / PostgREST codes worth retrying: connection trouble, serialization failures and
#: deadlocks, resource exhaustion, statement timeouts, lock timeouts, PostgREST's pool and schema-cache errors.
_TRANSIENT_PREFIXES = ("08", "40", "53", "57", "55P03", "PGRST000", "PGRST001", "PGRST002", "PGRST003")
_RESPONSE_COLUMNS = "id,family_id,media_type,prompt,text,audio_key,transcript,status,stage,error,created_at,updated_at"
_STORY_COLUMNS = "id,response_id,family_id,title,summary,narrative,podcast_key,podcast_seconds,created_at"


def map_supabase_error(exc: Exception) -> FamilyplusError:
    """PostgREST / httpx exception → TransientError or PermanentError (NotFoundError for P0002)."""
    if isinstance(exc, APIError):
        code = str(exc.code or "")
        message = f"{PROVIDER} {code}: {exc.message or exc}"
        if code == "P0002":  # no_data_found, raised by the replace_* functions for an unknown parent
            return NotFoundError(message)
        if len(code) == 3 and code.isdigit():  # not JSON from PostgREST: postgrest-py puts the HTTP status here
            return for_status(PROVIDER, int(code), str(exc.message or exc))
        if code.startswith(_TRANSIENT_PREFIXES):
            return TransientError(message)
        return PermanentError(message)
    if isinstance(exc, httpx.TimeoutException | httpx.TransportError):
        return TransientError(f"{PROVIDER}: {type(exc).__name__}: {exc}")
    return PermanentError(f"{PROVIDER}: {type(exc).__name__}: {exc}")


class SupabaseTables:
    """Base of the Supabase adapters: runs PostgREST calls with the error mapping above.

    `client` is a PostgREST client (see `make_supabase_client`)."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def _run(self, action: Callable[[], T]) -> T:
        try:
            return action()
        except (APIError, httpx.HTTPError) as exc:
            raise map_supabase_error(exc) from exc

    def _rows(self, query: Any) -> list[Row]:
        data = self._run(query.execute).data
        return list(data or [])


class SupabaseStore(SupabaseTables):
    """The `Store` port on Supabase."""

    # --- responses -------------------------------------------------------------------------------

    def save_response(self, response: ResponseRecord) -> None:
        row = response.model_dump(mode="json", exclude={"created_at", "updated_at"}, exclude_none=False)
        if row["transcript"] is None:  # as SqliteStore: saving again never erases a transcript
            del row["transcript"]
        self._rows(self.client.table("responses").upsert(row, on_conflict="id", returning="minimal"))

    def get_response(self, response_id: str) -> ResponseRecord:
        rows = self._rows(self.client.table("responses").select(_RESPONSE_COLUMNS).eq("id", response_id).limit(1))
        if not rows:
            raise NotFoundError(f"no response with id {response_id!r}", field="responseId")
        return ResponseRecord.model_validate(rows[0])

    def list_responses(self, *, family_id: str | None = None, limit: int = 100) -> list[ResponseRecord]:
        query = self.client.table("responses").select(_RESPONSE_COLUMNS)
        if family_id is not None:
            query = query.eq("family_id", family_id)
        rows = self._rows(query.order("created_at", desc=True).limit(limit))
        return [ResponseRecord.model_validate(r) for r in rows]

    def update_progress(
        self, response_id: str, *, status: ResponseStatus, stage: str | None, error: str | None = None
    ) -> None:
        self._update_response(response_id, {"status": status, "stage": stage, "error": error})

    def set_transcript(self, response_id: str, transcript: str) -> None:
        self._update_response(response_id, {"transcript": transcript})

    def _update_response(self, response_id: str, values: Row) -> None:
        rows = self._rows(self.client.table("responses").update(values).eq("id", response_id).select("id"))
        if not rows:
            raise NotFoundError(f"no response with id {response_id!r}", field="responseId")

    # --- derived records ---------------------------------------------------------------------------

    def save_embedding(self, response_id: str, family_id: str, model: str, vector: Sequence[float]) -> None:
        values = [float(v) for v in vector]
        if not all(math.isfinite(v) for v in values):
            raise PermanentError("embedding must be a finite 1-d vector", field="vector")
        if len(values) != EMBEDDING_DIMENSIONS:
            raise PermanentError(
                f"embedding has {len(values)} dimensions; response_embeddings stores {EMBEDDING_DIMENSIONS}",
                field="vector",
            )
        row = {"response_id": response_id, "family_id": family_id, "model": model, "embedding": values}
        self._rows(self.client.table("response_embeddings").upsert(row, on_conflict="response_id", returning="minimal"))

    def replace_value_tags(self, response_id: str, tags: Sequence[ValueTag]) -> None:
        payload = [t.model_dump(mode="json") for t in tags]
        self._run(self.client.rpc("replace_value_tags", {"p_response_id": response_id, "p_tags": payload}).execute)

    def list_value_tags(self, response_id: str) -> list[ValueTag]:
        rows = self._rows(
            self.client.table("value_tags")
            .select("tag,score,evidence")
            .eq("response_id", response_id)
            .order("score", desc=True)
            .order("tag")
        )
        return [ValueTag.model_validate(r) for r in rows]

    def replace_wisdom(self, response_id: str, items: Sequence[WisdomItem]) -> None:
        payload = [w.model_dump(mode="json") for w in items]
        self._run(self.client.rpc("replace_wisdom", {"p_response_id": response_id, "p_items": payload}).execute)

    def list_wisdom(self, response_id: str) -> list[WisdomItem]:
        rows = self._rows(
            self.client.table("wisdom").select("text,kind,tags").eq("response_id", response_id).order("position")
        )
        return [WisdomItem.model_validate(r) for r in rows]

    def upsert_story(self, story: StoryRecord) -> None:
        row = story.model_dump(mode="json", exclude={"created_at"})
        for key in ("podcast_key", "podcast_seconds"):  # as SqliteStore: re-writing a story keeps its podcast
            if row[key] is None:
                del row[key]
        self._rows(self.client.table("stories").upsert(row, on_conflict="id", returning="minimal"))

    def get_story(self, story_id: str) -> StoryRecord:
        rows = self._rows(self.client.table("stories").select(_STORY_COLUMNS).eq("id", story_id).limit(1))
        if not rows:
            raise NotFoundError(f"no story with id {story_id!r}", field="storyId")
        return StoryRecord.model_validate(rows[0])

    def find_story_for_response(self, response_id: str) -> StoryRecord | None:
        rows = self._rows(self.client.table("stories").select(_STORY_COLUMNS).eq("response_id", response_id).limit(1))
        return StoryRecord.model_validate(rows[0]) if rows else None

    def list_stories(self, *, family_id: str | None = None, limit: int = 100) -> list[StoryRecord]:
        query = self.client.table("stories").select(_STORY_COLUMNS)
        if family_id is not None:
            query = query.eq("family_id", family_id)
        rows = self._rows(query.order("created_at", desc=True).limit(limit))
        return [StoryRecord.model_validate(r) for r in rows]

    def list_stories_without_podcast(self, limit: int) -> list[StoryRecord]:
        if limit <= 0:
            return []  # nothing asked for: no request
        rows = self._rows(
            self.client.table("stories")
            .select(_STORY_COLUMNS)
            .is_("podcast_key", "null")
            .order("created_at")
            .order("id")
            .limit(limit)
        )
        return [StoryRecord.model_validate(r) for r in rows]

    def set_podcast(self, story_id: str, key: str, seconds: float) -> None:
        rows = self._rows(
            self.client.table("stories")
            .update({"podcast_key": key, "podcast_seconds": seconds})
            .eq("id", story_id)
            .select("id")
        )
        if not rows:
            raise NotFoundError(f"no story with id {story_id!r}", field="storyId")

    def replace_quotes(self, story_id: str, quotes: Sequence[Quote]) -> None:
        payload = [q.model_dump(mode="json") for q in quotes]
        self._run(self.client.rpc("replace_quotes", {"p_story_id": story_id, "p_quotes": payload}).execute)

    def list_quotes(self, story_id: str) -> list[Quote]:
        rows = self._rows(
            self.client.table("quotes")
            .select("text,start:start_offset,end:end_offset,score")
            .eq("story_id", story_id)
            .order("position")
        )
        return [Quote.model_validate(r) for r in rows]

    # --- search ------------------------------------------------------------------------------------

    def search(self, query_vector: Sequence[float], *, family_id: str | None, limit: int) -> list[SearchHit]:
        if limit <= 0 or len(query_vector) != EMBEDDING_DIMENSIONS:
            return []  # as SqliteStore: no stored vector has another dimension
        params = {
            "query_embedding": [float(v) for v in query_vector],
            "family_id": family_id,
            "match_count": limit,
        }
        rows = self._rows(self.client.rpc("match_responses", params))
        return [
            SearchHit(
                response_id=r["response_id"],
                family_id=r["response_family_id"],
                score=round(float(r["similarity"]), 4),
                snippet=r["snippet"] or "",
            )
            for r in rows
        ]


def make_supabase_client(url: str, key: str, *, timeout: float, http_client: httpx.Client | None = None) -> Any:
    """The project's PostgREST client, made as supabase-py makes its `Client.postgrest` (the `rest/v1` URL, the
    service-role key as `apiKey` and bearer token, the `public` schema, retries off), without the auth and
    realtime clients `supabase.create_client` builds too: the pipeline calls only `table()` and `rpc()`, and
    importing and building the rest would be most of a Lambda's first call."""
    from postgrest import SyncPostgrestClient

    if not re.match(r"^(https?)://.+", url):
        raise ConfigurationError("SUPABASE_URL must be an http(s) URL")
    headers = {"apiKey": key, "Authorization": f"Bearer {key}"}
    rest_url = f"{url.rstrip('/')}/rest/v1"
    if http_client is not None:
        return SyncPostgrestClient(
            rest_url, headers=headers, schema="public", http_client=http_client, retry_enabled=False
        )
    return SyncPostgrestClient(rest_url, headers=headers, schema="public", timeout=timeout, retry_enabled=False)
