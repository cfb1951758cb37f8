"""The stages and workflows, named once.

CDK builds one Lambda function per `StageSpec` and the local runtime maps the same ARN placeholders to
in-process handlers, so the two can never disagree about which stages exist. Naming (DESIGN.md §5): stage
`tag_values` → handler module `familyplus.handlers.tag_values`, ASL state `TagValues`, substitution key
`${TagValuesFunctionArn}`.
"""

from __future__ import annotations

from dataclasses import dataclass


def pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


@dataclass(frozen=True)
class StageSpec:
    name: str
    description: str
    memory_mb: int = 512
    timeout_s: int = 60
    #: Lambda /tmp size (512 MB is Lambda's free default)
    ephemeral_mb: int = 512
    #: needs the FFmpeg layer (audio stages only)
    audio: bool = False
    #: reads/writes the media bucket (recordings, chunks, podcasts)
    media: bool = False
    #: reads the typed answers the backend stores under `answers/` (and only those: no other media)
    text_objects: bool = False
    #: calls the LLM (Bedrock) in the cloud profile
    bedrock: bool = False
    #: makes a provider call kept in the provider-call cache (the idempotency table) in the cloud profile
    provider_cache: bool = False

    @property
    def state_name(self) -> str:
        return pascal(self.name)

    @property
    def handler(self) -> str:
        return f"familyplus.handlers.{self.name}.handler"

    @property
    def arn_key(self) -> str:
        return f"{self.state_name}FunctionArn"


@dataclass(frozen=True)
class WorkflowSpec:
    name: str
    description: str

    @property
    def file_name(self) -> str:
        return f"{self.name}.asl.json"

    @property
    def arn_key(self) -> str:
        return f"{pascal(self.name)}StateMachineArn"


STAGES: tuple[StageSpec, ...] = (
    # process_response
    StageSpec("accept_response", "Validate the execution input and record the response", text_objects=True),
    StageSpec(
        "prepare_audio",
        "Fetch, check and convert a recording; cut a long one into chunks",
        memory_mb=2048,
        timeout_s=900,
        ephemeral_mb=2048,
        audio=True,
        media=True,
    ),
    StageSpec("transcribe_chunk", "Transcribe one chunk of a recording", memory_mb=1024, timeout_s=900, media=True),
    StageSpec("merge_transcript", "Merge chunk transcripts in order, without the overlaps' duplicates", media=True),
    StageSpec("embed", "Embed the response's words for semantic search", provider_cache=True),
    StageSpec(
        "tag_values", "Tag the response with values from the controlled vocabulary", bedrock=True, provider_cache=True
    ),
    StageSpec("extract_wisdom", "Find advice and life lessons", bedrock=True, provider_cache=True),
    StageSpec(
        "write_story", "Write the story: title, summary, narrative", timeout_s=120, bedrock=True, provider_cache=True
    ),
    StageSpec("extract_quotes", "Keep memorable verbatim quotes", bedrock=True, provider_cache=True),
    StageSpec("complete_response", "Mark the response completed"),
    StageSpec("mark_failed", "Record a failed execution on the response row"),
    # generate_podcast
    StageSpec(
        "write_podcast_script",
        "Write the podcast script: intro, story, quotes, outro",
        timeout_s=120,
        media=True,
        bedrock=True,
        provider_cache=True,
    ),
    StageSpec("synthesize_segment", "Speak one script segment", timeout_s=120, audio=True, media=True),
    StageSpec(
        "assemble_podcast",
        "Crossfade, normalise to -16 LUFS and encode the MP3",
        memory_mb=1769,
        timeout_s=900,
        ephemeral_mb=1024,
        audio=True,
        media=True,
    ),
    # media: the family's message links the episode with a presigned URL, which needs s3:GetObject.
    StageSpec("publish_podcast", "Record the podcast on the story and tell the family once", media=True),
    # scheduled jobs
    StageSpec("deliver_daily_quotes", "Hourly: send each family its quote at 09:00 local time", timeout_s=300),
    StageSpec("select_podcast_candidates", "Daily: stories without a podcast, oldest first (ids only, bounded)"),
    StageSpec("summarize_podcasts", "Daily: count the podcasts a daily_podcasts run made and failed"),
)

WORKFLOWS: tuple[WorkflowSpec, ...] = (
    WorkflowSpec("process_response", "Turn one response into a story, tags, wisdom and quotes"),
    WorkflowSpec("generate_podcast", "Turn a story into a podcast episode (script, speech, MP3)"),
    # batch lane: bounded by their Map's MaxConcurrency, so they never crowd out interactive work
    WorkflowSpec("daily_podcasts", "Nightly: generate_podcast for stories without one, two at a time"),
    WorkflowSpec("batch_responses", "A JSONL manifest in S3: process_response per line (Distributed Map)"),
)


def stage(name: str) -> StageSpec:
    for spec in STAGES:
        if spec.name == name:
            return spec
    raise KeyError(f"unknown stage {name!r}; known: {', '.join(s.name for s in STAGES)}")
