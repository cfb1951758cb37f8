"""Lambda entry point for the transcribe_chunk stage."""

from familyplus.handlers._lambda import stage_handler
from familyplus.models.audio import ChunkRef
from familyplus.stages import transcribe_chunk

handler = stage_handler("transcribe_chunk", transcribe_chunk.run, ChunkRef)
