"""Reading the ASL files: placeholders, Task states, and which workflow starts which.

No CDK here, so the tests can check the definitions directly and the stack can derive every grant from them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from familyplus.catalog import WorkflowSpec
from familyplus_local.executor.definition import substitutions
from familyplus_local.executor.errors import DefinitionError, Problem

START_EXECUTION = "arn:aws:states:::states:startExecution"


@dataclass(frozen=True)
class DistributedMap:
    """What a Distributed Map needs from IAM: its label (child executions are `<machine>/<label>:<id>`), the
    object it reads (a static key, or None when the key comes from the input) and its result prefix."""

    state: str
    label: str
    reads: bool
    reader_key: str | None
    #: ResultWriter Prefix ("" for the bucket's root); None without a ResultWriter.
    writer_prefix: str | None


@dataclass(frozen=True)
class Definition:
    workflow: WorkflowSpec
    path: Path
    text: str
    document: dict[str, Any]

    @property
    def placeholders(self) -> set[str]:
        return substitutions.names(self.document)

    def tasks(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """Every Task state, at any depth (Parallel branches, Map processors)."""
        yield from (item for item in states(self.document) if item[1].get("Type") == "Task")

    def started_workflows(self) -> dict[str, bool]:
        """Placeholder key of each child workflow this one starts → whether it waits for it (`.sync`)."""
        children: dict[str, bool] = {}
        for _, task in self.tasks():
            resource = str(task.get("Resource", ""))
            if not resource.startswith(START_EXECUTION):
                continue
            for key in substitutions.names(task.get("Parameters", {})):
                children[key] = children.get(key, False) or ".sync" in resource
        return children

    def distributed_maps(self) -> list[DistributedMap]:
        """Every Map in DISTRIBUTED mode. A Label is required (IAM scopes the child executions by it) and a
        ResultWriter Prefix must be static (IAM scopes the writes by it)."""
        found: list[DistributedMap] = []
        for pointer, name, state in _walk(self.document, ""):
            config = state.get("ItemProcessor", {}).get("ProcessorConfig", {})
            if state.get("Type") != "Map" or config.get("Mode") != "DISTRIBUTED":
                continue
            label = state.get("Label")
            if not isinstance(label, str) or not label:
                problem = f"Distributed Map {name!r} needs a Label (IAM scopes its child executions by it)"
                raise DefinitionError([Problem(pointer, problem)], source=self.path.name)
            reader = state.get("ItemReader")
            key = (reader or {}).get("Parameters", {}).get("Key")
            writer = state.get("ResultWriter")
            prefix: str | None = None
            if writer is not None:
                parameters = writer.get("Parameters", {})
                if "Prefix.$" in parameters:
                    problem = f"Distributed Map {name!r}: ResultWriter Prefix must be static (IAM scopes the writes)"
                    where = f"{pointer}/ResultWriter/Parameters/Prefix.$"
                    raise DefinitionError([Problem(where, problem)], source=self.path.name)
                prefix = str(parameters.get("Prefix", ""))
            found.append(DistributedMap(name, label, reader is not None, key if isinstance(key, str) else None, prefix))
        return found


def states(document: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(name, state) for every state of a definition, recursing into Parallel branches and Map processors."""
    for _, name, state in _walk(document, ""):
        yield name, state


def _walk(document: Mapping[str, Any], pointer: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(JSON pointer, name, state) for every state, at any depth."""
    for name, state in document.get("States", {}).items():
        here = f"{pointer}/States/{name.replace('~', '~0').replace('/', '~1')}"
        yield here, name, state
        for index, branch in enumerate(state.get("Branches", [])):
            yield from _walk(branch, f"{here}/Branches/{index}")
        for key in ("ItemProcessor", "Iterator"):
            if key in state:
                yield from _walk(state[key], f"{here}/{key}")


def load(workflow: WorkflowSpec, directory: Path) -> Definition:
    path = directory / workflow.file_name
    if not path.is_file():
        raise DefinitionError([Problem("", f"workflow {workflow.name!r}: {path} does not exist")])
    text = path.read_text(encoding="utf-8")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        problem = Problem("", f"not valid JSON at line {exc.lineno}: {exc.msg}")
        raise DefinitionError([problem], source=str(path)) from exc
    if not isinstance(document, dict) or "States" not in document or "StartAt" not in document:
        raise DefinitionError([Problem("", "not a state machine definition (no StartAt/States)")], source=str(path))
    return Definition(workflow, path, text, document)


def check_placeholders(definition: Definition, known: Sequence[str]) -> None:
    unknown = sorted(definition.placeholders - set(known))
    if unknown:
        used = ", ".join("${" + u + "}" for u in unknown)
        problem = Problem("", f"unknown substitution(s) {used}; the catalog provides: {', '.join(sorted(known))}")
        raise DefinitionError([problem], source=definition.path.name)


def creation_order(definitions: Sequence[Definition]) -> list[Definition]:
    """Children before parents (a parent needs its child's ARN); a cycle is an error."""
    by_key = {d.workflow.arn_key: d for d in definitions}
    ordered: list[Definition] = []
    visiting: list[str] = []

    def visit(definition: Definition) -> None:
        if definition in ordered:
            return
        name = definition.workflow.name
        if name in visiting:
            problem = Problem("", f"workflows start each other in a cycle: {' -> '.join([*visiting, name])}")
            raise DefinitionError([problem], source=definition.path.name)
        visiting.append(name)
        for key in sorted(definition.placeholders & by_key.keys()):
            visit(by_key[key])
        visiting.pop()
        ordered.append(definition)

    for definition in definitions:
        visit(definition)
    return ordered
