"""Lambda entry point for the summarize_podcasts stage (last step of daily_podcasts)."""

from familyplus.handlers._lambda import stage_handler
from familyplus.models.jobs import SummarizePodcastsEvent
from familyplus.stages import summarize_podcasts

handler = stage_handler("summarize_podcasts", summarize_podcasts.run, SummarizePodcastsEvent)
