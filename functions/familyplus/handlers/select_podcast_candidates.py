"""Lambda entry point for the select_podcast_candidates stage (first step of daily_podcasts)."""

from familyplus.handlers._lambda import stage_handler
from familyplus.models.jobs import DailyPodcastsEvent
from familyplus.stages import select_podcast_candidates

handler = stage_handler("select_podcast_candidates", select_podcast_candidates.run, DailyPodcastsEvent)
