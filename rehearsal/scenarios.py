"""The rehearsal's scenarios, each through the deployed definitions; each returns a one-line detail or raises
AssertionError naming what went wrong (ids, statuses, error types: never a family's words)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from familyplus.client import start_processing
from rehearsal.stack import RehearsedStack

SAMPLE_AUDIO = Path(__file__).resolve().parents[1] / "samples" / "audio" / "first_job.ogg"
TEXT = "My grandmother taught me to bake bread every Sunday. She said patience makes the best loaf."


def _process_response(stack: RehearsedStack) -> str:
    return stack.deployment.state_machines[
        next(n for n in stack.deployment.state_machines if n.endswith("process-response"))
    ].arn


def text_response(stack: RehearsedStack) -> str:
    """The backend's call: `familyplus.client.start_processing` with a boto3 Step Functions client."""
    client = stack.aws.client("stepfunctions")
    arn = start_processing(
        "r-text-1", "fam-1", media_type="text", text=TEXT, state_machine_arn=_process_response(stack), client=client
    )
    run = stack.wait(arn)
    described = client.describe_execution(executionArn=arn)
    assert described["status"] == "SUCCEEDED", (
        f"{arn}: {described['status']} {described.get('error')} ({_cause(stack)})"
    )
    with stack.postgres.connect() as conn:
        row = conn.execute("select status from responses where id = 'r-text-1'").fetchone()
        stories = conn.execute("select count(*) from stories where response_id = 'r-text-1'").fetchone()
    assert row == ("completed",), f"response row is {row}"
    assert stories == (1,), f"{stories} stories"
    assert run.execution is not None
    return f"{arn.rsplit(':', 1)[-1]}: SUCCEEDED, row completed, 1 story"


def duplicate_start(stack: RehearsedStack) -> str:
    """The same response started again: the same execution ARN comes back, no second execution runs."""
    client = stack.aws.client("stepfunctions")
    before = len(stack.executions)
    arn = start_processing(
        "r-text-1", "fam-1", media_type="text", text=TEXT, state_machine_arn=_process_response(stack), client=client
    )
    assert arn.endswith(":response-r-text-1"), arn
    assert len(stack.executions) == before, "a second execution was started"
    return "ExecutionAlreadyExists answered; the existing ARN returned"


def _run_text(stack: RehearsedStack, response_id: str, *, podcast: bool = False) -> tuple[str, dict[str, object]]:
    client = stack.aws.client("stepfunctions")
    arn = start_processing(
        response_id,
        "fam-1",
        podcast=podcast,
        media_type="text",
        # Words of its own: the provider-call cache (DynamoDB) would otherwise answer for the providers.
        text=f"{TEXT} That was in the year of {response_id}.",
        state_machine_arn=_process_response(stack),
        client=client,
    )
    stack.wait(arn)
    return arn, client.describe_execution(executionArn=arn)


def _row_status(stack: RehearsedStack, response_id: str) -> object:
    with stack.postgres.connect() as conn:
        row = conn.execute("select status from responses where id = %s", (response_id,)).fetchone()
    return row[0] if row else None


def provider_429_retried(stack: RehearsedStack) -> str:
    """OpenAI answers 429 once: the call is retried and the response still completes."""
    stack.faults.queue("openai", 429, times=1)
    arn, described = _run_text(stack, "r-429")
    throttled = [e for e in stack.doubles.exchanges if e.double == "openai" and e.status == 429]
    assert throttled, "the OpenAI double never answered 429"
    assert described["status"] == "SUCCEEDED", f"{arn}: {described['status']} ({_cause(stack)})"
    assert _row_status(stack, "r-429") == "completed"
    return f"1 x 429 from OpenAI retried; {arn.rsplit(':', 1)[-1]} SUCCEEDED"


def permanent_failure_then_redrive(stack: RehearsedStack) -> str:
    """OpenAI refuses (400) until the fault clears: MarkFailed records it, the execution FAILS; then
    `familyplus redrive --aws` (the real CLI, through the Step Functions endpoint) resumes it to SUCCEEDED."""
    stack.faults.queue("openai", 400, times=10)
    arn, described = _run_text(stack, "r-fail")
    assert described["status"] == "FAILED", f"{arn}: {described['status']}, expected FAILED"
    assert _row_status(stack, "r-fail") == "failed", "MarkFailed did not record the failure"
    stack.faults.pending.clear()
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": stack.aws.endpoint,
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "FAMILYPLUS_STATE_MACHINE_ARN": _process_response(stack),
        **stack.aws.admin,
    }
    env.pop("AWS_PROFILE", None)
    cli = Path(sys.executable).parent / "familyplus"
    env["COLUMNS"] = "200"
    done = subprocess.run(
        [str(cli), "redrive", "--aws", "response-r-fail"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, (
        f"familyplus redrive --aws exited {done.returncode}: " + " ".join((done.stdout + done.stderr).split())[-400:]
    )
    stack.wait(arn)
    after = stack.aws.client("stepfunctions").describe_execution(executionArn=arn)
    assert after["status"] == "SUCCEEDED", f"after redrive: {after['status']} ({_cause(stack)})"
    assert _row_status(stack, "r-fail") == "completed"
    return f"FAILED -> MarkFailed -> redriven by the CLI -> SUCCEEDED (redriveCount {after.get('redriveCount')})"


def audio_short(stack: RehearsedStack) -> str:
    """A recording uploaded to the media bucket, then started: FFmpeg (the layer's) prepares it, Cartesia
    (the double) transcribes it, and the response completes with the transcript."""
    bucket = next(b for b in stack.deployment.buckets.values() if "media" in b)
    key = "audio/r-audio-1.ogg"
    stack.aws.client("s3").put_object(Bucket=bucket, Key=key, Body=SAMPLE_AUDIO.read_bytes())
    client = stack.aws.client("stepfunctions")
    arn = start_processing(
        "r-audio-1",
        "fam-1",
        media_type="audio",
        audio_key=key,
        state_machine_arn=_process_response(stack),
        client=client,
    )
    stack.wait(arn)
    described = client.describe_execution(executionArn=arn)
    assert described["status"] == "SUCCEEDED", (
        f"{arn}: {described['status']} {described.get('error')} ({_cause(stack)})"
    )
    assert _row_status(stack, "r-audio-1") == "completed"
    heard = [e for e in stack.doubles.exchanges if e.double == "cartesia" and e.status == 200]
    assert heard, "the Cartesia double transcribed nothing"
    return f"{arn.rsplit(':', 1)[-1]}: SUCCEEDED, {len(heard)} transcription call(s)"


def podcast(stack: RehearsedStack) -> str:
    """A text response with podcast=true: process_response starts generate_podcast (states:startExecution),
    which scripts it (Bedrock), speaks each segment (the Cartesia TTS double), assembles one MP3 with the
    FFmpeg layer into the bucket and records it on the story."""
    arn, described = _run_text(stack, "r-pod", podcast=True)
    assert described["status"] == "SUCCEEDED", f"{arn}: {described['status']} ({_cause(stack)})"
    children = [e for e in stack.executions.values() if "generate-podcast" in e.arn]
    assert children, "generate_podcast was never started"
    for child in children:
        stack.wait(child.arn)
    child = children[-1]
    status = child.execution.status if child.execution else child.error
    assert status == "SUCCEEDED", f"generate_podcast: {status} ({_cause(stack)})"
    with stack.postgres.connect() as conn:
        row = conn.execute("select podcast_key, podcast_seconds from stories where response_id = 'r-pod'").fetchone()
    assert row and row[0] and row[1], f"story podcast fields {row}"
    bucket = next(b for b in stack.deployment.buckets.values() if "media" in b)
    head = stack.aws.client("s3").head_object(Bucket=bucket, Key=row[0])
    assert head["ContentLength"] > 0, f"the episode {row[0]} is empty"
    return f"generate_podcast SUCCEEDED: {head['ContentLength']:,} bytes, {row[1]:.1f} s in the bucket"


def daily_quote(stack: RehearsedStack) -> str:
    """The hourly daily-quote target fired with the Scheduler's input at 09:00 in a family's zone: one quote
    goes out by SMS (the Twilio double), once; a second firing of the same hour sends nothing."""
    with stack.postgres.connect() as conn:
        conn.execute("insert into responses (id, family_id, media_type, text) values ('r-q', 'fam-q', 'text', 'x')")
        conn.execute(
            "insert into stories (id, response_id, family_id, title, summary, narrative) "
            "values ('story-r-q', 'r-q', 'fam-q', 't', 's', 'n')"
        )
        conn.execute(
            "insert into quotes (story_id, family_id, position, text, start_offset, end_offset, score) "
            "values ('story-r-q', 'fam-q', 0, 'Always show up early.', 0, 21, 0.9)"
        )
        conn.execute("insert into quote_families (id, timezone, recipient) values ('fam-q', 'UTC', '+15550002222')")
    name = next(n for n in stack.deployment.schedules if n.endswith("daily-quote"))
    stack.fire_schedule(name, "2026-03-08T09:00:00Z")
    stack.fire_schedule(name, "2026-03-08T09:00:00Z")  # the Scheduler's retry of the same hour
    with stack.postgres.connect() as conn:
        rows = conn.execute("select status from quote_deliveries where family_id = 'fam-q'").fetchall()
    assert rows == [("sent",)], f"deliveries {rows}"
    assert stack.doubles.messages_sent == 1, f"{stack.doubles.messages_sent} SMS sent"
    return "1 SMS for the family due at 09:00; the retried hour sent none"


def _cause(stack: RehearsedStack) -> str:
    if not stack.failures:
        return "no function failed"
    last = stack.failures[-1]
    from rehearsal.report import classify

    return f"{last.function}: {classify(last.error or {})}"


SCENARIOS: dict[str, Callable[[RehearsedStack], str]] = {
    "text_response": text_response,
    "duplicate_start": duplicate_start,
    "audio_short": audio_short,
    "podcast": podcast,
    "daily_quote": daily_quote,
    "provider_429_retried": provider_429_retried,
    "permanent_failure_then_redrive": permanent_failure_then_redrive,
}
