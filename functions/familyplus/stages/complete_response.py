"""complete_response: the last step of a successful run — the response is `completed`."""

from __future__ import annotations

from typing import Protocol

from familyplus.models.response import CompleteResponseOutput, ResponseEvent
from familyplus.ports import Store


class CompleteResponsePorts(Protocol):
    @property
    def store(self) -> Store: ...


def run(event: ResponseEvent, ports: CompleteResponsePorts) -> CompleteResponseOutput:
    ports.store.update_progress(event.response_id, status="completed", stage=None, error=None)
    story = ports.store.find_story_for_response(event.response_id)
    return CompleteResponseOutput(
        response_id=event.response_id, story_id=story.id if story else None, status="completed"
    )
