"""What a handler's cold start loads: importing one pulls in no AWS SDK, no X-Ray, no settings or adapters and
no provider SDK (the first invocation builds what it uses); X-Ray is set up where tracing is on, and only there.
Import-graph checks, never timings (bench/cold_start.py measures those)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from familyplus.catalog import STAGES
from familyplus.handlers import _lambda

#: Loaded by the first invocation (secret, adapters, tracing), never by the import.
DEFERRED = (
    "boto3",
    "botocore.session",
    "aws_xray_sdk",
    "aws_lambda_powertools.utilities.parser",
    "familyplus.bootstrap",
    "familyplus.settings",
    "pydantic_settings",
    "familyplus.adapters.cloud",
    "httpx",
    "openai",
    "supabase",
    "numpy",
)

PROBE = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
print(json.dumps(sorted(m for m in json.loads(sys.argv[2]) if m in sys.modules)))
"""


@pytest.mark.parametrize("spec", STAGES, ids=[s.name for s in STAGES])
def test_a_handler_import_loads_nothing_its_first_call_builds(spec: object) -> None:
    module = spec.handler.rpartition(".")[0]  # type: ignore[attr-defined]
    # As in Lambda with active tracing: LAMBDA_TASK_ROOT set, the cloud profile.
    env = {**os.environ, "LAMBDA_TASK_ROOT": "/var/task", "FAMILYPLUS_PROFILE": "cloud"}
    env.pop("POWERTOOLS_TRACE_DISABLED", None)
    done = subprocess.run(
        [sys.executable, "-c", PROBE, module, json.dumps(DEFERRED)], env=env, capture_output=True, text=True, check=True
    )
    assert json.loads(done.stdout) == [], f"{module} imports them at module level"


def test_tracing_follows_powertools_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POWERTOOLS_TRACE_DISABLED", raising=False)
    monkeypatch.delenv("AWS_SAM_LOCAL", raising=False)
    monkeypatch.delenv("LAMBDA_TASK_ROOT", raising=False)
    assert not _lambda.tracing_enabled()  # off Lambda (local runtime, tests)
    monkeypatch.setenv("LAMBDA_TASK_ROOT", "/var/task")
    assert _lambda.tracing_enabled()
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    assert not _lambda.tracing_enabled()
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "false")
    monkeypatch.setenv("AWS_SAM_LOCAL", "true")
    assert not _lambda.tracing_enabled()


def test_no_tracer_is_made_where_tracing_is_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LAMBDA_TASK_ROOT", raising=False)
    assert _lambda.tracer() is None


def test_where_tracing_is_on_the_tracer_patches_the_clients_providers_are_called_through() -> None:
    probe = (
        "from familyplus.handlers import _lambda\n"
        "from aws_xray_sdk.core import patcher\n"
        "assert _lambda.tracer() is _lambda.tracer()\n"
        "print(sorted(patcher._PATCHED_MODULES))\n"
    )
    env = {**os.environ, "LAMBDA_TASK_ROOT": "/var/task"}
    env.pop("POWERTOOLS_TRACE_DISABLED", None)
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == str(sorted(_lambda.TRACED_MODULES))
