"""Lambda entry point for the tag_values stage."""

from familyplus.handlers._lambda import stage_handler
from familyplus.models.response import ResponseEvent
from familyplus.stages import tag_values

handler = stage_handler("tag_values", tag_values.run, ResponseEvent)
