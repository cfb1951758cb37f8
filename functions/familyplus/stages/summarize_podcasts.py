"""summarize_podcasts: the last step of daily_podcasts — counts of the podcasts made and failed.

A Lambda rather than a Pass state because ASL cannot count: a JSONPath filter that matches nothing (no
failed podcast, the usual night) is a States.Runtime error in Step Functions, not an empty list.
"""

from __future__ import annotations

from typing import Any

from familyplus.models.jobs import DailyPodcastsSummary, SummarizePodcastsEvent

STAGE = "summarize_podcasts"


def run(event: SummarizePodcastsEvent, ports: Any = None) -> DailyPodcastsSummary:
    failed = [p.story_id for p in event.podcasts if p.status == "FAILED"]
    return DailyPodcastsSummary(
        selected=event.selected,
        limit=event.limit,
        succeeded=len(event.podcasts) - len(failed),
        failed=len(failed),
        failed_stories=failed,
    )
