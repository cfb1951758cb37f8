"""Lambda entry point for the publish_podcast stage."""

from familyplus.handlers._lambda import stage_handler
from familyplus.models.podcast import PublishPodcastEvent
from familyplus.stages import publish_podcast

handler = stage_handler("publish_podcast", publish_podcast.run, PublishPodcastEvent)
