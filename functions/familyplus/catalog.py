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
    #: needs the FFmpeg layer (audio stages only)
    audio: bool = False

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
    StageSpec("accept_response", "Validate the execution input and record the response"),
    StageSpec("embed", "Embed the response's words for semantic search"),
    StageSpec("tag_values", "Tag the response with values from the controlled vocabulary"),
    StageSpec("extract_wisdom", "Find advice and life lessons"),
    StageSpec("write_story", "Write the story: title, summary, narrative", timeout_s=120),
    StageSpec("extract_quotes", "Keep memorable verbatim quotes"),
    StageSpec("complete_response", "Mark the response completed"),
    StageSpec("mark_failed", "Record a failed execution on the response row"),
    StageSpec("deliver_daily_quotes", "Hourly: send each family its quote at 09:00 local time", timeout_s=300),
)

WORKFLOWS: tuple[WorkflowSpec, ...] = (
    WorkflowSpec("process_response", "Turn one response into a story, tags, wisdom and quotes"),
)


def stage(name: str) -> StageSpec:
    for spec in STAGES:
        if spec.name == name:
            return spec
    raise KeyError(f"unknown stage {name!r}; known: {', '.join(s.name for s in STAGES)}")
