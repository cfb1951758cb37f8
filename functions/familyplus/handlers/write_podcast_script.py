"""Lambda entry point for the write_podcast_script stage."""

from familyplus.handlers._lambda import stage_handler
from familyplus.models.podcast import WritePodcastScriptEvent
from familyplus.stages import write_podcast_script

handler = stage_handler("write_podcast_script", write_podcast_script.run, WritePodcastScriptEvent)
