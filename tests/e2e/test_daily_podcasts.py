"""daily_podcasts end to end: the ASL file, select/summarize stages, the Map's startExecution.sync:2 of
generate_podcast (a real child execution each), in virtual time. One test uses the real eSpeak NG + FFmpeg
path; the others speak with a fast tone generator so they stay quick."""

from __future__ import annotations

import json
import math
import threading
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from familyplus.adapters.local.template_podcast_writer import TemplatePodcastWriter
from familyplus.errors import PermanentError
from familyplus_local.cli import app, common
from familyplus_local.runtime.runner import LocalRunner
from familyplus_local.runtime.workflows import statemachines_dir
from tests.support import response

MAX_CONCURRENCY = json.loads((statemachines_dir() / "daily_podcasts.asl.json").read_text())["States"][
    "GeneratePodcasts"
]["MaxConcurrency"]


class ToneSpeech:
    """A Speech port that 'says' every segment as a short sine tone (the concurrency tests need many
    podcasts, not intelligible ones)."""

    sample_rate = 16_000

    def synthesize(self, text: str, *, voice: str, dst: Path) -> Path:
        pitch = 220.0 if voice == "host" else 330.0
        frames = b"".join(
            int(8000 * math.sin(2 * math.pi * pitch * i / self.sample_rate)).to_bytes(2, "little", signed=True)
            for i in range(int(0.3 * self.sample_rate))
        )
        dst.parent.mkdir(parents=True, exist_ok=True)
        with wave.open(str(dst), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(self.sample_rate)
            out.writeframes(frames)
        return dst


class RefusingWriter:
    """The template podcast writer, refusing (PermanentError) the stories named in `refuse`."""

    def __init__(self, refuse: set[str]) -> None:
        self.inner, self.refuse = TemplatePodcastWriter(), refuse

    def write(self, story: Any, quotes: Any) -> Any:
        if story.id in self.refuse:
            raise PermanentError(f"simulated refusal for {story.id}")
        return self.inner.write(story, quotes)


class ChildGate:
    """Wraps the runner's child-execution hook: counts generate_podcast children in flight, and holds each one
    until `limit` are in flight (or all have started) — so if the Map allowed more than `limit` at once, the
    peak would show it; if it allowed fewer, the peak would stay below `limit`."""

    def __init__(self, runner: LocalRunner, limit: int, total: int) -> None:
        self.inner, self.limit, self.total = runner._start_child, limit, total
        self.cond = threading.Condition()
        self.in_flight = self.started = self.peak = 0
        runner._start_child = self  # type: ignore[method-assign]

    def __call__(self, arn: str, payload: Any, name: str | None, wait: bool) -> dict[str, Any]:
        if not arn.endswith(":generate_podcast"):
            return self.inner(arn, payload, name, wait)
        with self.cond:
            self.in_flight += 1
            self.started += 1
            self.peak = max(self.peak, self.in_flight)
            self.cond.notify_all()
            self.cond.wait_for(lambda: self.in_flight >= self.limit or self.started >= self.total, timeout=10)
        try:
            return self.inner(arn, payload, name, wait)
        finally:
            with self.cond:
                self.in_flight -= 1
                self.cond.notify_all()


def make_stories(runner: LocalRunner, *ids: str) -> None:
    for rid in ids:
        execution = runner.start("process_response", response(rid), name=f"response-{rid}")
        assert execution.status == "SUCCEEDED", (execution.error, execution.cause)


def podcast_children(runner: LocalRunner) -> list[Any]:
    return runner.executions.list(state_machine_name="generate_podcast", limit=1000)


@pytest.mark.slow
def test_stories_without_a_podcast_get_one_and_the_others_are_left_alone(
    make_runner: Callable[..., LocalRunner],
) -> None:
    # Given three stories, one of which already has its podcast
    runner = make_runner()  # real eSpeak NG and FFmpeg
    make_stories(runner, "a", "b", "c")
    store = runner.adapters.store
    store.set_podcast("story-b", "podcasts/story-b/earlier.mp3", 42.0)

    # When the nightly job runs (the schedule's input)
    execution = runner.start("daily_podcasts", {"now": "2026-01-02T07:00:00Z"})

    # Then exactly the two stories without one get a podcast, and b keeps its own
    assert execution.status == "SUCCEEDED", (execution.error, execution.cause)
    assert execution.output == {"selected": 2, "limit": 50, "succeeded": 2, "failed": 0, "failedStories": []}
    children = podcast_children(runner)
    assert sorted(c.input["storyId"] for c in children) == ["story-a", "story-c"]
    assert all(c.status == "SUCCEEDED" for c in children)
    for story_id in ("story-a", "story-c"):
        story = store.get_story(story_id)
        assert story.podcast_key == f"podcasts/{story_id}/podcast.mp3" and (story.podcast_seconds or 0) > 5
        mp3 = runner.adapters.media.local_path(story.podcast_key)
        assert mp3 is not None and mp3.stat().st_size > 10_000
    assert (store.get_story("story-b").podcast_key, store.get_story("story-b").podcast_seconds) == (
        "podcasts/story-b/earlier.mp3",
        42.0,
    )

    # And a second run the same night finds nothing left to do
    again = runner.start("daily_podcasts", {"now": "2026-01-02T07:00:00Z"})
    assert again.output == {"selected": 0, "limit": 50, "succeeded": 0, "failed": 0, "failedStories": []}
    assert len(podcast_children(runner)) == 2


def test_the_map_never_runs_more_podcasts_at_once_than_its_max_concurrency(
    make_runner: Callable[..., LocalRunner],
) -> None:
    assert MAX_CONCURRENCY == 2  # the batch lane, as documented
    runner = make_runner(speech=ToneSpeech())
    make_stories(runner, "p1", "p2", "p3", "p4", "p5")
    gate = ChildGate(runner, limit=MAX_CONCURRENCY, total=5)

    execution = runner.start("daily_podcasts", {})

    assert execution.status == "SUCCEEDED", (execution.error, execution.cause)
    assert execution.output["succeeded"] == 5
    assert gate.started == 5
    assert gate.peak == MAX_CONCURRENCY  # never more; and the gate proves two really did run side by side
    assert all(runner.adapters.store.get_story(f"story-p{i}").podcast_key for i in range(1, 6))


def test_one_failed_podcast_does_not_stop_the_others(make_runner: Callable[..., LocalRunner]) -> None:
    runner = make_runner(speech=ToneSpeech(), podcast_writer=RefusingWriter({"story-f2"}))
    make_stories(runner, "f1", "f2", "f3")

    execution = runner.start("daily_podcasts", {})

    assert execution.status == "SUCCEEDED", (execution.error, execution.cause)
    assert execution.output == {"selected": 3, "limit": 50, "succeeded": 2, "failed": 1, "failedStories": ["story-f2"]}
    store = runner.adapters.store
    assert store.get_story("story-f1").podcast_key and store.get_story("story-f3").podcast_key
    assert store.get_story("story-f2").podcast_key is None  # so the next night tries it again
    statuses = {c.input["storyId"]: c.status for c in podcast_children(runner)}
    assert statuses == {"story-f1": "SUCCEEDED", "story-f2": "FAILED", "story-f3": "SUCCEEDED"}


def test_a_run_takes_the_oldest_stories_up_to_its_limit(make_runner: Callable[..., LocalRunner]) -> None:
    runner = make_runner(speech=ToneSpeech())
    make_stories(runner, "o3", "o1", "o2")

    execution = runner.start("daily_podcasts", {"limit": 2})

    assert execution.output["selected"] == 2 and execution.output["limit"] == 2
    assert sorted(c.input["storyId"] for c in podcast_children(runner)) == ["story-o1", "story-o3"]
    assert runner.adapters.store.get_story("story-o2").podcast_key is None


def test_schedule_run_daily_podcasts_triggers_the_workflow_by_hand(
    make_runner: Callable[..., LocalRunner], monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = make_runner(speech=ToneSpeech())
    make_stories(runner, "s1", "s2")
    monkeypatch.setattr(common, "runner", lambda verbose=False: runner)
    cli = CliRunner()

    result = cli.invoke(app, ["schedule", "run", "daily-podcasts", "--limit", "1"])

    assert result.exit_code == 0, result.output
    assert "1 stories without a podcast selected" in result.output and "1 podcasts made, 0 failed" in result.output
    (daily,) = runner.executions.list(state_machine_name="daily_podcasts")
    assert daily.status == "SUCCEEDED" and daily.input["limit"] == 1 and "now" in daily.input
    assert runner.adapters.store.get_story("story-s1").podcast_key is not None

    refused = cli.invoke(app, ["schedule", "run", "daily-podcasts", "--family", "f1"])
    assert refused.exit_code == 2 and "daily-quote only" in refused.output
    unknown = cli.invoke(app, ["schedule", "run", "weekly-digest"])
    assert unknown.exit_code == 2 and "daily-quote, daily-podcasts" in unknown.output


def test_each_published_episode_is_announced_once_and_never_again(make_runner: Callable[..., LocalRunner]) -> None:
    """Given three stories of two families with a recipient and one of a family without, a daily_podcasts
    run that publishes four episodes notifies the three with a recipient once each; a re-run (nothing left to
    publish) and a re-published episode notify nobody."""
    from familyplus.models.quotes import Family

    runner = make_runner(speech=ToneSpeech())
    for rid, family in (("n1", "fam-a"), ("n2", "fam-a"), ("n3", "fam-b"), ("n4", "fam-silent")):
        execution = runner.start("process_response", response(rid, familyId=family), name=f"response-{rid}")
        assert execution.status == "SUCCEEDED", (execution.error, execution.cause)
    runner.adapters.families.upsert_family(Family(id="fam-a", timezone="UTC", recipient="+15550000001"))
    runner.adapters.families.upsert_family(Family(id="fam-b", timezone="UTC", recipient="+15550000002"))
    outbox = runner.adapters.notifier

    first = runner.start("daily_podcasts", {})

    assert first.output["succeeded"] == 4
    messages = outbox.messages()  # type: ignore[attr-defined]
    assert sorted(m["to"] for m in messages) == ["+15550000001", "+15550000001", "+15550000002"]
    assert sorted(m["idempotencyKey"] for m in messages) == ["episode-story-n1", "episode-story-n2", "episode-story-n3"]
    for m in messages:
        assert "My First Job" in m["body"] and "file://" in m["body"] and "podcast.mp3" in m["body"]

    again = runner.start("daily_podcasts", {})
    republished = runner.start("generate_podcast", {"storyId": "story-n1"}, name="podcast-again-n1")

    assert again.output["selected"] == 0
    assert republished.status == "SUCCEEDED", (republished.error, republished.cause)
    assert len(outbox.messages()) == 3  # type: ignore[attr-defined]
