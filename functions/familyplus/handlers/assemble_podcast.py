"""Lambda entry point for the assemble_podcast stage."""

from familyplus.handlers._lambda import stage_handler
from familyplus.models.podcast import AssemblePodcastEvent
from familyplus.stages import assemble_podcast

handler = stage_handler("assemble_podcast", assemble_podcast.run, AssemblePodcastEvent)
