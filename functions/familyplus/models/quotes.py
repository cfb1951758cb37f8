"""Models of the daily quote job: families that receive quotes, quote candidates, deliveries, the job's
event and output."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AwareDatetime, Field, field_validator

from familyplus.models.base import Id, Record, WireModel

DeliveryStatus = Literal["sending", "sent", "failed"]
Outcome = Literal["sent", "already_sent", "in_doubt", "no_quote", "failed"]


def _valid_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown IANA timezone {value!r}") from exc
    return value


class Family(Record):
    """A family that receives the daily quote, at `send hour` in its own `timezone`."""

    id: Id
    timezone: str
    #: Where the notifier sends: a phone number (E.164) for Twilio; any address for the outbox.
    recipient: str = Field(min_length=1, max_length=200)
    active: bool = True

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        return _valid_timezone(value)


class QuoteCandidate(Record):
    """A stored quote of one of the family's stories; `key` is stable across replays of the story."""

    key: str
    story_id: str
    text: str
    score: float = 0.0


class QuoteDelivery(Record):
    """One family's quote of one local day. (family_id, local_date) is unique: at most one per day."""

    family_id: str
    local_date: date
    quote_key: str
    quote_text: str
    recipient: str
    channel: str
    status: DeliveryStatus = "sending"
    provider_id: str | None = None
    error: str | None = None
    attempts: int = 1

    @property
    def idempotency_key(self) -> str:
        return f"daily-quote-{self.family_id}-{self.local_date.isoformat()}"


class DailyQuoteEvent(WireModel):
    """The job's input. EventBridge Scheduler passes `{"now": "<aws.scheduler.scheduled-time>"}`, so a retried
    invocation still sees the hour it was scheduled for; without `now` the current time is used."""

    now: AwareDatetime = Field(default_factory=lambda: datetime.now(UTC))
    #: Only this family (manual runs).
    family_id: Id | None = None


class FamilyOutcome(WireModel):
    family_id: str
    local_date: str
    outcome: Outcome
    quote_key: str | None = None
    error: str | None = None


class DailyQuoteOutput(WireModel):
    now: str
    #: Families whose local time was in the send hour (only these appear in `results`).
    due: int
    sent: int
    failed: int
    results: list[FamilyOutcome]
