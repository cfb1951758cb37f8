"""What is defined (the stage catalog and the ASL files) and, on AWS, what is deployed: `familyplus tasks`,
the seed's `trigger.dev tasks`.

Locally: each workflow with its Task states, each stage with its Lambda settings. With `--aws`: the same list,
each state machine and function looked up in the stack of the given process_response ARN (the stack names
them `<prefix>-<workflow>` and `<prefix>-<stage>`, infra/), with what is deployed or missing.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from familyplus.catalog import STAGES, WORKFLOWS
from familyplus_local.asl_states import all_states
from familyplus_local.runtime.workflows import statemachines_dir

PROCESS_SUFFIX = "-process-response"


@dataclass
class WorkflowRow:
    name: str
    description: str
    definition: str
    task_states: list[str]
    deployed: str | None = None  # --aws: the state machine ARN, or "missing"


@dataclass
class StageRow:
    name: str
    state: str
    description: str
    memory_mb: int
    timeout_s: int
    needs: list[str] = field(default_factory=list)
    deployed: str | None = None  # --aws: "<memory> MB, <timeout> s, <last modified>", or "missing"


def _task_states(definition: dict[str, Any]) -> list[str]:
    return [name for name, state in all_states(definition) if state.get("Type") == "Task"]


def local_catalog() -> tuple[list[WorkflowRow], list[StageRow]]:
    workflows = []
    for wf in WORKFLOWS:
        path = statemachines_dir() / wf.file_name
        definition = json.loads(path.read_text(encoding="utf-8"))
        row = WorkflowRow(wf.name, wf.description, f"statemachines/{wf.file_name}", _task_states(definition))
        workflows.append(row)
    stages = [
        StageRow(
            s.name,
            s.state_name,
            s.description,
            s.memory_mb,
            s.timeout_s,
            [need for need, wanted in (("ffmpeg", s.audio), ("media", s.media), ("bedrock", s.bedrock)) if wanted],
        )
        for s in STAGES
    ]
    return workflows, stages


def stack_prefix(process_arn: str) -> str:
    name = process_arn.rsplit(":", 1)[-1]
    if not name.endswith(PROCESS_SUFFIX):
        raise ValueError(
            f"{process_arn!r} is not a process_response state machine of this stack (its name should end in "
            f"{PROCESS_SUFFIX!r}, e.g. familyplus-dev-process-response)"
        )
    return name.removesuffix(PROCESS_SUFFIX)


def _code(exc: BaseException) -> str | None:
    response = getattr(exc, "response", None)
    return response.get("Error", {}).get("Code") if isinstance(response, dict) else None


def deployed_catalog(sfn: Any, lambdas: Any, process_arn: str) -> tuple[list[WorkflowRow], list[StageRow]]:
    """The local catalog, each entry looked up in the deployed stack (DescribeStateMachine,
    GetFunctionConfiguration). A missing one says "missing"; other AWS errors propagate."""
    prefix = stack_prefix(process_arn)
    workflows, stages = local_catalog()
    machine_base = process_arn.rsplit(":", 1)[0]
    for row in workflows:
        arn = f"{machine_base}:{prefix}-{row.name.replace('_', '-')}"
        try:
            described = sfn.describe_state_machine(stateMachineArn=arn)
            row.deployed = f"{described.get('status', 'ACTIVE')} {arn}"
        except Exception as exc:
            if _code(exc) != "StateMachineDoesNotExist":
                raise
            row.deployed = "missing"
    for stage in stages:
        try:
            config = lambdas.get_function_configuration(FunctionName=f"{prefix}-{stage.name.replace('_', '-')}")
            stage.deployed = (
                f"{config.get('MemorySize')} MB, {config.get('Timeout')} s, {config.get('LastModified', '')[:19]}"
            )
        except Exception as exc:
            if _code(exc) != "ResourceNotFoundException":
                raise
            stage.deployed = "missing"
    return workflows, stages


def as_json(workflows: list[WorkflowRow], stages: list[StageRow]) -> dict[str, Any]:
    return {"workflows": [asdict(w) for w in workflows], "stages": [asdict(s) for s in stages]}
