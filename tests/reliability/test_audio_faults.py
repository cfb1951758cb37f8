"""The audio path of process_response (PrepareAudio → the TranscribeChunks Map → MergeTranscript) through
every fault of the profile, in virtual time: the sample recording in three overlapping chunks, the real FFmpeg,
a scripted transcriber (tests/reliability/support.py).

For each (audio stage, fault): a fault within the retry policy is absorbed; any other ends the execution
FAILED with the response row `failed`; once the fault clears a redrive completes; and the stored data (the
transcript, tags, wisdom, story, quotes, embedding) then equals an uninterrupted run's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from familyplus.faults import FaultPlan
from tests.reliability import counts
from tests.reliability.support import PROCESS, audio_payload, runner_for, stored

STAGES = ["prepare_audio", "transcribe_chunk", "merge_transcript"]
FAULTS = ["transient:2", "transient:3", "permanent", "hang", "malformed"]
RID = "a-1"
NAME = f"response-{RID}"


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    runner = runner_for(tmp_path_factory.mktemp("audio-baseline"), audio=True)
    execution = runner.start(PROCESS, audio_payload(runner, RID), name=NAME)
    assert execution.status == "SUCCEEDED", (execution.error, execution.cause)
    assert len(execution.events("TaskScheduled", "TranscribeChunkInMap")) == 3  # the chunk Map ran
    snapshot = stored(runner, RID)
    assert snapshot["response"][4] and snapshot["story"] is not None
    return snapshot


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("stage", STAGES)
def test_each_audio_stage_through_each_fault_then_redrive(
    tmp_path: Path, baseline: dict[str, Any], stage: str, fault: str
) -> None:
    runner = runner_for(tmp_path, faults=f"{stage}={fault}", audio=True)

    execution = runner.start(PROCESS, audio_payload(runner, RID), name=NAME)
    injected = sum(runner.lambdas.faults.injected.values())
    counts.add("faults injected", injected)
    counts.add("fault runs (stage x fault)")
    counts.add("audio fault runs")
    assert injected >= 1

    if fault == "transient:2":  # within the retry policy (3 attempts): absorbed
        assert execution.status == "SUCCEEDED", (execution.error, execution.cause)
        assert injected == 2
        assert stored(runner, RID) == baseline
        return
    assert execution.status == "FAILED"
    if fault == "transient:3":
        assert injected == 3  # the retry policy gave up after its third attempt
    row = runner.adapters.store.get_response(RID)
    assert row.status == "failed", (row.status, row.stage, row.error)
    if fault == "hang":
        assert "Sandbox.Timedout" in (row.error or "")

    runner.lambdas.faults = FaultPlan()  # the fault clears
    redriven = runner.redrive(NAME)
    if (stage, fault) == ("transcribe_chunk", "malformed"):
        # The Map hands its iterations' results on unchecked, so MergeTranscript is the state that refuses
        # them — and a redrive resumes there with that same input (as on AWS): it fails again, the same way.
        # A new execution of the response re-transcribes and recovers.
        assert redriven.status == "FAILED" and "merge_transcript: invalid input" in (redriven.cause or "")
        assert redriven.events("TaskStateEntered", "MarkFailed")
        redriven = runner.start(PROCESS, audio_payload(runner, RID), name=f"{NAME}-2")
        counts.add("re-runs after a fault")
    else:
        counts.add("redrives after a fault")
    assert redriven.status == "SUCCEEDED", (redriven.error, redriven.cause)
    assert stored(runner, RID) == baseline  # no loss, no duplicates
