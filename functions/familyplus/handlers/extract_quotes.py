"""Lambda entry point for the extract_quotes stage."""

from familyplus.handlers._lambda import stage_handler
from familyplus.models.response import StoryEvent
from familyplus.stages import extract_quotes

handler = stage_handler("extract_quotes", extract_quotes.run, StoryEvent)
