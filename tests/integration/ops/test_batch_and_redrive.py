"""`familyplus batch` and the local operations CLI (executions list --since, bulk redrive --dry-run)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from familyplus.adapters.local.lexicon_tagger import LexiconValueTagger
from familyplus.errors import PermanentError
from familyplus_local.cli import app, common
from familyplus_local.ops.batch.local import run_batch
from familyplus_local.runtime.runner import LocalRunner
from tests.support import response


class SwitchableTagger:
    """Fails (PermanentError) on texts containing FAIL, or on everything while `broken`; counts concurrency."""

    def __init__(self) -> None:
        self.inner, self.broken = LexiconValueTagger(), False
        self._lock, self.active, self.peak = threading.Lock(), 0, 0

    def tag(self, text: str, vocabulary: Any) -> Any:
        with self._lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
        try:
            if self.broken or "FAIL" in text:
                raise PermanentError("simulated tagger refusal")
            return self.inner.tag(text, vocabulary)
        finally:
            with self._lock:
                self.active -= 1


def test_batch_reports_each_bad_line_and_processes_the_rest(
    make_runner: Callable[..., LocalRunner], tmp_path: Path
) -> None:
    tagger = SwitchableTagger()
    runner = make_runner(tagger=tagger)
    lines = [
        json.dumps(response("b1")),
        "{not json",
        json.dumps({"responseId": "b3", "mediaType": "text", "text": "hi"}),  # familyId missing
        "",
        json.dumps(response("b5", text="This one will FAIL in tagging, sadly.")),
        json.dumps(response("b6")),
        json.dumps([1, 2]),
    ]
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    results = run_batch(runner, path, concurrency=2)

    assert [(r.line, r.ok) for r in results] == [(1, True), (2, False), (3, False), (5, False), (6, True), (7, False)]
    by_line = {r.line: r for r in results}
    assert "not JSON" in (by_line[2].reason or "")
    assert "familyId" in (by_line[3].reason or "")
    assert (by_line[5].reason or "").startswith("FAILED") and by_line[5].execution == "response-b5"
    assert "JSON object" in (by_line[7].reason or "")
    assert tagger.peak <= 2
    assert runner.executions.get("response-b6").status == "SUCCEEDED"


def test_batch_command_exits_non_zero_and_prints_the_failures(
    make_runner: Callable[..., LocalRunner], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = make_runner()
    monkeypatch.setattr(common, "runner", lambda verbose=False: runner)
    path = tmp_path / "b.jsonl"
    path.write_text(json.dumps(response("c1")) + "\n{oops\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["batch", str(path), "--concurrency", "1"])
    assert result.exit_code == 1, result.output
    assert "1 succeeded, 1 failed" in result.output and "not JSON" in result.output


def test_bulk_redrive_dry_run_lists_exactly_the_failed_then_redrives_them(
    make_runner: Callable[..., LocalRunner], monkeypatch: pytest.MonkeyPatch
) -> None:
    tagger = SwitchableTagger()
    runner = make_runner(tagger=tagger)
    monkeypatch.setattr(common, "runner", lambda verbose=False: runner)
    assert runner.start("process_response", response("ok1"), name="response-ok1").status == "SUCCEEDED"
    tagger.broken = True  # the fault
    for rid in ("bad1", "bad2"):
        assert runner.start("process_response", response(rid), name=f"response-{rid}").status == "FAILED"
    # executions started "now" in the virtual clock (2026-01-01) are older than 14 days in wall time: only a
    # wide --since finds them, and the 14-day redrive window must then skip them
    cli = CliRunner()
    listed = cli.invoke(app, ["executions", "list", "--status", "FAILED"])
    assert "response-bad1" in listed.output and "response-ok1" not in listed.output
    old = cli.invoke(app, ["redrive", "--status", "FAILED", "--dry-run"])
    assert "older than 14 days skipped" in old.output and "would redrive 0" in old.output

    # Given the same failures started within the last hour (wall clock)
    for rid in ("bad1", "bad2"):
        ex = runner.executions.get(f"response-{rid}")
        runner.executions.save(type(ex)(**{**ex.__dict__, "start_date": _now()}))
    dry = cli.invoke(app, ["redrive", "--status", "FAILED", "--since", "1h", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would redrive 2" in dry.output
    assert "response-bad1" in dry.output and "response-bad2" in dry.output and "response-ok1" not in dry.output
    assert runner.executions.get("response-bad1").status == "FAILED"  # dry run changed nothing
    as_json = cli.invoke(app, ["redrive", "--status", "FAILED", "--since", "1h", "--dry-run", "--json"])
    assert as_json.exit_code == 0, as_json.output
    planned = json.loads(as_json.output)
    assert planned["dryRun"] is True and planned["results"] == [] and planned["skipped"] == []
    assert sorted(m["name"] for m in planned["matching"]) == ["response-bad1", "response-bad2"]
    assert {m["status"] for m in planned["matching"]} == {"FAILED"}

    tagger.broken = False  # the fault is cleared
    done = cli.invoke(app, ["redrive", "--status", "FAILED", "--since", "1h", "--json"])
    assert done.exit_code == 0, done.output
    outcomes = {r["name"]: r for r in json.loads(done.output)["results"]}
    assert {name: (r["redriven"], r["status"]) for name, r in outcomes.items()} == {
        "response-bad1": (True, "SUCCEEDED"),
        "response-bad2": (True, "SUCCEEDED"),
    }
    for rid in ("bad1", "bad2"):
        ex = runner.executions.get(f"response-{rid}")
        assert (ex.status, ex.redrive_count) == ("SUCCEEDED", 1)


def test_bad_inputs_are_refused_with_the_rule() -> None:
    cli = CliRunner()
    assert "14 days" in cli.invoke(app, ["redrive", "--status", "SUCCEEDED"]).output
    assert (
        "--since: '3 parsecs' is neither a duration"
        in cli.invoke(app, ["executions", "list", "--since", "3 parsecs"]).output
    )
    assert "14 days" in cli.invoke(app, ["redrive", "--help"]).output


@pytest.mark.parametrize(
    ("text", "seconds"), [("30m", 1800), ("24h", 86400), ("7d", 604800), ("2w", 1209600), ("90s", 90)]
)
def test_parse_duration(text: str, seconds: int) -> None:
    assert common.parse_duration(text).total_seconds() == seconds


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


def test_batch_lines_that_are_not_utf8_or_reuse_an_id_are_reported_and_the_rest_run(
    make_runner: Callable[..., LocalRunner], tmp_path: Path
) -> None:
    """Given a BOM, a line of Latin-1 bytes, a NaN, an exact duplicate and a second content for one id, When
    the batch runs, Then each bad line is reported with its reason, and every good line is processed."""
    runner = make_runner()
    path = tmp_path / "batch.jsonl"
    first = json.dumps(response("u1")).encode()
    other = json.dumps(response("u1", text="Completely different words about my first car.")).encode()
    path.write_bytes(
        b"\xef\xbb\xbf"
        + first
        + b"\n"
        + json.dumps(response("u2")).encode().replace(b"first job", b"caf\xe9 job")
        + b"\n"
        + b'{"responseId": "u3", "familyId": "f", "mediaType": "text", "text": NaN}\n'
        + first
        + b"\n"
        + other
        + b"\n"
        + json.dumps(response("u4")).encode()
        + b"\n"
    )

    results = run_batch(runner, path, concurrency=2)

    by_line = {r.line: r for r in results}
    assert [(r.line, r.ok) for r in results] == [(1, True), (2, False), (3, False), (4, False), (5, False), (6, True)]
    assert "not UTF-8" in (by_line[2].reason or "") and "0xe9" in (by_line[2].reason or "")
    assert "NaN is not a JSON value" in (by_line[3].reason or "")
    assert "duplicate of line 1" in (by_line[4].reason or "")
    assert "already on line 1 with other content" in (by_line[5].reason or "")
    assert runner.adapters.store.get_response("u1").text == response("u1")["text"]
