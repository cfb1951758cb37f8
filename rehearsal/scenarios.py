"""The rehearsal's scenarios, each through the deployed definitions; each returns a one-line detail or raises
AssertionError naming what went wrong (ids, statuses, error types: never a family's words)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from familyplus.client import start_processing
from rehearsal.stack import RehearsedStack

SAMPLE_AUDIO = Path(__file__).resolve().parents[1] / "samples" / "audio" / "first_job.ogg"
LONG_RECORDING_S = 720.0  # past the 600 s chunk threshold by more than a tenth of a chunk: two chunks
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
    done = _cli(stack, "redrive", "--aws", "response-r-fail")
    assert done.returncode == 0, f"familyplus redrive --aws exited {done.returncode}: {_tail(done)}"
    stack.wait(arn)
    after = stack.aws.client("stepfunctions").describe_execution(executionArn=arn)
    assert after["status"] == "SUCCEEDED", f"after redrive: {after['status']} ({_cause(stack)})"
    assert _row_status(stack, "r-fail") == "completed"
    return f"FAILED -> MarkFailed -> redriven by the CLI -> SUCCEEDED (redriveCount {after.get('redriveCount')})"


def _cli(stack: RehearsedStack, *args: str) -> subprocess.CompletedProcess[str]:
    """The real `familyplus` CLI as an operator runs it, its AWS endpoint the rehearsal's."""
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": stack.aws.endpoint,
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "FAMILYPLUS_STATE_MACHINE_ARN": _process_response(stack),
        "COLUMNS": "200",
        **stack.aws.admin,
    }
    env.pop("AWS_PROFILE", None)
    cli = Path(sys.executable).parent / "familyplus"
    return subprocess.run([str(cli), *args], env=env, capture_output=True, text=True, timeout=300)


def _tail(done: subprocess.CompletedProcess[str]) -> str:
    return " ".join((done.stdout + done.stderr).split())[-400:]


def _media_bucket(stack: RehearsedStack) -> str:
    return next(b for b in stack.deployment.buckets.values() if "media" in b)


def audio_short(stack: RehearsedStack) -> str:
    """A recording uploaded to the media bucket, then started: FFmpeg (the layer's) prepares it, Cartesia
    (the double) transcribes it, and the response completes with the transcript."""
    bucket = _media_bucket(stack)
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


def audio_long(stack: RehearsedStack) -> str:
    """A recording longer than the chunk threshold (the sample looped past 11 minutes): prepare_audio cuts it
    into overlapping chunks, the TranscribeChunks Map transcribes each, merge_transcript joins them."""
    from familyplus.adapters.shared.ffmpeg_audio import FfmpegAudio

    audio = FfmpegAudio()
    loops = math.ceil(LONG_RECORDING_S / audio.probe(SAMPLE_AUDIO).duration)
    with tempfile.TemporaryDirectory(prefix="rehearsal-long-") as tmp:
        long_recording = Path(tmp) / "long.ogg"
        looped = ["-stream_loop", str(loops - 1), "-i", str(SAMPLE_AUDIO), "-c", "copy", str(long_recording)]
        subprocess.run(
            [audio.ffmpeg, "-v", "error", "-y", *looped],
            check=True,
            timeout=120,
        )
        key = "audio/r-long-1.ogg"
        stack.aws.client("s3").put_object(Bucket=_media_bucket(stack), Key=key, Body=long_recording.read_bytes())
    heard_before = _transcriptions(stack)
    client = stack.aws.client("stepfunctions")
    arn = start_processing(
        "r-long-1",
        "fam-1",
        media_type="audio",
        audio_key=key,
        state_machine_arn=_process_response(stack),
        client=client,
    )
    run = stack.wait(arn)
    described = client.describe_execution(executionArn=arn)
    assert described["status"] == "SUCCEEDED", (
        f"{arn}: {described['status']} {described.get('error')} ({_cause(stack)})"
    )
    assert run.execution is not None
    chunks = run.execution.events(type="MapIterationSucceeded", state="TranscribeChunks")
    assert len(chunks) >= 2, f"{len(chunks)} chunk(s) through the TranscribeChunks Map"
    assert _row_status(stack, "r-long-1") == "completed"
    heard = _transcriptions(stack) - heard_before
    assert heard == len(chunks), f"{heard} transcription calls for {len(chunks)} chunks"
    return f"{arn.rsplit(':', 1)[-1]}: SUCCEEDED, {len(chunks)} chunks transcribed through the Map"


def _transcriptions(stack: RehearsedStack) -> int:
    return sum(1 for e in stack.doubles.exchanges if e.double == "cartesia" and e.status == 200 and not e.refused)


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
    bucket = _media_bucket(stack)
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


def daily_podcasts(stack: RehearsedStack) -> str:
    """The nightly daily_podcasts, started as its Scheduler target starts it (the template's Input, the
    schedule's role): each story without a podcast gets one through generate_podcast; none fails."""
    with stack.postgres.connect() as conn:
        conn.execute("insert into responses (id, family_id, media_type, text) values ('r-night', 'fam-1', 'text', 'x')")
        conn.execute(
            "insert into stories (id, response_id, family_id, title, summary, narrative) values "
            "('story-r-night', 'r-night', 'fam-1', 'The bakery', 'A first job.', %s)",
            (TEXT,),
        )
    name = next(n for n in stack.deployment.schedules if n.endswith("daily-podcasts"))
    running = stack.fire_schedule(name, "2026-03-09T02:00:00Z")
    stack.wait(running.arn)
    described = stack.aws.client("stepfunctions").describe_execution(executionArn=running.arn)
    assert described["status"] == "SUCCEEDED", f"daily_podcasts: {described['status']} ({_cause(stack)})"
    counts = json.loads(described["output"])
    assert counts["failed"] == 0 and counts["succeeded"] == counts["selected"] >= 1, f"counts {counts}"
    with stack.postgres.connect() as conn:
        row = conn.execute("select podcast_key from stories where id = 'story-r-night'").fetchone()
    assert row and row[0], "the story without a podcast still has none"
    return f"{counts['succeeded']} of {counts['selected']} podcasts made (limit {counts['limit']}), 0 failed"


def batch(stack: RehearsedStack) -> str:
    """`familyplus batch --aws` with more lines than --threshold: the manifest goes to the bucket and
    batch_responses' Distributed Map reads it (ItemReader), starts process_response per line
    (startExecution.sync:2) and writes its results under batches/results/ (ResultWriter); then
    `familyplus executions show --aws` reads the batch back through GetExecutionHistory."""
    ids = [f"r-batch-{n}" for n in range(1, 4)]
    with tempfile.TemporaryDirectory(prefix="rehearsal-batch-") as tmp:
        manifest = Path(tmp) / "batch.jsonl"
        lines = [
            {"responseId": i, "familyId": "fam-b", "mediaType": "text", "text": f"{TEXT} It was the year of {i}."}
            for i in ids
        ]
        manifest.write_text("".join(json.dumps(line) + "\n" for line in lines))
        bucket = _media_bucket(stack)
        done = _cli(stack, "batch", "--aws", "--threshold", "2", "--bucket", bucket, str(manifest))
    assert done.returncode == 0, f"familyplus batch --aws exited {done.returncode}: {_tail(done)}"
    [batch_arn] = [arn for arn in stack.executions if "-batch-responses:" in arn]
    stack.wait(batch_arn)
    for child in [e for e in stack.executions.values() if e.name in {f"response-{i}" for i in ids}]:
        stack.wait(child.arn)
    described = stack.aws.client("stepfunctions").describe_execution(executionArn=batch_arn)
    assert described["status"] == "SUCCEEDED", f"batch_responses: {described['status']} ({_cause(stack)})"
    statuses = [_row_status(stack, i) for i in ids]
    assert statuses == ["completed"] * 3, f"rows {statuses}"
    listed = stack.aws.client("s3").list_objects_v2(Bucket=bucket, Prefix="batches/results/").get("Contents", [])
    written = [o["Key"].rsplit("/", 1)[-1] for o in listed]
    assert "manifest.json" in written, f"ResultWriter wrote {written}"
    shown = _cli(stack, "executions", "show", "--aws", "--json", batch_arn)
    assert shown.returncode == 0, f"familyplus executions show --aws exited {shown.returncode}: {_tail(shown)}"
    states = {s["state"]: s["outcome"] for s in json.loads(shown.stdout)["states"]}
    assert states.get("ProcessResponses") == "succeeded", f"executions show --aws: {states}"
    return f"3 lines through the Distributed Map, results {sorted(written)}; executions show --aws read it back"


def stop_then_show(stack: RehearsedStack) -> str:
    """`familyplus stop --aws` on a running response (held mid-task at the OpenAI double): the execution
    ends ABORTED, and `familyplus executions show --aws` reads its history back (GetExecutionHistory)."""
    stack.faults.holding.clear()
    stack.faults.released.clear()
    stack.faults.queue("openai", "hold")
    client = stack.aws.client("stepfunctions")
    arn = start_processing(
        "r-stop",
        "fam-1",
        media_type="text",
        text=f"{TEXT} That was in the year of r-stop.",
        state_machine_arn=_process_response(stack),
        client=client,
    )
    try:
        assert stack.faults.holding.wait(300), "the execution never reached the OpenAI double"
        stopped = _cli(stack, "stop", "--aws", "response-r-stop")
    finally:
        stack.faults.released.set()
    assert stopped.returncode == 0, f"familyplus stop --aws exited {stopped.returncode}: {_tail(stopped)}"
    stack.wait(arn)
    described = client.describe_execution(executionArn=arn)
    assert described["status"] == "ABORTED", f"after stop: {described['status']}"
    shown = _cli(stack, "executions", "show", "--aws", "--json", "response-r-stop")
    assert shown.returncode == 0, f"familyplus executions show --aws exited {shown.returncode}: {_tail(shown)}"
    detail = json.loads(shown.stdout)
    states = {s["state"]: s["outcome"] for s in detail["states"]}
    assert (detail["status"], states.get("AcceptResponse")) == ("ABORTED", "succeeded"), f"{detail['status']}: {states}"
    return f"RUNNING -> stop --aws -> ABORTED; executions show --aws: {len(detail['states'])} state visits"


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
    "audio_long": audio_long,
    "podcast": podcast,
    "daily_quote": daily_quote,
    "daily_podcasts": daily_podcasts,
    "batch": batch,
    "provider_429_retried": provider_429_retried,
    "permanent_failure_then_redrive": permanent_failure_then_redrive,
    "stop_then_show": stop_then_show,
}
