"""Lambda entry point for the embed stage."""

from familyplus.handlers._lambda import stage_handler
from familyplus.models.response import ResponseEvent
from familyplus.stages import embed

handler = stage_handler("embed", embed.run, ResponseEvent)
