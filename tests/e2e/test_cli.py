"""The `familyplus` CLI as a newcomer meets it: the demo and the main commands, in a fresh data folder."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from familyplus import bootstrap
from familyplus.settings import load_settings
from familyplus_local.cli import app

pytestmark = pytest.mark.slow


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("FAMILYPLUS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "200")
    load_settings.cache_clear()
    yield CliRunner()
    load_settings.cache_clear()
    bootstrap.install(None)


def test_demo_prints_stories_tags_quotes_podcast_and_history(cli: CliRunner, tmp_path: Path) -> None:
    result = cli.invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    out = result.output
    for title in ("My First Job", "Coming to This Country", "My Wedding Day"):
        assert title in out
    assert len(re.findall(r"^Values: \w+", out, re.M)) == 4  # three texts and the recording
    assert len(re.findall(r"^Quote: “", out, re.M)) >= 4
    assert out.count("— SUCCEEDED") >= 5  # four process_response histories and the podcast's
    mp3 = re.search(r"Podcast MP3: (\S+\.mp3)", out)
    assert mp3 and Path(mp3.group(1)).stat().st_size > 10_000


def test_run_then_show_then_search(cli: CliRunner) -> None:
    text = "My father always said, treat people kindly. I learned that kindness costs nothing at all."
    result = cli.invoke(app, ["run", "--text", text, "--response-id", "r1", "--prompt", "Tell us about your father"])
    assert result.exit_code == 0, result.output
    assert "My Father" in result.output and "Quote: “" in result.output
    shown = cli.invoke(app, ["executions", "show", "response-r1"])
    assert shown.exit_code == 0 and "WriteStory" in shown.output and "SUCCEEDED" in shown.output
    found = cli.invoke(app, ["search", "kindness"])
    assert "r1" in found.output


def test_reembed_brings_responses_of_an_older_model_back_into_search(cli: CliRunner) -> None:
    """Given a processed response whose stored vector came from the previous 384-d model, search misses it
    until `reembed`, which leaves its status and story untouched."""
    text = "We married in the spring of 1961 in my mother's garden, and the whole village came to dance."
    assert cli.invoke(app, ["run", "--text", text, "--response-id", "old-1", "--family", "fam"]).exit_code == 0
    store = bootstrap.current().store
    before = store.get_response("old-1")
    store.save_embedding("old-1", "fam", "all-MiniLM-L6-v2-numpy", [1.0] + [0.0] * 383)
    assert "old-1" not in cli.invoke(app, ["search", "wedding ceremony"]).output

    result = cli.invoke(app, ["reembed"])
    assert result.exit_code == 0, result.output
    assert "re-embedded 1 responses with all-mpnet-base-v2-numpy" in result.output
    assert "old-1" in cli.invoke(app, ["search", "wedding ceremony"]).output
    after = store.get_response("old-1")
    assert (after.status, after.stage, after.text) == (before.status, before.stage, before.text)


def test_run_refuses_ambiguous_or_unreadable_input(cli: CliRunner, tmp_path: Path) -> None:
    both = cli.invoke(app, ["run", "--text", "x", "--audio", str(tmp_path / "a.wav")])
    assert both.exit_code == 2 and "exactly one of" in both.output
    missing = cli.invoke(app, ["run", "--audio", str(tmp_path / "nope.wav")])
    assert missing.exit_code == 2 and "no such file" in missing.output
