"""Two runs of one response never mix their results, and the one that cannot run says why (no traceback).

Given one process is processing response X (held inside TagValues), When another process starts X again with
other words — under another execution name (a replay) or the same one — Then that start is refused with a
clear error before anything runs, and everything stored for X comes from the first run's words.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from familyplus.adapters.local.lexicon_tagger import LexiconValueTagger
from familyplus.errors import ExecutionAlreadyExistsError
from familyplus.models.keys import story_id_for
from familyplus_local.executor import SubjectBusyError
from familyplus_local.runtime.runner import LocalRunner
from tests.support import response

PROCESS = "process_response"
FIRST = "My grandmother taught me to bake bread with patience and faith. We laughed in her warm kitchen."
SECOND = "I served in the navy for twenty years. Discipline and courage carried me through every storm at sea."


class GatedTagger:
    def __init__(self) -> None:
        self.inner = LexiconValueTagger()
        self.entered, self.release = threading.Event(), threading.Event()

    def tag(self, text: str, vocabulary: Any) -> Any:
        self.entered.set()
        self.release.wait(30)
        return self.inner.tag(text, vocabulary)


@pytest.mark.parametrize("second_name", ["response-x-2", "response-x"])
def test_a_second_run_of_a_response_in_progress_is_refused_and_nothing_mixes(
    make_runner: Callable[..., LocalRunner], second_name: str
) -> None:
    gated = GatedTagger()
    first_runner = make_runner(tagger=gated)
    done: dict[str, Any] = {}
    thread = threading.Thread(
        target=lambda: done.update(ex=first_runner.start(PROCESS, response("x", text=FIRST), name="response-x")),
        daemon=True,
    )
    thread.start()
    assert gated.entered.wait(30)
    second_runner = make_runner()  # another process's runner on the same data folder

    with pytest.raises((SubjectBusyError, ExecutionAlreadyExistsError)) as refused:
        second_runner.start(PROCESS, response("x", text=SECOND), name=second_name)
    assert "response-x" in str(refused.value)
    gated.release.set()
    thread.join(30)
    assert done["ex"].status == "SUCCEEDED"

    store = first_runner.adapters.store
    assert store.get_response("x").text == FIRST
    story = store.get_story(story_id_for("x"))
    assert "navy" not in (story.narrative + story.summary).lower()
    assert all(q.text in FIRST for q in store.list_quotes(story.id))
    # The refusal touched nothing: no second execution was recorded under the replay name
    assert second_runner.find("response-x-2", PROCESS) is None


def test_a_start_that_loses_a_name_race_gets_the_aws_answer_not_a_traceback(
    make_runner: Callable[..., LocalRunner], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both processes looked the name up before either wrote it; the second write is the loser."""
    first = make_runner()
    payload = response("y", text=FIRST)
    assert first.start(PROCESS, payload, name="response-y").status == "SUCCEEDED"
    late = make_runner()
    real_find = late.find
    calls = iter([None])
    monkeypatch.setattr(late, "find", lambda name, wf: next(calls, real_find(name, wf)))
    assert late.start(PROCESS, payload, name="response-y").status == "SUCCEEDED"  # the same input: that one
    calls = iter([None])
    with pytest.raises(ExecutionAlreadyExistsError, match="already exists with a different input"):
        late.start(PROCESS, response("y", text=SECOND), name="response-y")
