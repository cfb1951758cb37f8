"""What a response costs: dollars per 1,000 responses on AWS (this stack) and on Trigger.dev (the seed's
platform) for the same work, text and audio mixes apart, and how both grow from 1,000 to 1,000,000 a month.

    .venv/bin/python bench/cost_model.py [--failure-rate P] [--plot docs/cost_latency.png]

Counted, not guessed: state transitions and Lambda invocations per response are walked off the ASL files
(`statemachines/*.asl.json`: every state entered, nested Parallel branches and Map iterations, and one more
transition and one more invocation per retry at `--failure-rate`, the chance an attempt fails transiently);
each function's memory is the catalog's (`familyplus.catalog`, what infra/stage_function.py hands CDK as
memory_size) on arm64 (infra/runtime.py); its duration is the one bench/critical_path.py measured inside the
handler with simulated provider latencies (bench/results/stage_durations.json), else the constants below.
Assumed, and named as such: the size of a response, tokens per Bedrock call, S3 / DynamoDB / log / KMS
requests per invocation (WORKLOAD constants). Prices are constants with their source and the date they were
read; a price the stored sources did not confirm says "unconfirmed" beside it.

Per-1,000 figures are list prices with every free tier excluded; the monthly table shows both (free tiers
applied once per month per account). Fixed monthly charges (KMS keys, the secret) are in the monthly table,
not in the per-1,000 figure. Not modelled: Supabase (both platforms use it alike), data transfer, CloudWatch
alarms and dashboard, Trigger.dev's plan fee (Hobby $10 / Pro $50, each including that much usage).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from familyplus.catalog import STAGES

ROOT = Path(__file__).resolve().parents[1]
STATEMACHINES = ROOT / "statemachines"
RESULTS = Path(__file__).resolve().parent / "results"

# --- prices, USD (us-east-1 where regional), read 2026-12-01 from the stored copies of the pages named ---------
#: https://git.mcrn.ar/mariano/lambda_local_runner/src/commit/957e45b8adae23ce50b966346229585b5df18b4d/docs/lambdas-md/lambda-13-cost.md
#: and https://cloudchipr.com/blog/aws-lambda-pricing (arm, first 7.5 billion GB-s a month) —
#: aws.amazon.com/lambda/pricing renders its rate table client-side: the figure is from two third-party copies
LAMBDA_ARM_PER_GB_SECOND = 0.0000133334
#: https://aws.amazon.com/lambda/pricing/ ($0.20 per million requests; free tier 1M requests, 400,000 GB-s a month)
LAMBDA_PER_REQUEST = 0.20 / 1e6
LAMBDA_FREE_REQUESTS = 1_000_000
LAMBDA_FREE_GB_SECONDS = 400_000
#: https://aws.amazon.com/step-functions/pricing/ (Standard, US East: $0.025 per 1,000 transitions, retries
#: included; 4,000 free a month, not expiring)
SFN_PER_TRANSITION = 0.025 / 1000
SFN_FREE_TRANSITIONS = 4_000
#: https://c3x.dev/blog/s3-request-fees-explained (S3 Standard: PUT/COPY/POST/LIST $0.005 per 1,000, GET $0.0004
#: per 1,000) — third-party; AWS's S3 pricing page is not in the store
S3_PER_PUT = 0.005 / 1000
S3_PER_GET = 0.0004 / 1000
#: https://airbyte.com/data-engineering-resources/dynamodb-pricing (on-demand, US East: $0.625 per million write
#: request units, $0.125 per million read) — third-party
DYNAMODB_PER_WRITE_UNIT = 0.625 / 1e6
DYNAMODB_PER_READ_UNIT = 0.125 / 1e6
#: https://c3x.dev/blog/cloudwatch-logs-cost-optimization (us-east-1, June 2026: Standard log class ingestion
#: $0.50 per GB; storage $0.03 per GB-month, not counted: 30-day retention keeps it small) — third-party
CLOUDWATCH_LOGS_PER_GB = 0.50
#: https://aws.amazon.com/kms/pricing/ ($1 per customer managed key a month; 20,000 free requests a month) and
#: https://www.wring.co/blog/aws-kms-pricing-guide ($0.03 per 10,000 symmetric requests) — the request price is
#: third-party
KMS_PER_KEY_MONTH = 1.00
KMS_PER_REQUEST = 0.03 / 10_000
KMS_FREE_REQUESTS = 20_000
#: https://hivebook.wiki/wiki/aws-secrets-manager-rotated-secrets-dynamic-db-credentials-kms ($0.40 per secret a
#: month, $0.05 per 10,000 API calls) — third-party
SECRETS_PER_SECRET_MONTH = 0.40
SECRETS_PER_API_CALL = 0.05 / 10_000
#: https://clauder-navi.com/en/bedrock-claude-cost/ (Claude Haiku 4.5 on Bedrock: $1 input / $5 output per million
#: tokens, global endpoint; regional and geo endpoints 10% more) — third-party; unconfirmed on AWS's own page. The
#: stack calls the `us.` geo inference profile (infra/config.py), so the premium applies.
BEDROCK_HAIKU_45_PER_INPUT_TOKEN = 1.00 / 1e6
BEDROCK_HAIKU_45_PER_OUTPUT_TOKEN = 5.00 / 1e6
BEDROCK_GEO_PROFILE_PREMIUM = 1.10  # unconfirmed (the same third-party page)
#: https://tokenprice.fyi/models/text-embedding-3-small ($0.02 per million tokens, snapshot 3 Jul 2026 citing
#: developers.openai.com)
OPENAI_EMBEDDING_3_SMALL_PER_TOKEN = 0.02 / 1e6
#: https://docs.cartesia.ai/pricing (ink-whisper batch /stt: 1 credit per 2 seconds of audio; TTS ~1 credit per
#: character)
CARTESIA_STT_CREDITS_PER_AUDIO_SECOND = 0.5
CARTESIA_TTS_CREDITS_PER_CHARACTER = 1.0
#: https://apio.sh/apis/cartesia (from cartesia.ai/pricing, verified 2026-06-21: Startup plan $49 a month for
#: 1,250,000 credits) — the plan's rate per credit; unconfirmed: the price of credits beyond a plan
CARTESIA_PER_CREDIT = 49 / 1_250_000
#: https://dev.to/preecha/twilio-sms-api-cost-complete-pricing-breakdown-for-2026-1k25 (US long code SMS $0.0083 per
#: segment; carrier fees, ~$0.003 per segment, and 10DLC fees extra and not counted) — third-party
TWILIO_SMS_US_PER_SEGMENT = 0.0083
#: https://trigger.dev/docs/run-usage (baseCostInCents 0.0025 per run; medium-2x: 1,000 ms = 0.017 cents) and
#: https://raw.githubusercontent.com/api-evangelist/trigger-dev/refs/heads/main/plans/trigger-dev-plans-pricing.yml
#: (from trigger.dev/pricing, 2026-05-22: $0.000025 per run; compute $0.0000169/s (micro) to $0.00068/s (large-2x);
#: Free plan $5 usage a month)
TRIGGER_PER_RUN = 0.000025
TRIGGER_MICRO_PER_SECOND = 0.0000169
TRIGGER_MEDIUM_2X_PER_SECOND = 0.00017
TRIGGER_LARGE_2X_PER_SECOND = 0.00068
#: unconfirmed: small-1x (the default preset, 0.5 vCPU / 0.5 GB; the seed's trigger.config.ts sets no machine)
#: taken as twice micro's rate (it has twice micro's vCPU and memory); no stored page gives it
TRIGGER_SMALL_1X_PER_SECOND = 2 * TRIGGER_MICRO_PER_SECOND
TRIGGER_FREE_USAGE = 5.00
#: https://mcpservers.org/agent-skills/triggerdotdev/trigger.dev/trigger-cost-savings ("Waits > 5 seconds are free
#: — checkpointed, no compute charge"): a parent waiting less than this on a child is billed for the wait
TRIGGER_CHECKPOINT_AFTER_S = 5.0

# --- workload: ASSUMPTIONS about one response ---------------------------------------------------------------
TEXT_WORDS = 400  # a typed answer
AUDIO_SECONDS = 180.0  # a recorded answer: 3 minutes, ~150 words a minute
AUDIO_WORDS = 450
TOKENS_PER_WORD = 1.33
#: Bedrock calls: prompt and tool schema around the answer (input tokens), and output tokens, per stage
BEDROCK_PROMPT_TOKENS = 800
BEDROCK_OUTPUT_TOKENS = {
    "tag_values": 100,
    "extract_wisdom": 250,
    "write_story": 700,
    "extract_quotes": 150,
    "write_podcast_script": 1000,
}
PODCAST_SEGMENTS = 8  # SynthesizeSegments' Map items (intro, story parts, quotes, outro)
PODCAST_TTS_CHARACTERS = 3000  # characters spoken by Cartesia (answer clips in the speaker's voice are not TTS)
PODCAST_AUDIO_SECONDS = 240.0
EPISODE_SMS_SEGMENTS = 3  # the family's "new episode" text: title and a presigned link (~400 characters)
#: S3 requests per invocation (GET, PUT), from what each stage reads and writes (functions/familyplus/stages/)
S3_REQUESTS = {
    "prepare_audio": (1, 1),
    "transcribe_chunk": (1, 1),
    "merge_transcript": (1, 1),
    "write_podcast_script": (1, 1),
    "synthesize_segment": (1, 1),
    "assemble_podcast": (PODCAST_SEGMENTS, 1),
}
#: the provider-call cache (Powertools Idempotency on DynamoDB): a conditional put, then the result (~2 KB)
DYNAMODB_WRITE_UNITS_PER_PROVIDER_CALL = 3
PROVIDER_STAGES = {
    "embed",
    "tag_values",
    "extract_wisdom",
    "write_story",
    "extract_quotes",
    "transcribe_chunk",
    "write_podcast_script",
    "synthesize_segment",
}
LOG_BYTES_PER_INVOCATION = 1500  # Lambda START/END/REPORT and the handler's structured INFO lines
LOG_BYTES_PER_TRANSITION = 1000  # Step Functions logging ALL without execution data: ~3 events a transition
KMS_REQUESTS_PER_EXECUTION = 2  # unconfirmed: data keys for the execution's encrypted history and logs
SECRET_FETCHES_PER_INVOCATION = 0.05  # a fetch per cold start (cached 300 s); ~1 cold start in 20 invocations
CUSTOMER_MANAGED_KEYS = 2  # infra/privacy.py (data), infra/monitoring.py (alarm topic)
SECRETS = 1  # infra/storage.py
#: Lambda duration where bench/critical_path.py has no measurement (podcast stages, mark_failed): assumed
ASSUMED_SECONDS = {
    "write_podcast_script": 8.0,  # Bedrock, ~1,000 output tokens
    "synthesize_segment": 1.5,  # one Cartesia sonic call
    "assemble_podcast": 1.0 + PODCAST_AUDIO_SECONDS / 50,  # FFmpeg at 50x real time (bench/podcast_assembly.py)
    "publish_podcast": 0.3,
    "mark_failed": 0.1,
}
#: Supabase and S3 round trips that the local run (SQLite, files) does not pay, per invocation: assumed
CLOUD_EXTRA_SECONDS_PER_INVOCATION = 0.1


@dataclass(frozen=True)
class Scenario:
    """One path through a workflow: the branch each Choice takes and the item count of each Map."""

    choices: Mapping[str, str] = field(default_factory=dict)
    map_items: Mapping[str, int] = field(default_factory=dict)


@dataclass
class Usage:
    """Expected counts for one execution (floats: retries are expected values)."""

    transitions: float = 0.0
    invocations: dict[str, float] = field(default_factory=lambda: defaultdict(float))  # stage -> Lambda requests
    child_executions: dict[str, float] = field(default_factory=lambda: defaultdict(float))  # workflow -> starts

    def add(self, other: Usage, times: float = 1.0) -> None:
        self.transitions += other.transitions * times
        for stage, n in other.invocations.items():
            self.invocations[stage] += n * times
        for workflow, n in other.child_executions.items():
            self.child_executions[workflow] += n * times


_STAGE_BY_PLACEHOLDER = {f"${{{spec.arn_key}}}": spec.name for spec in STAGES}


def _function(state: Mapping[str, Any]) -> str | None:
    arguments = state.get("Parameters") or state.get("Arguments") or {}
    name = arguments.get("FunctionName") if isinstance(arguments, dict) else None
    if state.get("Resource", "").startswith("${"):  # a direct function ARN
        name = state["Resource"]
    return _STAGE_BY_PLACEHOLDER.get(name) if isinstance(name, str) else None


def expected_attempts(state: Mapping[str, Any], failure_rate: float) -> float:
    """1 + p + p² + … + p^m: attempt k+1 happens when the first k failed, m = the first retrier's MaxAttempts
    (ours: TransientError and the Lambda service errors)."""
    retriers = state.get("Retry") or []
    retries = int(retriers[0].get("MaxAttempts", 3)) if retriers else 0
    return sum(failure_rate**k for k in range(retries + 1))


def count(definition: Mapping[str, Any], scenario: Scenario, failure_rate: float = 0.0) -> Usage:
    """Transitions and Lambda invocations of one execution along `scenario`, as Step Functions Standard bills
    them: one transition per state entered (a Parallel or Map state itself and every state in its branches or
    iterations), one more per retry. A Choice follows `scenario.choices[name]`, else its Default. An execution
    that exhausts its retries (probability p^(m+1) per Task) is not followed into MarkFailed."""
    usage = Usage()
    states: Mapping[str, Any] = definition["States"]
    name: str | None = definition["StartAt"]
    seen = 0
    while name is not None:
        seen += 1
        if seen > 10_000:
            raise ValueError("the scenario loops")
        state = states[name]
        kind = state["Type"]
        usage.transitions += 1
        if kind == "Task":
            attempts = expected_attempts(state, failure_rate)
            usage.transitions += attempts - 1
            stage = _function(state)
            if stage is not None:
                usage.invocations[stage] += attempts
            elif "states:startExecution" in state.get("Resource", ""):
                arguments = state.get("Parameters") or state.get("Arguments") or {}
                target = str(arguments.get("StateMachineArn", "?"))
                # one child, however many attempts: a start that failed started nothing, and the name is fixed
                usage.child_executions[target] += 1
        elif kind == "Parallel":
            for branch in state["Branches"]:
                usage.add(count(branch, scenario, failure_rate))
        elif kind == "Map":
            processor = state.get("ItemProcessor") or state["Iterator"]
            usage.add(count(processor, scenario, failure_rate), times=scenario.map_items.get(name, 1))
        if kind == "Choice":
            name = scenario.choices.get(name, state.get("Default"))
        elif kind in ("Succeed", "Fail") or state.get("End"):
            name = None
        else:
            name = state["Next"]
    return usage


def load(workflow: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((STATEMACHINES / f"{workflow}.asl.json").read_text(encoding="utf-8"))
    return document


TEXT = Scenario(choices={"IsRecording": "Analyze", "WantsPodcast": "Done"})
AUDIO = Scenario(choices={"IsRecording": "PrepareAudio", "IsLongRecording": "TranscribeChunk"})
AUDIO_WITH_PODCAST = Scenario(
    choices={**AUDIO.choices, "WantsPodcast": "StartPodcast"}, map_items={"SynthesizeSegments": PODCAST_SEGMENTS}
)


def response_usage(mix: str, failure_rate: float) -> Usage:
    """One response of `mix` ("text": typed, no podcast; "audio": a recording and its podcast episode), child
    executions (generate_podcast) included."""
    scenario = TEXT if mix == "text" else AUDIO_WITH_PODCAST
    usage = count(load("process_response"), scenario, failure_rate)
    for target, starts in list(usage.child_executions.items()):
        if "GeneratePodcast" in target:
            usage.add(count(load("generate_podcast"), scenario, failure_rate), times=starts)
    return usage


def stage_seconds(mix: str, measured: Mapping[str, float]) -> dict[str, float]:
    """Seconds one invocation of each stage runs in the cloud: measured (stage:medium) + round trips, else assumed."""
    medium = "text" if mix == "text" else "audio"
    seconds = {}
    for spec in STAGES:
        value = measured.get(f"{spec.name}:{medium}", ASSUMED_SECONDS.get(spec.name))
        if value is not None:
            seconds[spec.name] = value + CLOUD_EXTRA_SECONDS_PER_INVOCATION
    return seconds


def read_measured(path: Path) -> dict[str, float]:
    if not path.is_file():
        return {}
    data: dict[str, float] = json.loads(path.read_text(encoding="utf-8"))["seconds"]
    return data


@dataclass
class Bill:
    """Dollars for one response, by line."""

    lines: dict[str, float] = field(default_factory=dict)
    #: quantities the free tiers apply to, per response
    lambda_requests: float = 0.0
    gb_seconds: float = 0.0
    transitions: float = 0.0
    kms_requests: float = 0.0

    @property
    def total(self) -> float:
        return sum(self.lines.values())

    def part(self, *prefixes: str) -> float:
        return sum(v for k, v in self.lines.items() if k.startswith(prefixes))


def tokens(words: float) -> float:
    return words * TOKENS_PER_WORD


def provider_lines(mix: str) -> dict[str, float]:
    """The providers' charges for one response: the same on either platform."""
    words = TEXT_WORDS if mix == "text" else AUDIO_WORDS
    answer = tokens(words)
    bedrock_in = bedrock_out = 0.0
    for stage, output in BEDROCK_OUTPUT_TOKENS.items():
        if stage == "write_podcast_script" and mix == "text":
            continue
        bedrock_in += BEDROCK_PROMPT_TOKENS + answer
        bedrock_out += output
    lines = {
        "provider: Bedrock (Claude Haiku 4.5)": (
            bedrock_in * BEDROCK_HAIKU_45_PER_INPUT_TOKEN + bedrock_out * BEDROCK_HAIKU_45_PER_OUTPUT_TOKEN
        )
        * BEDROCK_GEO_PROFILE_PREMIUM,
        "provider: OpenAI embeddings": answer * OPENAI_EMBEDDING_3_SMALL_PER_TOKEN,
    }
    if mix == "audio":
        lines["provider: Cartesia STT"] = AUDIO_SECONDS * CARTESIA_STT_CREDITS_PER_AUDIO_SECOND * CARTESIA_PER_CREDIT
        lines["provider: Cartesia TTS"] = (
            PODCAST_TTS_CHARACTERS * CARTESIA_TTS_CREDITS_PER_CHARACTER * CARTESIA_PER_CREDIT
        )
        lines["provider: Twilio SMS"] = EPISODE_SMS_SEGMENTS * TWILIO_SMS_US_PER_SEGMENT
    return lines


def aws_bill(mix: str, failure_rate: float, measured: Mapping[str, float]) -> Bill:
    usage = response_usage(mix, failure_rate)
    seconds = stage_seconds(mix, measured)
    memory_gb = {spec.name: spec.memory_mb / 1024 for spec in STAGES}
    bill = Bill()
    bill.transitions = usage.transitions
    bill.lambda_requests = sum(usage.invocations.values())
    bill.gb_seconds = sum(n * seconds[s] * memory_gb[s] for s, n in usage.invocations.items())
    executions = 1 + sum(usage.child_executions.values())
    bill.kms_requests = executions * KMS_REQUESTS_PER_EXECUTION
    gets = sum(n * S3_REQUESTS.get(s, (0, 0))[0] for s, n in usage.invocations.items())
    puts = sum(n * S3_REQUESTS.get(s, (0, 0))[1] for s, n in usage.invocations.items())
    provider_calls = sum(n for s, n in usage.invocations.items() if s in PROVIDER_STAGES)
    log_bytes = bill.lambda_requests * LOG_BYTES_PER_INVOCATION + usage.transitions * LOG_BYTES_PER_TRANSITION
    bill.lines = {
        "aws: Step Functions transitions": usage.transitions * SFN_PER_TRANSITION,
        "aws: Lambda requests": bill.lambda_requests * LAMBDA_PER_REQUEST,
        "aws: Lambda GB-seconds (arm64)": bill.gb_seconds * LAMBDA_ARM_PER_GB_SECOND,
        "aws: S3 requests": gets * S3_PER_GET + puts * S3_PER_PUT,
        "aws: DynamoDB (provider-call cache)": provider_calls
        * DYNAMODB_WRITE_UNITS_PER_PROVIDER_CALL
        * DYNAMODB_PER_WRITE_UNIT,
        "aws: CloudWatch Logs ingestion": log_bytes / 1e9 * CLOUDWATCH_LOGS_PER_GB,
        "aws: KMS requests": bill.kms_requests * KMS_PER_REQUEST,
        "aws: Secrets Manager calls": bill.lambda_requests * SECRET_FETCHES_PER_INVOCATION * SECRETS_PER_API_CALL,
        **provider_lines(mix),
    }
    return bill


# The seed's tasks (its deploy guide) for one response: an orchestrator (process-text-response) that
# triggerAndWaits each stage task in turn; the podcast task does script, speech and assembly in one run.
TRIGGER_TASKS = {
    "text": ("embed", "tag_values", "extract_wisdom", "write_story", "extract_quotes"),
    "audio": (
        "transcribe_chunk",
        "embed",
        "tag_values",
        "extract_wisdom",
        "write_story",
        "extract_quotes",
        "podcast",
    ),
}
TRIGGER_ORCHESTRATOR_OWN_SECONDS = 1.0  # the orchestrator's own work (reads, writes, triggering): assumed


def trigger_bill(mix: str, failure_rate: float, measured: Mapping[str, float]) -> Bill:
    """The same work as the seed ran it on Trigger.dev, small-1x machines: one run per task and one for the
    orchestrator; retries re-run the task (compute again, no new run charge); the orchestrator is billed for
    its own work and for waits on children shorter than the checkpoint threshold."""
    seconds = stage_seconds(mix, measured)
    seconds["podcast"] = (
        seconds["write_podcast_script"]
        + PODCAST_SEGMENTS * seconds["synthesize_segment"]
        + seconds["assemble_podcast"]
        + seconds["publish_podcast"]
    )
    attempts = sum(failure_rate**k for k in range(3))  # the seed's maxAttempts: 3
    compute = TRIGGER_ORCHESTRATOR_OWN_SECONDS
    for task in TRIGGER_TASKS[mix]:
        compute += seconds[task] * attempts
        if seconds[task] <= TRIGGER_CHECKPOINT_AFTER_S:
            compute += seconds[task] * attempts  # the parent waits, awake
    runs = 1 + len(TRIGGER_TASKS[mix])
    bill = Bill()
    bill.lines = {
        "trigger.dev: runs": runs * TRIGGER_PER_RUN,
        "trigger.dev: compute (small-1x)": compute * TRIGGER_SMALL_1X_PER_SECOND,
        **provider_lines(mix),
    }
    return bill


def platform_only(bill: Bill, platform: str) -> Bill:
    """`bill` without the providers' lines (what differs between the two platforms)."""
    return Bill(
        lines={k: v for k, v in bill.lines.items() if k.startswith(platform)},
        lambda_requests=bill.lambda_requests,
        gb_seconds=bill.gb_seconds,
        transitions=bill.transitions,
        kms_requests=bill.kms_requests,
    )


def monthly(bill: Bill, volume: int, platform: str, *, free_tiers: bool) -> float:
    """Dollars a month for `volume` responses: per-response lines times volume, fixed charges, less the free
    tiers when asked (each applied to the whole month's usage, as AWS and Trigger.dev do)."""
    total = bill.total * volume
    if platform == "aws":
        total += CUSTOMER_MANAGED_KEYS * KMS_PER_KEY_MONTH + SECRETS * SECRETS_PER_SECRET_MONTH
        if free_tiers:
            total -= min(bill.lambda_requests * volume, LAMBDA_FREE_REQUESTS) * LAMBDA_PER_REQUEST
            total -= min(bill.gb_seconds * volume, LAMBDA_FREE_GB_SECONDS) * LAMBDA_ARM_PER_GB_SECOND
            total -= min(bill.transitions * volume, SFN_FREE_TRANSITIONS) * SFN_PER_TRANSITION
            total -= min(bill.kms_requests * volume, KMS_FREE_REQUESTS) * KMS_PER_REQUEST
    elif free_tiers:
        total -= min(bill.part("trigger.dev") * volume, TRIGGER_FREE_USAGE)
    return total


VOLUMES = (1_000, 10_000, 100_000, 1_000_000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--failure-rate", type=float, default=0.02, help="chance an attempt fails transiently")
    parser.add_argument("--durations", type=Path, default=RESULTS / "stage_durations.json")
    parser.add_argument("--plot", type=Path, help="write the cost/latency plot (PNG) here")
    args = parser.parse_args()
    measured = read_measured(args.durations)
    print(
        f"failure rate per attempt {args.failure_rate:.1%}; stage durations: "
        f"{args.durations if measured else 'assumed (no ' + str(args.durations) + ')'}"
    )
    bills = {
        (platform, mix): (aws_bill if platform == "aws" else trigger_bill)(mix, args.failure_rate, measured)
        for platform in ("aws", "trigger.dev")
        for mix in ("text", "audio")
    }
    for mix in ("text", "audio"):
        usage = response_usage(mix, args.failure_rate)
        invocations = ", ".join(f"{s} {n:.2f}" for s, n in usage.invocations.items())
        print(f"\n{mix}: {usage.transitions:.2f} transitions, {sum(usage.invocations.values()):.2f} Lambda requests")
        print(f"  ({invocations})")
        print(f"  {bills[('aws', mix)].gb_seconds:.2f} GB-s")
    print(f"\n{'$ per 1,000 responses (list prices, no free tier)':<52} {'text':>10} {'audio':>10}")
    lines = sorted({line for bill in bills.values() for line in bill.lines})
    for platform in ("aws", "trigger.dev"):
        print(f"{platform}")
        for line in lines:
            if line.startswith("provider"):
                continue
            values = [bills[(platform, mix)].lines.get(line) for mix in ("text", "audio")]
            if any(v is not None for v in values):
                cells = " ".join(f"{(v or 0) * 1000:10.4f}" for v in values)
                print(f"  {line:<50} {cells}")
        platform_part = [bills[(platform, mix)].part(platform) * 1000 for mix in ("text", "audio")]
        print(f"  {'= platform (' + platform + ')':<50} {platform_part[0]:10.4f} {platform_part[1]:10.4f}")
    print("providers (the same on both)")
    for line in lines:
        if line.startswith("provider"):
            values = [bills[("aws", mix)].lines.get(line, 0.0) * 1000 for mix in ("text", "audio")]
            print(f"  {line:<50} {values[0]:10.4f} {values[1]:10.4f}")
    for platform in ("aws", "trigger.dev"):
        totals = [bills[(platform, mix)].total * 1000 for mix in ("text", "audio")]
        print(f"{'total, ' + platform:<52} {totals[0]:10.2f} {totals[1]:10.2f}")

    print("\n$ a month (fixed charges included; 'free' = after the free tiers)")
    header = "".join(f"{v:>14,}" for v in VOLUMES)
    print(f"{'responses a month':<30}{header}")
    for platform in ("aws", "trigger.dev"):
        for mix in ("text", "audio"):
            for free in (False, True):
                label = f"{platform} {mix}{' free' if free else ''}"
                cells = "".join(
                    f"{monthly(bills[(platform, mix)], v, platform, free_tiers=free):14,.2f}" for v in VOLUMES
                )
                print(f"{label:<30}{cells}")
    if args.plot:
        plot(bills, args.plot)
        print(f"\nplot -> {args.plot}")


def plot(bills: Mapping[tuple[str, str], Bill], path: Path) -> None:
    """Cost a month and latency against volume (log-log), from the bills and the measured latencies."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    volumes = [int(10 ** (3 + i / 4)) for i in range(17)]  # 1,000 to 10,000,000
    figure, (cost_axis, latency_axis) = plt.subplots(1, 2, figsize=(11, 4.4))
    styles = {"aws": "-", "trigger.dev": "--"}
    colours = {"text": "C0", "audio": "C1"}
    for (platform, mix), bill in bills.items():
        own = platform_only(bill, platform)
        cost_axis.plot(
            volumes,
            [monthly(own, v, platform, free_tiers=True) for v in volumes],
            styles[platform],
            color=colours[mix],
            label=f"{platform}, {mix}",
        )
    providers = [bills[("aws", mix)].part("provider") * 1000 for mix in ("text", "audio")]
    cost_axis.set(xscale="log", yscale="log", xlabel="responses a month", ylabel="$ a month (free tiers applied)")
    cost_axis.set_title(
        f"Platform cost a month (providers, alike on both, add\n\\${providers[0]:.2f} text / \\${providers[1]:.0f} "
        "audio per 1,000 responses)",
        fontsize=10,
    )
    cost_axis.legend(fontsize=8)
    cost_axis.grid(True, which="both", alpha=0.3)

    walls = _read_json(RESULTS / "critical_path.json").get("wall_seconds", {})
    throughput = _read_json(RESULTS / "throughput.json")
    for shape, style in (("parallel (ours)", "-"), ("linear (seed's shape)", "--")):
        for medium, seconds in walls.get(shape, {}).items():
            latency_axis.plot(
                volumes, [seconds] * len(volumes), style, color=colours[medium], label=f"{shape}, {medium}"
            )
    # Flat: at 10 million a month (~4 a second) and ~15 s each, Little's law gives ~60 executions at once,
    # far below Lambda's default 1,000 concurrent executions per account and region.
    per_minute = max(throughput.get("responses_per_minute", {"1": 0}).values(), default=0)
    if per_minute:
        capacity = per_minute * 60 * 24 * 30
        latency_axis.axvline(
            capacity, color="grey", linestyle=":", label=f"local runtime, 2 cores: saturates ({per_minute:.0f}/min)"
        )
    latency_axis.set(xscale="log", xlabel="responses a month", ylabel="seconds a response (simulated providers)")
    latency_axis.set_title("process_response latency, simulated provider latencies", fontsize=10)
    latency_axis.set_ylim(bottom=0)
    latency_axis.legend(fontsize=8)
    latency_axis.grid(True, which="both", alpha=0.3)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


if __name__ == "__main__":
    sys.exit(main())
