"""Lambda entry point for the embed stage."""

from familyplus.handlers._lambda import stage_handler
from familyplus.models import ResponseEvent
from familyplus.stages import embed

handler = stage_handler("embed", embed.run, ResponseEvent)
