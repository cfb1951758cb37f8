"""process_response end to end: the ASL file, the executor, the handlers and SqliteStore together."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from familyplus.adapters.local.lexicon_tagger import LexiconValueTagger
from familyplus_local.runtime.runner import LocalRunner
from tests.support import FlakyPort, response


def task_events(execution, state: str, kind: str) -> list:  # type: ignore[no-untyped-def]
    return [e for e in execution.history if e.type == kind and (e.state == state or (e.path or "").endswith(state))]


def test_text_response_becomes_story_tags_wisdom_and_quotes(make_runner: Callable[..., LocalRunner]) -> None:
    runner = make_runner()
    execution = runner.start("process_response", response(), name="response-r1")
    assert execution.status == "SUCCEEDED", (execution.error, execution.cause)
    store = runner.adapters.store
    story = store.get_story("story-r1")
    assert story.title == "My First Job"
    assert store.list_value_tags("r1") and store.list_quotes("story-r1") and store.list_wisdom("r1")
    assert store.get_response("r1").status == "completed"
    assert execution.output["story"] == {"storyId": "story-r1", "title": "My First Job"}
    assert "text" not in execution.output  # large text never travels past AcceptResponse


def test_two_transient_failures_are_retried_with_the_formula_waits(make_runner: Callable[..., LocalRunner]) -> None:
    # Given a tagger that fails twice with TransientError
    tagger = FlakyPort(LexiconValueTagger(), "tag", failures=2)
    runner = make_runner(tagger=tagger)
    # When the response is processed
    execution = runner.start("process_response", response())
    # Then it succeeds on the third attempt, and the history shows both failures and their waits
    assert execution.status == "SUCCEEDED", (execution.error, execution.cause)
    failures = task_events(execution, "TagValues", "TaskFailed")
    assert [e.error for e in failures] == ["TransientError", "TransientError"]
    # IntervalSeconds 1, BackoffRate 2, FULL jitter: waits are uniform in [0, 1] then [0, 2]
    delays = [e.retry_delay for e in failures]
    assert delays[0] is not None and 0 <= delays[0] <= 1
    assert delays[1] is not None and 0 <= delays[1] <= 2
    assert len(task_events(execution, "TagValues", "TaskScheduled")) == 3
    assert tagger.calls == 3


def test_three_failures_are_caught_marked_failed_then_redrive_succeeds(
    make_runner: Callable[..., LocalRunner],
) -> None:
    tagger = FlakyPort(LexiconValueTagger(), "tag", failures=3)
    runner = make_runner(tagger=tagger)
    execution = runner.start("process_response", response(), name="response-r1")
    assert (execution.status, execution.error) == ("FAILED", "TransientError")
    row = runner.adapters.store.get_response("r1")
    assert (row.status, row.stage) == ("failed", "tag_values")
    assert "simulated provider outage (call 3)" in (row.error or "")
    assert runner.adapters.store.find_story_for_response("r1") is None
    # When the fault has cleared (the flaky tagger now answers), a redrive resumes and succeeds
    redriven = runner.redrive(execution.execution_arn)
    assert redriven.status == "SUCCEEDED", (redriven.error, redriven.cause)
    assert redriven.redrive_count == 1
    assert runner.adapters.store.get_response("r1").status == "completed"
    assert task_events(redriven, "AcceptResponse", "TaskScheduled") == task_events(
        execution, "AcceptResponse", "TaskScheduled"
    ), "redrive must not re-run states that had succeeded"
    assert runner.executions.get("response-r1").redrive_count == 1


def test_same_response_twice_leaves_one_story_and_no_duplicates(make_runner: Callable[..., LocalRunner]) -> None:
    runner = make_runner()
    for name in ("response-r1", "response-r1-2"):
        assert runner.start("process_response", response(), name=name).status == "SUCCEEDED"
    store = runner.adapters.store
    assert len([s for s in store.list_stories() if s.response_id == "r1"]) == 1  # type: ignore[attr-defined]
    tags = [t.tag for t in store.list_value_tags("r1")]
    quotes = [q.text for q in store.list_quotes("story-r1")]
    assert len(tags) == len(set(tags)) and len(quotes) == len(set(quotes))


def test_same_name_same_input_returns_the_existing_execution(make_runner: Callable[..., LocalRunner]) -> None:
    runner = make_runner()
    first = runner.start("process_response", response(), name="response-r1")
    again = runner.start("process_response", response(), name="response-r1")
    assert again.execution_arn == first.execution_arn and len(runner.executions.list()) == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"responseId": None}, "responseId"),
        ({"text": ""}, "text"),
        ({"text": "word " * 8001}, "text"),
        ({"mediaType": "video"}, "mediaType"),
    ],
)
def test_malformed_input_fails_naming_the_field_and_stores_nothing_partial(
    make_runner: Callable[..., LocalRunner], overrides: dict, field: str
) -> None:
    runner = make_runner()
    payload = {k: v for k, v in response(**overrides).items() if v is not None}
    execution = runner.start("process_response", payload)
    assert (execution.status, execution.error) == ("FAILED", "PermanentError")
    assert field in (execution.cause or "")
    store = runner.adapters.store
    if "responseId" in payload:
        row = store.get_response("r1")
        assert (row.status, row.stage) == ("failed", "accept_response")
        assert field in (row.error or "")
        assert row.text is None  # the malformed content is not kept
    assert store.list_value_tags("r1") == [] and store.find_story_for_response("r1") is None
