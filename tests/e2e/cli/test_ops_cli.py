"""The CLI as ops use it: failures shown as failures (a caught state is a red ✗ with one line, the stack
trace only with -v), `executions list` whole at 80 columns, `--json` on every listing and show command,
search by response and family, `tasks`, `stop`, live progress with the running state and child executions,
and the podcast's execution name."""

from __future__ import annotations

import json
import re
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from familyplus import bootstrap
from familyplus.adapters.local.lexicon_tagger import LexiconValueTagger
from familyplus.settings import Settings
from familyplus_local.cli import app
from familyplus_local.executor import VirtualClock
from familyplus_local.runtime.runner import LocalRunner
from tests.e2e.browser.fixtures import Gate
from tests.support import TEXT

pytestmark = pytest.mark.slow


def invoke(cli: CliRunner, *args: str, columns: int = 200) -> Any:
    return cli.invoke(app, list(args), env={"COLUMNS": str(columns)})


def test_a_caught_failure_is_a_red_cross_with_one_line_and_the_trace_only_verbose(cli: CliRunner) -> None:
    run = invoke(cli, "run", "--text", "   ", "--response-id", "blank")
    assert run.exit_code == 1
    assert re.search(r"✗ AcceptResponse PermanentError: accept_response: invalid input: text: .*\(caught\)", run.output)
    assert "✓ AcceptResponse" not in run.output
    assert "stackTrace" not in run.output
    shown = invoke(cli, "executions", "show", "response-blank")
    line = next(row for row in shown.output.splitlines() if "AcceptResponse" in row)
    assert "✗" in line and "caught" in line and "PermanentError" in line
    assert "ok after" not in shown.output and "stackTrace" not in shown.output
    verbose = invoke(cli, "executions", "show", "response-blank", "-v")
    assert "stackTrace" in verbose.output
    data = json.loads(invoke(cli, "executions", "show", "response-blank", "--json").output)
    accept = next(s for s in data["states"] if s["state"] == "AcceptResponse")
    assert (accept["outcome"], accept["ok"]) == ("caught", False)


def test_list_is_whole_at_80_columns_filters_by_response_and_family_and_has_json(cli: CliRunner) -> None:
    for response_id, family in (("sample-first-job-recording-long", "family-okafor"), ("r2", "family-lee")):
        assert invoke(cli, "run", "--text", TEXT, "--response-id", response_id, "--family", family).exit_code == 0
    listed = invoke(cli, "executions", "list", columns=80)
    assert listed.exit_code == 0, listed.output
    assert "response-sample-first-job-recording-long" in listed.output
    assert max(len(line) for line in listed.output.splitlines()) <= 80
    assert "…" not in listed.output
    by_response = invoke(cli, "executions", "list", "--response", "r2", "--json")
    assert [row["name"] for row in json.loads(by_response.output)] == ["response-r2"]
    by_family = json.loads(invoke(cli, "executions", "list", "--family", "family-okafor", "--json").output)
    assert [row["name"] for row in by_family] == ["response-sample-first-job-recording-long"]
    assert by_family[0]["status"] == "SUCCEEDED" and by_family[0]["familyId"] == "family-okafor"
    bad = invoke(cli, "executions", "list", "--family", "a b")
    assert bad.exit_code == 2 and "family" in bad.output and "'a b' is not an id" in bad.output


def test_story_search_and_families_have_json(cli: CliRunner) -> None:
    assert invoke(cli, "run", "--text", TEXT, "--response-id", "r1").exit_code == 0
    story = json.loads(invoke(cli, "story", "r1", "--json").output)
    assert story["story"]["id"] == "story-r1" and story["story"]["title"] and story["quotes"]
    hits = json.loads(invoke(cli, "search", "bakery", "--json").output)
    assert hits[0]["responseId"] == "r1"
    assert (
        invoke(
            cli, "families", "add", "family-okafor", "--timezone", "Europe/London", "--recipient", "+15551234567"
        ).exit_code
        == 0
    )
    families = json.loads(invoke(cli, "families", "list", "--json").output)
    assert families[0]["id"] == "family-okafor" and families[0]["timezone"] == "Europe/London"


def test_tasks_lists_workflows_and_stages(cli: CliRunner) -> None:
    shown = invoke(cli, "tasks")
    assert shown.exit_code == 0, shown.output
    for name in ("process_response", "generate_podcast", "transcribe_chunk", "write_story", "AcceptResponse"):
        assert name in shown.output
    data = json.loads(invoke(cli, "tasks", "--json").output)
    assert {w["name"] for w in data["workflows"]} >= {"process_response", "daily_podcasts"}
    assert any(s["name"] == "assemble_podcast" and "ffmpeg" in s["needs"] for s in data["stages"])


def test_stop_aborts_a_running_execution_and_refuses_a_finished_one(cli: CliRunner, data_dir: Path) -> None:
    settings = Settings(profile="local", data_dir=data_dir, _env_file=None)
    gate = Gate(LexiconValueTagger())
    runner = LocalRunner(
        settings,
        adapters=bootstrap.build(settings, tagger=gate),
        clock=VirtualClock(datetime.now(UTC)),
        heartbeat_seconds=0.2,
    )
    gate.open.clear()
    body = {"responseId": "long", "familyId": "f1", "mediaType": "text", "text": TEXT}
    outcome: dict[str, Any] = {}
    worker = threading.Thread(
        target=lambda: outcome.update(done=runner.start("process_response", body, name="response-long"))
    )
    worker.start()
    try:
        assert gate.waiting.wait(timeout=30)
        stopped = invoke(cli, "stop", "response-long")
        assert stopped.exit_code == 0, stopped.output
        assert "response-long" in stopped.output
    finally:
        gate.open.set()
        worker.join(timeout=60)
    assert outcome["done"].status == "ABORTED"
    again = invoke(cli, "stop", "response-long")
    assert again.exit_code == 2 and "ABORTED" in again.output and "only a RUNNING execution" in again.output
    missing = invoke(cli, "stop", "response-nobody")
    assert missing.exit_code == 2 and "response-nobody" in missing.output


def test_live_progress_shows_running_states_and_the_child_execution_and_podcast_names_it(cli: CliRunner) -> None:
    run = invoke(cli, "run", "--text", TEXT, "--response-id", "pod", "--podcast")
    assert run.exit_code == 0, run.output
    assert "… AcceptResponse running" in run.output and "… Analyze running" in run.output
    child = re.search(r"↳ StartPodcast started generate_podcast execution (\S+)", run.output)
    assert child, run.output
    remade = invoke(cli, "podcast", "story-pod")
    assert remade.exit_code == 0, remade.output
    name = re.search(r"execution: (podcast-story-pod\S*)", remade.output)
    assert name, remade.output
    assert invoke(cli, "executions", "show", name.group(1)).exit_code == 0


def test_aws_commands_say_what_is_missing_in_one_line(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for key in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
    ):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    arn = "arn:aws:states:eu-west-1:123456789012:stateMachine:familyplus-dev-process-response"
    for args in (
        ("executions", "list", "--aws", "--state-machine-arn", arn),
        ("executions", "show", "response-r1", "--aws", "--state-machine-arn", arn),
        ("stop", "response-r1", "--aws", "--state-machine-arn", arn),
        ("redrive", "response-r1", "--aws", "--state-machine-arn", arn),
        ("tasks", "--aws", "--state-machine-arn", arn),
    ):
        result = invoke(cli, *args)
        assert result.exit_code == 2, (args, result.output)
        assert "no AWS credentials found (region eu-west-1)" in result.output, (args, result.output)
        assert "Traceback" not in result.output and result.output.count("\n") <= 3, (args, result.output)


def test_aws_region_comes_from_the_arn_and_stop_and_tasks_work(cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    import boto3
    from moto import mock_aws

    for key in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        sfn = boto3.client("stepfunctions", region_name="eu-west-1")
        arn = sfn.create_state_machine(
            name="familyplus-dev-process-response",
            definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
            roleArn="arn:aws:iam::123456789012:role/sfn",
        )["stateMachineArn"]
        sfn.start_execution(stateMachineArn=arn, name="response-r1", input='{"responseId": "r1", "familyId": "f1"}')
        listed = invoke(cli, "executions", "list", "--aws", "--state-machine-arn", arn, "--json")
        assert listed.exit_code == 0, listed.output
        assert [row["name"] for row in json.loads(listed.output)] == ["response-r1"]
        stopped = invoke(cli, "stop", "response-r1", "--aws", "--state-machine-arn", arn)
        assert stopped.exit_code == 0, stopped.output
        described = sfn.describe_execution(executionArn=arn.replace(":stateMachine:", ":execution:") + ":response-r1")
        assert described["status"] == "ABORTED"
        tasks = invoke(cli, "tasks", "--aws", "--state-machine-arn", arn, "--json")
        assert tasks.exit_code == 0, tasks.output
        deployed = {w["name"]: w["deployed"] for w in json.loads(tasks.output)["workflows"]}
        assert deployed["process_response"].startswith("ACTIVE") and deployed["generate_podcast"] == "missing"
