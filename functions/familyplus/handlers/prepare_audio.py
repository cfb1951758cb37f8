"""Lambda entry point for the prepare_audio stage."""

from familyplus.handlers._lambda import stage_handler
from familyplus.models.audio import PrepareAudioEvent
from familyplus.stages import prepare_audio

handler = stage_handler("prepare_audio", prepare_audio.run, PrepareAudioEvent)
