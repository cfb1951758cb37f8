"""Lambda entry point for the mark_failed stage."""

from familyplus.handlers._lambda import stage_handler
from familyplus.models.response import MarkFailedEvent
from familyplus.stages import mark_failed

handler = stage_handler("mark_failed", mark_failed.run, MarkFailedEvent)
