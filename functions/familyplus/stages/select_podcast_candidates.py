"""select_podcast_candidates: the first step of the nightly daily_podcasts workflow.

Returns the stories that have no podcast yet, oldest first, at most FAMILYPLUS_DAILY_PODCAST_LIMIT (or the
run's smaller `limit`): ids only. The bound keeps one night's batch work finite; stories beyond it are the
oldest of the next run. A story whose podcast failed keeps no podcast, so the next run tries it again.
"""

from __future__ import annotations

from typing import Protocol

from familyplus.models.jobs import DailyPodcastsEvent, PodcastCandidate, SelectPodcastCandidatesOutput
from familyplus.ports import Store

STAGE = "select_podcast_candidates"


class DailyPodcastSettings(Protocol):
    @property
    def daily_podcast_limit(self) -> int: ...


class SelectPodcastCandidatesPorts(Protocol):
    @property
    def store(self) -> Store: ...
    @property
    def settings(self) -> DailyPodcastSettings: ...


def run(event: DailyPodcastsEvent, ports: SelectPodcastCandidatesPorts) -> SelectPodcastCandidatesOutput:
    limit = ports.settings.daily_podcast_limit
    if event.limit is not None:  # a manual run may ask for fewer, never for more than the configured bound
        limit = min(limit, event.limit)
    stories = ports.store.list_stories_without_podcast(limit)
    candidates = [
        PodcastCandidate(story_id=s.id, response_id=s.response_id, family_id=s.family_id) for s in stories[:limit]
    ]
    return SelectPodcastCandidatesOutput(limit=limit, count=len(candidates), stories=candidates)
