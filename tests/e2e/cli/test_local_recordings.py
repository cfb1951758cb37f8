"""A recording on this machine where the seed took an "audio file URL": `batch` lines and `serve` bodies may
name a local file (a path or file:// URL); it is stored as uploads/<id>/recording<ext> (the media bucket with
--aws) and processed. A missing file is refused naming it, and nothing is started for it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import boto3
import pytest
from fastapi.testclient import TestClient
from moto import mock_aws

from familyplus_local.ops.batch.aws import AwsBatchOptions, run_aws_batch
from familyplus_local.ops.batch.local import run_batch
from familyplus_local.recordings import local_path, with_stored_recording
from familyplus_local.runtime.workflows import samples_dir
from familyplus_local.serve import create_app

pytestmark = pytest.mark.slow
RECORDING = samples_dir() / "audio" / "first_job.ogg"


def audio_line(response_id: str, ref: str) -> dict[str, Any]:
    return {"responseId": response_id, "familyId": "f1", "mediaType": "audio", "audioKey": ref}


def test_which_references_are_local_files(tmp_path: Path) -> None:
    assert local_path("file:///tmp/a%20b.m4a") == Path("/tmp/a b.m4a")
    assert local_path("./a.m4a", base=tmp_path) == tmp_path / "a.m4a"
    assert local_path("/abs/a.m4a") == Path("/abs/a.m4a")
    assert local_path("uploads/r1/recording.m4a") is None  # a media key
    assert local_path("https://media.example/a.m4a") is None
    text = {"responseId": "r", "mediaType": "text", "text": "./not-a-file"}
    assert with_stored_recording(text, lambda k, p: None) is text


def test_batch_line_with_a_local_recording_is_stored_and_processed(make_runner: Any, tmp_path: Path) -> None:
    shutil.copy(RECORDING, tmp_path / "grandma.ogg")
    batch = tmp_path / "lines.jsonl"
    lines = [audio_line("rec-1", "./grandma.ogg"), audio_line("rec-2", "./missing.ogg")]
    batch.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    runner = make_runner()
    results = run_batch(runner, batch, concurrency=1)
    assert [(r.line, r.ok) for r in results] == [(1, True), (2, False)]
    assert "missing.ogg: no such file" in (results[1].reason or "")
    assert runner.find("response-rec-2", "process_response") is None  # nothing started for the missing file
    stored = runner.adapters.store.get_response("rec-1")
    assert stored.audio_key == "uploads/rec-1/recording.ogg" and stored.transcript
    assert runner.adapters.media.path_for("uploads/rec-1/recording.ogg").read_bytes() == RECORDING.read_bytes()


def test_serve_accepts_a_local_recording_path(make_runner: Any, tmp_path: Path) -> None:
    runner = make_runner()
    app = create_app(runner, workers=1)
    with TestClient(app) as client:
        body = {"familyId": "f1", "mediaType": "audio", "responseId": "srv-rec", "content": f"file://{RECORDING}"}
        answer = client.post("/responses", json=body)
        assert answer.status_code == 202, answer.text
        app.state.intake.wait()
        assert client.get("/executions/response-srv-rec").json()["status"] == "SUCCEEDED"
        missing = client.post("/responses", json={**body, "responseId": "srv-none", "content": "/nope/a.m4a"})
        assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == ["body", "content"]
        assert "/nope/a.m4a" in missing.json()["detail"][0]["msg"]


def test_batch_aws_uploads_local_recordings_to_the_media_bucket(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    batch = tmp_path / "lines.jsonl"
    batch.write_text(json.dumps(audio_line("up-1", str(RECORDING))) + "\n")
    with mock_aws():
        sfn = boto3.client("stepfunctions", region_name="us-east-1")
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="media")
        arn = sfn.create_state_machine(
            name="familyplus-dev-process-response",
            definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
            roleArn="arn:aws:iam::123456789012:role/sfn",
        )["stateMachineArn"]
        report = run_aws_batch(batch, AwsBatchOptions(state_machine_arn=arn, bucket="media"), sfn=sfn, s3=lambda: s3)
        assert [r.ok for r in report.results] == [True]
        body = s3.get_object(Bucket="media", Key="uploads/up-1/recording.ogg")["Body"].read()
        assert body == RECORDING.read_bytes()
        [started] = sfn.list_executions(stateMachineArn=arn)["executions"]
        sent = json.loads(sfn.describe_execution(executionArn=started["executionArn"])["input"])
        assert sent["audioKey"] == "uploads/up-1/recording.ogg"
        batch.write_text(json.dumps(audio_line("up-2", str(RECORDING))) + "\n")
        refused = run_aws_batch(batch, AwsBatchOptions(state_machine_arn=arn), sfn=sfn, s3=lambda: s3)
        assert not refused.results[0].ok and "needs --bucket" in (refused.results[0].reason or "")
        assert len(sfn.list_executions(stateMachineArn=arn)["executions"]) == 1  # nothing started for it
