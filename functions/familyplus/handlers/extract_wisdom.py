"""Lambda entry point for the extract_wisdom stage."""

from familyplus.handlers._lambda import stage_handler
from familyplus.models.response import ResponseEvent
from familyplus.stages import extract_wisdom

handler = stage_handler("extract_wisdom", extract_wisdom.run, ResponseEvent)
