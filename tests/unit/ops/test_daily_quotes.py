"""Daily quote job with a fake clock: each family's 09:00, across DST changes, exactly once per day."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from familyplus.bootstrap import Adapters, build
from familyplus.errors import DeliveryUncertainError, PermanentError, TransientError
from familyplus.models.quotes import DailyQuoteEvent, QuoteDelivery
from familyplus.settings import Settings
from familyplus.stages import deliver_daily_quotes
from tests.unit.ops.quote_support import add_family

ZONES = {"nyc": "America/New_York", "berlin": "Europe/Berlin", "sydney": "Australia/Sydney"}


@pytest.fixture
def quote_adapters(tmp_path: Path) -> Adapters:
    settings = Settings(profile="local", data_dir=tmp_path / "data", quote_repeat_days=7, _env_file=None)
    return build(settings)


def at(text: str) -> DailyQuoteEvent:
    return DailyQuoteEvent(now=datetime.fromisoformat(text))


def test_three_timezones_get_their_0900_across_dst_changes_exactly_once(quote_adapters: Adapters) -> None:
    # Given three families in zones whose DST changes fall inside March/April 2026, with 10 quotes each
    for family_id, zone in ZONES.items():
        add_family(quote_adapters, family_id, zone, quotes=10)
    sent: dict[str, list[tuple[date, datetime]]] = defaultdict(list)
    # When the job runs every hour (twice per hour: a retried/duplicated schedule) for a month
    moment = datetime(2026, 3, 5, tzinfo=UTC)
    while moment < datetime(2026, 4, 8, tzinfo=UTC):
        first = deliver_daily_quotes.deliver(DailyQuoteEvent(now=moment), quote_adapters)
        second = deliver_daily_quotes.deliver(DailyQuoteEvent(now=moment), quote_adapters)
        # Then the second run of the same hour sends nothing new
        assert second.sent == 0
        assert {r.outcome for r in second.results} <= {"already_sent"}
        for result in first.results:
            assert result.outcome == "sent", result
            sent[result.family_id].append((date.fromisoformat(result.local_date), moment))
        moment += timedelta(hours=1)

    # Then every delivery happened at 09:xx in the family's own zone, one per local day, none missing
    for family_id, zone in ZONES.items():
        days = [d for d, _ in sent[family_id]]
        assert len(days) == len(set(days))
        assert days == [days[0] + timedelta(days=i) for i in range(len(days))]
        assert len(days) >= 32
        for local_day, instant in sent[family_id]:
            local = instant.astimezone(ZoneInfo(zone))
            assert (local.date(), local.hour) == (local_day, 9)
    by_day = {f: {d: t for d, t in sent[f]} for f in ZONES}
    # New York springs forward on 2026-03-08: 09:00 EST = 14:00 UTC, then 09:00 EDT = 13:00 UTC
    assert by_day["nyc"][date(2026, 3, 7)] == datetime(2026, 3, 7, 14, tzinfo=UTC)
    assert by_day["nyc"][date(2026, 3, 8)] == datetime(2026, 3, 8, 13, tzinfo=UTC)
    # Berlin springs forward on 2026-03-29: 09:00 CET = 08:00 UTC, then 09:00 CEST = 07:00 UTC
    assert by_day["berlin"][date(2026, 3, 28)] == datetime(2026, 3, 28, 8, tzinfo=UTC)
    assert by_day["berlin"][date(2026, 3, 29)] == datetime(2026, 3, 29, 7, tzinfo=UTC)
    # Sydney falls back on 2026-04-05: 09:00 AEDT = 22:00 UTC the day before, then 09:00 AEST = 23:00 UTC
    assert by_day["sydney"][date(2026, 4, 4)] == datetime(2026, 4, 3, 22, tzinfo=UTC)
    assert by_day["sydney"][date(2026, 4, 5)] == datetime(2026, 4, 4, 23, tzinfo=UTC)

    # And the outbox holds exactly one message per delivery, and no quote repeats within 7 days
    outbox = quote_adapters.notifier.messages()  # type: ignore[attr-defined]
    assert len(outbox) == sum(len(v) for v in sent.values())
    assert len({m["idempotencyKey"] for m in outbox}) == len(outbox)
    ledger = quote_adapters.quote_ledger
    for family_id in ZONES:
        deliveries = ledger.list_deliveries(family_id)  # type: ignore[attr-defined]
        for i, delivery in enumerate(deliveries):
            window = deliveries[max(0, i - 7) : i]
            assert delivery.quote_key not in {d.quote_key for d in window}


def test_no_eligible_quote_sends_nothing(quote_adapters: Adapters) -> None:
    add_family(quote_adapters, "tiny", "UTC", quotes=1)
    assert deliver_daily_quotes.deliver(at("2026-05-01T09:00:00+00:00"), quote_adapters).sent == 1
    out = deliver_daily_quotes.deliver(at("2026-05-02T09:00:00+00:00"), quote_adapters)
    assert [r.outcome for r in out.results] == ["no_quote"]
    # after the repeat window the quote is eligible again
    assert deliver_daily_quotes.deliver(at("2026-05-09T09:00:00+00:00"), quote_adapters).sent == 1


def test_outside_the_send_hour_nobody_is_due(quote_adapters: Adapters) -> None:
    add_family(quote_adapters, "berlin", "Europe/Berlin")
    out = deliver_daily_quotes.deliver(at("2026-06-01T09:00:00+00:00"), quote_adapters)  # 11:00 in Berlin
    assert (out.due, out.sent, out.results) == (0, 0, [])


class FlakyNotifier:
    channel = "sms"

    def __init__(self, error: Exception | None) -> None:
        self.error = error
        self.sent: list[tuple[str, str]] = []

    def send(self, recipient: str, body: str, *, idempotency_key: str) -> str:
        if self.error is not None:
            raise self.error
        self.sent.append((recipient, idempotency_key))
        return f"SM{len(self.sent)}"


def test_a_refused_send_is_recorded_failed_and_retried_later_the_same_hour(tmp_path: Path) -> None:
    notifier = FlakyNotifier(TransientError("twilio HTTP 503: down"))
    adapters = build(
        Settings(profile="local", data_dir=tmp_path, _env_file=None),
        notifier=notifier,
    )
    add_family(adapters, "f1", "UTC")
    with pytest.raises(TransientError, match="not delivered yet"):
        deliver_daily_quotes.run(at("2026-05-01T09:00:00+00:00"), adapters)
    failed = adapters.quote_ledger.get_delivery("f1", date(2026, 5, 1))
    assert failed is not None and failed.status == "failed" and "503" in (failed.error or "")

    notifier.error = None  # the provider is back: the scheduler's retry delivers, once
    out = deliver_daily_quotes.run(at("2026-05-01T09:00:00+00:00"), adapters)
    assert out.sent == 1 and notifier.sent == [("+1555" + "0000002", "daily-quote-f1-2026-05-01")]
    done = adapters.quote_ledger.get_delivery("f1", date(2026, 5, 1))
    assert done is not None and (done.status, done.attempts, done.provider_id) == ("sent", 2, "SM1")


def test_a_permanent_refusal_is_reported_not_raised(tmp_path: Path) -> None:
    adapters = build(
        Settings(profile="local", data_dir=tmp_path, _env_file=None),
        notifier=FlakyNotifier(PermanentError("twilio HTTP 400: 21211 invalid To")),
    )
    add_family(adapters, "f1", "UTC")
    out = deliver_daily_quotes.run(at("2026-05-01T09:30:00+00:00"), adapters)
    assert out.failed == 1 and (out.results[0].error or "").startswith("permanent: twilio HTTP 400")


@pytest.mark.parametrize("error", [DeliveryUncertainError("read timeout"), RuntimeError("killed mid-send")])
def test_a_send_that_may_have_happened_is_never_repeated(tmp_path: Path, error: Exception) -> None:
    # Given a send that timed out after the request went out, or a crash between claim and finish
    notifier = FlakyNotifier(error)
    adapters = build(
        Settings(profile="local", data_dir=tmp_path, _env_file=None),
        notifier=notifier,
    )
    add_family(adapters, "f1", "UTC")
    try:
        first = deliver_daily_quotes.deliver(at("2026-05-01T09:00:00+00:00"), adapters)
        assert first.results[0].outcome == "in_doubt"
    except RuntimeError:
        pass  # the "crash": the claim row stays `sending`
    # When the job runs again with a healthy provider
    notifier.error = None
    again = deliver_daily_quotes.deliver(at("2026-05-01T09:00:00+00:00"), adapters)
    # Then it reports the day as in doubt and sends nothing
    assert [r.outcome for r in again.results] == ["in_doubt"]
    assert notifier.sent == []


def test_claim_is_exclusive(quote_adapters: Adapters) -> None:
    ledger = quote_adapters.quote_ledger
    delivery = QuoteDelivery(
        family_id="f", local_date=date(2026, 1, 1), quote_key="k", quote_text="t", recipient="+1", channel="sms"
    )
    assert ledger.claim_delivery(delivery) is True
    assert ledger.claim_delivery(delivery) is False
    ledger.finish_delivery("f", date(2026, 1, 1), status="failed", provider_id=None, error="x")
    assert ledger.claim_delivery(delivery) is True


def test_handler_runs_the_job_from_a_scheduler_event(quote_adapters: Adapters) -> None:
    from familyplus import bootstrap
    from familyplus.handlers.deliver_daily_quotes import handler
    from tests.unit.handlers.test_handlers import context

    add_family(quote_adapters, "nyc", "America/New_York")
    bootstrap.install(quote_adapters)
    try:
        out = handler({"now": "2026-03-08T13:00:00Z"}, context())
    finally:
        bootstrap.install(None)
    assert out["due"] == 1 and out["sent"] == 1
    results = out["results"]
    assert isinstance(results, list) and results[0]["localDate"] == "2026-03-08"


def test_unknown_timezone_is_refused() -> None:
    from pydantic import ValidationError

    from familyplus.models.quotes import Family

    with pytest.raises(ValidationError, match="unknown IANA timezone"):
        Family(id="f", timezone="Mars/Olympus", recipient="+1")
