"""Lambda entry point for the complete_response stage."""

from familyplus.handlers._lambda import stage_handler
from familyplus.models.response import ResponseEvent
from familyplus.stages import complete_response

handler = stage_handler("complete_response", complete_response.run, ResponseEvent)
