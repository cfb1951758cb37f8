"""The workflow registry: the catalog's definitions (`statemachines/*.asl.json`), loaded with their `${...}`
placeholders filled in.

CDK fills the same placeholders with real ARNs (definition substitutions); locally they become the local
ARNs of `lambdas.substitutions()`. A placeholder nobody fills is an error, never left in place. Each definition
is read and compiled once per registry, and again only when its file changes, so a run, its child executions
and its redrives share one compiled definition.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from familyplus.catalog import WORKFLOWS
from familyplus_local.executor import StateMachine, load_definition
from familyplus_local.executor.definition import substitutions


class WorkflowNotFoundError(LookupError):
    """Raised when a workflow name is not in the catalog or its .asl.json file is missing."""


class UnresolvedPlaceholderError(ValueError):
    """Raised when a definition uses a `${Name}` that no stage or workflow provides."""


def statemachines_dir() -> Path:
    """`FAMILYPLUS_STATEMACHINES_DIR`, else the repository's `statemachines/` (editable install)."""
    configured = os.environ.get("FAMILYPLUS_STATEMACHINES_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[3] / "statemachines"


def samples_dir() -> Path:
    """`FAMILYPLUS_SAMPLES_DIR`, else the repository's `samples/` (sample responses and recordings)."""
    configured = os.environ.get("FAMILYPLUS_SAMPLES_DIR")
    return Path(configured) if configured else Path(__file__).resolve().parents[3] / "samples"


def definition_path(name: str) -> Path:
    """The .asl.json file of a catalog workflow; WorkflowNotFoundError if unknown or missing."""
    if name not in {wf.name for wf in WORKFLOWS}:
        known = ", ".join(wf.name for wf in WORKFLOWS)
        raise WorkflowNotFoundError(f"unknown workflow {name!r}; known: {known}")
    path = statemachines_dir() / f"{name}.asl.json"
    if not path.is_file():
        raise WorkflowNotFoundError(f"definition file not found: {path}")
    return path


def load_workflow(name: str, values: Mapping[str, str]) -> dict[str, Any]:
    """The definition document of a catalog workflow with its placeholders filled (also for another engine)."""
    document = json.loads(definition_path(name).read_text(encoding="utf-8"))
    missing = sorted(substitutions.names(document) - values.keys())
    if missing:
        raise UnresolvedPlaceholderError(f"no value for placeholder(s): {', '.join(missing)}")
    filled: dict[str, Any] = substitutions.substitute(document, values)
    return filled


class WorkflowRegistry:
    """The catalog's workflows for one set of substitution values (`values`: placeholder → ARN)."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self.values = dict(values)
        self._by_arn = {self.values[wf.arn_key]: wf.name for wf in WORKFLOWS if wf.arn_key in self.values}
        self._lock = threading.Lock()
        self._loaded: dict[str, tuple[tuple[int, int], StateMachine]] = {}

    def workflow_for_arn(self, state_machine_arn: str) -> str | None:
        """The workflow a state machine ARN names (as `states:startExecution` gives it), or None."""
        return self._by_arn.get(state_machine_arn)

    def definition(self, name: str) -> StateMachine:
        """The compiled definition of `name`: loaded on first use, reloaded only when its file changed."""
        path = definition_path(name)
        status = path.stat()
        stamp = (status.st_mtime_ns, status.st_size)
        with self._lock:
            cached = self._loaded.get(name)
            if cached is not None and cached[0] == stamp:
                return cached[1]
            machine = load_definition(load_workflow(name, self.values))
            self._loaded[name] = (stamp, machine)
            return machine
