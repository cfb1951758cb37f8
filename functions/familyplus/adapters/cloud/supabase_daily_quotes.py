"""`SupabaseFamilyDirectory` and `SupabaseQuoteLedger`: the daily quote ports on Supabase (PostgREST).

Tables and the `claim_quote_delivery` function: `supabase/migrations/20261201000000_daily_quotes.sql`. The
claim is one SQL statement (insert … on conflict … where status = 'failed'), so it is atomic across Lambdas.
Errors map like `SupabaseStore`'s (`map_supabase_error`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from familyplus.adapters.cloud.supabase_store import SupabaseTables
from familyplus.models.keys import quote_key
from familyplus.models.quotes import DeliveryStatus, Family, QuoteCandidate, QuoteDelivery

_DELIVERY_COLUMNS = "family_id,local_date,quote_key,quote_text,recipient,channel,status,provider_id,error,attempts"


class SupabaseFamilyDirectory(SupabaseTables):
    def upsert_family(self, family: Family) -> None:
        self._run(self.client.table("quote_families").upsert(family.model_dump(mode="json")).execute)

    def list_families(self) -> list[Family]:
        rows = self._rows(self.client.table("quote_families").select("id,timezone,recipient,active").order("id"))
        return [Family(**row) for row in rows]


class SupabaseQuoteLedger(SupabaseTables):
    def quotes_for_family(self, family_id: str) -> list[QuoteCandidate]:
        rows = self._rows(
            self.client.table("quotes")
            .select("story_id,text,score")
            .eq("family_id", family_id)
            .order("story_id")
            .order("position")
        )
        return [
            QuoteCandidate(
                key=quote_key(r["story_id"], r["text"]), story_id=r["story_id"], text=r["text"], score=float(r["score"])
            )
            for r in rows
        ]

    def recent_quote_keys(self, family_id: str, since: date) -> set[str]:
        rows = self._rows(
            self.client.table("quote_deliveries")
            .select("quote_key")
            .eq("family_id", family_id)
            .gte("local_date", since.isoformat())
            .neq("status", "failed")
        )
        return {r["quote_key"] for r in rows}

    def get_delivery(self, family_id: str, local_date: date) -> QuoteDelivery | None:
        rows = self._rows(
            self.client.table("quote_deliveries")
            .select(_DELIVERY_COLUMNS)
            .eq("family_id", family_id)
            .eq("local_date", local_date.isoformat())
        )
        return QuoteDelivery(**rows[0]) if rows else None

    def claim_delivery(self, delivery: QuoteDelivery) -> bool:
        params = {
            "p_family_id": delivery.family_id,
            "p_local_date": delivery.local_date.isoformat(),
            "p_quote_key": delivery.quote_key,
            "p_quote_text": delivery.quote_text,
            "p_recipient": delivery.recipient,
            "p_channel": delivery.channel,
        }
        return bool(self._run(self.client.rpc("claim_quote_delivery", params).execute).data)

    def finish_delivery(
        self, family_id: str, local_date: date, *, status: DeliveryStatus, provider_id: str | None, error: str | None
    ) -> None:
        finished = datetime.now(UTC).isoformat()
        update = {"status": status, "provider_id": provider_id, "error": error, "finished_at": finished}
        self._run(
            self.client.table("quote_deliveries")
            .update(update)
            .eq("family_id", family_id)
            .eq("local_date", local_date.isoformat())
            .execute
        )
