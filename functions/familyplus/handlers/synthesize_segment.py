"""Lambda entry point for the synthesize_segment stage."""

from familyplus.handlers._lambda import stage_handler
from familyplus.models.podcast import SegmentRef
from familyplus.stages import synthesize_segment

handler = stage_handler("synthesize_segment", synthesize_segment.run, SegmentRef)
