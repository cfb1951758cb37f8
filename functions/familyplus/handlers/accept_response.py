"""Lambda entry point for the accept_response stage."""

from familyplus.handlers._lambda import stage_handler
from familyplus.models.response import ProcessResponseInput
from familyplus.stages import accept_response

handler = stage_handler("accept_response", accept_response.run, ProcessResponseInput)
