"""Lambda entry point for the hourly daily-quote job (EventBridge Scheduler → this function)."""

from familyplus.handlers._lambda import stage_handler
from familyplus.models.quotes import DailyQuoteEvent
from familyplus.stages import deliver_daily_quotes

handler = stage_handler("deliver_daily_quotes", deliver_daily_quotes.run, DailyQuoteEvent)
