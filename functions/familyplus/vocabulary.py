"""The one controlled vocabulary of value tags. Every tagger, offline or cloud, must answer from it."""

from __future__ import annotations

VALUE_TAGS: tuple[str, ...] = (
    "family",
    "love",
    "resilience",
    "hard_work",
    "faith",
    "humor",
    "courage",
    "kindness",
    "gratitude",
    "honesty",
    "education",
    "tradition",
    "community",
    "adventure",
    "generosity",
    "patience",
)
