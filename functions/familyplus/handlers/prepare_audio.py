"""Lambda entry point for the prepare_audio stage."""

from familyplus.audio_models import PrepareAudioEvent
from familyplus.handlers._lambda import stage_handler
from familyplus.stages import prepare_audio

handler = stage_handler("prepare_audio", prepare_audio.run, PrepareAudioEvent)
