"""The workflow definitions (`statemachines/*.asl.json`) with their `${...}` placeholders filled in.

CDK fills the same placeholders with real ARNs (definition substitutions); locally they become the local
ARNs of `lambda_runtime`. A placeholder nobody fills is an error, never left in place.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from familyplus.catalog import WORKFLOWS
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
    return Path(__file__).resolve().parents[2] / "statemachines"


def samples_dir() -> Path:
    """`FAMILYPLUS_SAMPLES_DIR`, else the repository's `samples/` (sample responses and recordings)."""
    configured = os.environ.get("FAMILYPLUS_SAMPLES_DIR")
    return Path(configured) if configured else Path(__file__).resolve().parents[2] / "samples"


def substitute(document: Any, values: dict[str, str]) -> Any:
    missing = sorted(substitutions.names(document) - values.keys())
    if missing:
        raise UnresolvedPlaceholderError(f"no value for placeholder(s): {', '.join(missing)}")
    return substitutions.substitute(document, values)


def load_workflow(name: str, values: dict[str, str]) -> dict[str, Any]:
    if name not in {wf.name for wf in WORKFLOWS}:
        known = ", ".join(wf.name for wf in WORKFLOWS)
        raise WorkflowNotFoundError(f"unknown workflow {name!r}; known: {known}")
    path = statemachines_dir() / f"{name}.asl.json"
    if not path.is_file():
        raise WorkflowNotFoundError(f"definition file not found: {path}")
    definition: dict[str, Any] = substitute(json.loads(path.read_text(encoding="utf-8")), values)
    return definition
