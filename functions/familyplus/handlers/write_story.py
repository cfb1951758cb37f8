"""Lambda entry point for the write_story stage."""

from familyplus.handlers._lambda import stage_handler
from familyplus.models.response import ResponseEvent
from familyplus.stages import write_story

handler = stage_handler("write_story", write_story.run, ResponseEvent)
