"""Lambda entry point for the merge_transcript stage."""

from familyplus.audio_models import MergeTranscriptEvent
from familyplus.handlers._lambda import stage_handler
from familyplus.stages import merge_transcript

handler = stage_handler("merge_transcript", merge_transcript.run, MergeTranscriptEvent)
