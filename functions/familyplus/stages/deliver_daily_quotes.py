"""deliver_daily_quotes: each family's quote of the day, at the send hour (09:00) of its own timezone.

Runs hourly (EventBridge Scheduler, `now` = the scheduled time). A family is due when `now`, in its IANA
timezone, falls in the send hour — zoneinfo does the DST arithmetic, so New York's 09:00 is 14:00 UTC in
winter and 13:00 UTC in summer. Half-hour zones (India) get it at 09:30 local, still in the hour.

Exactly-once as far as a text message allows: the ledger row keyed by (family, local date) is claimed
(`sending`) *before* the send and finished (`sent`/`failed`) after it. A second run finds the row and sends
nothing. A run that dies between claim and finish leaves `sending`: the message may or may not have gone
out, and the job never re-sends it (a family must not get the same text twice); it is reported as
`in_doubt`. Only a `failed` row (the provider refused or was unavailable: nothing was sent) is retried.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from familyplus.errors import DeliveryUncertainError, FamilyplusError, TransientError
from familyplus.models.quotes import (
    DailyQuoteEvent,
    DailyQuoteOutput,
    Family,
    FamilyOutcome,
    QuoteCandidate,
    QuoteDelivery,
)
from familyplus.ports import FamilyDirectory, Notifier, QuoteLedger

STAGE = "deliver_daily_quotes"


class DailyQuoteSettings(Protocol):
    @property
    def quote_repeat_days(self) -> int: ...
    @property
    def quote_send_hour(self) -> int: ...


class DeliverDailyQuotesPorts(Protocol):
    @property
    def families(self) -> FamilyDirectory: ...
    @property
    def quote_ledger(self) -> QuoteLedger: ...
    @property
    def notifier(self) -> Notifier: ...
    @property
    def settings(self) -> DailyQuoteSettings: ...


def message_for(quote: QuoteCandidate) -> str:
    return f"Your Family+ quote of the day:\n“{quote.text}”"


def choose_quote(
    candidates: list[QuoteCandidate], recent: set[str], family_id: str, local_date: date
) -> QuoteCandidate | None:
    """A quote not sent in the window; among those, a deterministic per-day pick (a retry picks the same)."""
    eligible = [q for q in candidates if q.key not in recent]
    if not eligible:
        return None

    def rank(q: QuoteCandidate) -> str:
        return hashlib.sha256(f"{family_id}|{local_date.isoformat()}|{q.key}".encode()).hexdigest()

    return min(eligible, key=rank)


def deliver(event: DailyQuoteEvent, ports: DeliverDailyQuotesPorts) -> DailyQuoteOutput:
    """Deliver to every due family; per-family failures are reported in the output, never raised."""
    now = event.now.astimezone(UTC)
    results: list[FamilyOutcome] = []
    for family in ports.families.list_families():
        if not family.active or (event.family_id is not None and family.id != event.family_id):
            continue
        local = now.astimezone(ZoneInfo(family.timezone))
        if local.hour != ports.settings.quote_send_hour:
            continue
        results.append(_deliver_one(family, local.date(), ports))
    return DailyQuoteOutput(
        now=now.isoformat(),
        due=len(results),
        sent=sum(r.outcome == "sent" for r in results),
        failed=sum(r.outcome == "failed" for r in results),
        results=results,
    )


def run(event: DailyQuoteEvent, ports: DeliverDailyQuotesPorts) -> DailyQuoteOutput:
    """The Lambda's stage: `deliver`, then raise TransientError if a retry could still deliver something
    (throttled / provider down). The retry is safe: only `failed` rows are attempted again."""
    output = deliver(event, ports)
    retryable = [r for r in output.results if r.outcome == "failed" and (r.error or "").startswith("transient:")]
    if retryable:
        ids = ", ".join(r.family_id for r in retryable)
        raise TransientError(f"{len(retryable)} of {output.due} due families not delivered yet ({ids})", stage=STAGE)
    return output


def _deliver_one(family: Family, local_date: date, ports: DeliverDailyQuotesPorts) -> FamilyOutcome:
    ledger = ports.quote_ledger

    def outcome_of_existing(existing: QuoteDelivery) -> FamilyOutcome:
        kind = "already_sent" if existing.status == "sent" else "in_doubt"
        return FamilyOutcome(
            family_id=family.id,
            local_date=local_date.isoformat(),
            outcome=kind,
            quote_key=existing.quote_key,
            error=existing.error,
        )

    existing = ledger.get_delivery(family.id, local_date)
    if existing is not None and existing.status != "failed":
        return outcome_of_existing(existing)
    since = local_date - timedelta(days=ports.settings.quote_repeat_days)
    quote = choose_quote(
        ledger.quotes_for_family(family.id), ledger.recent_quote_keys(family.id, since), family.id, local_date
    )
    if quote is None:
        return FamilyOutcome(family_id=family.id, local_date=local_date.isoformat(), outcome="no_quote")
    delivery = QuoteDelivery(
        family_id=family.id,
        local_date=local_date,
        quote_key=quote.key,
        quote_text=quote.text,
        recipient=family.recipient,
        channel=ports.notifier.channel,
    )
    if not ledger.claim_delivery(delivery):  # another run claimed the day between our read and our claim
        raced = ledger.get_delivery(family.id, local_date)
        assert raced is not None
        return outcome_of_existing(raced)
    try:
        key = delivery.idempotency_key
        provider_id = ports.notifier.send(family.recipient, message_for(quote), idempotency_key=key)
    except DeliveryUncertainError as exc:
        ledger.finish_delivery(family.id, local_date, status="sending", provider_id=None, error=str(exc))
        return FamilyOutcome(
            family_id=family.id,
            local_date=local_date.isoformat(),
            outcome="in_doubt",
            quote_key=quote.key,
            error=str(exc),
        )
    except FamilyplusError as exc:
        kind = "transient" if isinstance(exc, TransientError) else "permanent"
        error = f"{kind}: {exc}"
        ledger.finish_delivery(family.id, local_date, status="failed", provider_id=None, error=error)
        return FamilyOutcome(
            family_id=family.id, local_date=local_date.isoformat(), outcome="failed", quote_key=quote.key, error=error
        )
    ledger.finish_delivery(family.id, local_date, status="sent", provider_id=provider_id, error=None)
    return FamilyOutcome(family_id=family.id, local_date=local_date.isoformat(), outcome="sent", quote_key=quote.key)


__all__ = ["STAGE", "DeliverDailyQuotesPorts", "choose_quote", "deliver", "run"]
