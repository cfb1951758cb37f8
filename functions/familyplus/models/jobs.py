"""Models of the batch-lane jobs: the nightly daily_podcasts workflow (its selection step's event and output).

Only ids travel: the Map of daily_podcasts starts one generate_podcast per candidate, and each child reads
its story from the store itself (Step Functions caps a state's payload at 256 KB).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from familyplus.models.base import Id, StoryId, WireModel

#: Hard ceiling of one run's selection, whatever the settings or the input ask for: 500 candidates of
#: ~150 bytes stay far below the 256 KB payload quota, and a nightly run stays a few hours long at most.
MAX_DAILY_PODCASTS = 500


class DailyPodcastsEvent(WireModel):
    """The daily_podcasts input. EventBridge Scheduler sends `{"now": "<scheduled time>"}` (ignored here);
    a manual run (`familyplus schedule run daily-podcasts --limit N`) may lower the bound for that run."""

    limit: int | None = Field(default=None, ge=1, le=MAX_DAILY_PODCASTS)


class PodcastCandidate(WireModel):
    """One story to turn into a podcast: exactly the generate_podcast workflow's input."""

    story_id: StoryId
    response_id: Id
    family_id: Id


class SelectPodcastCandidatesOutput(WireModel):
    #: The bound applied (the smaller of the event's `limit` and FAMILYPLUS_DAILY_PODCAST_LIMIT).
    limit: int
    count: int
    stories: list[PodcastCandidate]


class PodcastOutcome(WireModel):
    """How one story's generate_podcast child ended (one item of the daily_podcasts Map's result)."""

    story_id: str
    status: Literal["SUCCEEDED", "FAILED"]
    #: The caught error's name (States.TaskFailed when the child execution failed).
    error: str | None = None


class SummarizePodcastsEvent(WireModel):
    selected: int = Field(ge=0)
    limit: int = Field(ge=0)
    podcasts: list[PodcastOutcome] = Field(default_factory=list)


class DailyPodcastsSummary(WireModel):
    """The daily_podcasts output: counts, and which stories failed (their child executions say why)."""

    selected: int
    limit: int
    succeeded: int
    failed: int
    failed_stories: list[str]
