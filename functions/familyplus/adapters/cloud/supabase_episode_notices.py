"""`SupabaseEpisodeNotices`: the `EpisodeNotices` port on Supabase (PostgREST).

Table and the `claim_episode_notice` function: `supabase/migrations/20261206000000_episode_notices.sql`; the
claim is one SQL statement, atomic across Lambdas. Errors map like `SupabaseStore`'s."""

from __future__ import annotations

from datetime import UTC, datetime

from familyplus.adapters.cloud.supabase_store import SupabaseTables
from familyplus.models.podcast import NoticeStatus


class SupabaseEpisodeNotices(SupabaseTables):
    def claim(self, story_id: str, *, family_id: str, podcast_key: str, recipient: str, channel: str) -> bool:
        params = {
            "p_story_id": story_id,
            "p_family_id": family_id,
            "p_podcast_key": podcast_key,
            "p_recipient": recipient,
            "p_channel": channel,
        }
        return bool(self._run(self.client.rpc("claim_episode_notice", params).execute).data)

    def finish(self, story_id: str, *, status: NoticeStatus, provider_id: str | None, error: str | None) -> None:
        update = {
            "status": status,
            "provider_id": provider_id,
            "error": error,
            "finished_at": datetime.now(UTC).isoformat(),
        }
        self._run(self.client.table("episode_notices").update(update).eq("story_id", story_id).execute)
