"""The cost model's arithmetic and its transition counting, against cases worked out by hand."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import load_bench

cm = load_bench("cost_model")

RETRY = [{"ErrorEquals": ["TransientError"], "MaxAttempts": 2}]


def task(function: str, **more: Any) -> dict[str, Any]:
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": f"${{{function}}}", "Payload.$": "$"},
        **more,
    }


DEFINITION = {
    "StartAt": "A",
    "States": {
        "A": task("AcceptResponseFunctionArn", Retry=RETRY, Next="Pick"),
        "Pick": {"Type": "Choice", "Choices": [], "Default": "Skip"},
        "Skip": {"Type": "Succeed"},
        "Both": {
            "Type": "Parallel",
            "Next": "Each",
            "Branches": [
                {"StartAt": "E", "States": {"E": task("EmbedFunctionArn", Retry=RETRY, End=True)}},
                {"StartAt": "T", "States": {"T": task("TagValuesFunctionArn", End=True)}},
            ],
        },
        "Each": {
            "Type": "Map",
            "End": True,
            "ItemProcessor": {"StartAt": "S", "States": {"S": task("SynthesizeSegmentFunctionArn", End=True)}},
        },
    },
}


def test_a_path_counts_each_state_entered_and_each_branch_and_item() -> None:
    # Given the Choice sent to the Parallel and a Map of 3 items, no failures
    usage = cm.count(DEFINITION, cm.Scenario(choices={"Pick": "Both"}, map_items={"Each": 3}))
    # Then A, Pick, Both, E, T, Each and 3 x S are entered: 9; one invocation per Task and item
    assert usage.transitions == 9
    assert dict(usage.invocations) == {
        "accept_response": 1,
        "embed": 1,
        "tag_values": 1,
        "synthesize_segment": 3,
    }


def test_retries_add_one_transition_and_one_invocation_each_at_the_failure_rate() -> None:
    # Given attempts failing 10% of the time: A and E retry at most twice (expected attempts 1 + 0.1 + 0.01)
    usage = cm.count(DEFINITION, cm.Scenario(choices={"Pick": "Both"}, map_items={"Each": 3}), failure_rate=0.1)
    assert usage.transitions == pytest.approx(9 + 2 * 0.11)
    assert usage.invocations["accept_response"] == pytest.approx(1.11)
    assert usage.invocations["tag_values"] == 1  # no Retry: a failure is not retried


def test_the_default_branch_ends_at_succeed() -> None:
    usage = cm.count(DEFINITION, cm.Scenario())
    assert usage.transitions == 3  # A, Pick, Skip


def test_process_response_paths_from_the_real_definitions() -> None:
    text = cm.response_usage("text", 0.0)
    # AcceptResponse, IsRecording, Analyze + 3 branches, WriteStory, ExtractQuotes, CompleteResponse,
    # WantsPodcast, Done
    assert text.transitions == 11
    assert sum(text.invocations.values()) == 7
    audio = cm.response_usage("audio", 0.0)
    # + PrepareAudio, IsLongRecording, TranscribeChunk, MergeTranscript, StartPodcast (16 in process_response);
    # generate_podcast: WritePodcastScript, SynthesizeSegments + 8 items, AssemblePodcast, PublishPodcast (12)
    assert audio.transitions == 16 + 4 + cm.PODCAST_SEGMENTS
    assert audio.invocations["synthesize_segment"] == cm.PODCAST_SEGMENTS


def test_a_retried_start_of_the_podcast_starts_one_child() -> None:
    audio = cm.response_usage("audio", 0.5)
    assert audio.invocations["write_podcast_script"] == pytest.approx(1 + 0.5 + 0.25)


def test_aws_lines_by_hand() -> None:
    # Given every stage measured at 1 s (+0.1 s of cloud round trips), 512 MB, no failures
    measured = {f"{spec.name}:text": 1.0 for spec in cm.STAGES}
    bill = cm.aws_bill("text", 0.0, measured)
    # Then 7 invocations x 1.1 s x 0.5 GB = 3.85 GB-s, and 11 transitions
    assert bill.gb_seconds == pytest.approx(3.85)
    assert bill.lines["aws: Lambda GB-seconds (arm64)"] == pytest.approx(3.85 * 0.0000133334)
    assert bill.lines["aws: Step Functions transitions"] == pytest.approx(11 * 0.025 / 1000)
    assert bill.lines["aws: Lambda requests"] == pytest.approx(7 * 0.20 / 1e6)


def test_trigger_dev_bills_runs_and_the_orchestrators_short_waits() -> None:
    measured = {f"{spec.name}:text": 1.0 for spec in cm.STAGES}
    bill = cm.trigger_bill("text", 0.0, measured)
    # 1 orchestrator + 5 task runs; compute: 1 s of its own + 5 tasks x 1.1 s, each waited for awake (< 5 s)
    assert bill.lines["trigger.dev: runs"] == pytest.approx(6 * 0.000025)
    assert bill.lines["trigger.dev: compute (small-1x)"] == pytest.approx((1 + 5 * 2.2) * 2 * 0.0000169)


def test_monthly_free_tiers_by_hand() -> None:
    bill = cm.Bill(lines={"aws: all": 0.001}, lambda_requests=10, gb_seconds=100, transitions=20, kms_requests=2)
    fixed = 2 * 1.00 + 0.40
    assert cm.monthly(bill, 1000, "aws", free_tiers=False) == pytest.approx(1.0 + fixed)
    # less 10,000 requests, 100,000 GB-s (of 400,000), 4,000 transitions (of 20,000), 2,000 KMS requests
    free = 10_000 * 0.2e-6 + 100_000 * 0.0000133334 + 4_000 * 0.000025 + 2_000 * 0.000003
    assert cm.monthly(bill, 1000, "aws", free_tiers=True) == pytest.approx(1.0 + fixed - free)
    trigger = cm.Bill(lines={"trigger.dev: runs": 0.002})
    assert cm.monthly(trigger, 1000, "trigger.dev", free_tiers=True) == pytest.approx(2.0 - 2.0)
    assert cm.monthly(trigger, 10_000, "trigger.dev", free_tiers=True) == pytest.approx(20.0 - 5.0)
