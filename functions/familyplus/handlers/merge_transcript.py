"""Lambda entry point for the merge_transcript stage."""

from familyplus.handlers._lambda import stage_handler
from familyplus.models.audio import MergeTranscriptEvent
from familyplus.stages import merge_transcript

handler = stage_handler("merge_transcript", merge_transcript.run, MergeTranscriptEvent)
