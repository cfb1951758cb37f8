"""One synth of the real stack per test session (synth takes seconds on 2 cores), shared by the infra tests.

The stack is built from the real catalog and ASL files. If the catalog has no audio stage yet, a test-only
audio StageSpec is added so the FFmpeg wiring is exercised; it is never part of the deployed app.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import infra  # noqa: F401  (jsii environment first)
from familyplus.catalog import STAGES, StageSpec

TEST_AUDIO_STAGE = StageSpec("probe_audio_test", "Test-only audio stage (infra tests)", audio=True, memory_mb=1024)


def stages_under_test() -> tuple[StageSpec, ...]:
    return STAGES if any(s.audio for s in STAGES) else (*STAGES, TEST_AUDIO_STAGE)


@dataclass
class Synth:
    stack: Any
    template: Any  # aws_cdk.assertions.Template
    document: dict[str, Any]
    template_path: Path
    seconds: float
    error: Exception | None
    report: dict[str, Any] = field(default_factory=dict)
    stages: tuple[StageSpec, ...] = ()

    def resources(self, type_: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.document["Resources"].items() if v["Type"] == type_}

    def function_for(self, spec: StageSpec) -> tuple[str, dict[str, Any]]:
        name = f"familyplus-dev-{spec.name.replace('_', '-')}"
        found = [
            (lid, r["Properties"])
            for lid, r in self.resources("AWS::Lambda::Function").items()
            if r["Properties"].get("FunctionName") == name
        ]
        assert len(found) == 1, f"expected one function named {name}, found {len(found)}"
        return found[0]


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synth]:
    from aws_cdk.assertions import Template

    from infra.app import build_app, cdk_json_context

    outdir = tmp_path_factory.mktemp("cdk.out")
    # No account/region: proves synth needs none. Asset staging off: the assets are not copied (faster).
    context = {**cdk_json_context(), "aws:cdk:disable-asset-staging": True}
    stages = stages_under_test()
    started = time.monotonic()
    app, stack = build_app(context=context, outdir=str(outdir), stages=stages)
    error: Exception | None = None
    try:
        app.synth()
    except RuntimeError as exc:  # cdk-nag findings: the template is written anyway, the nag test reports
        error = exc
    seconds = time.monotonic() - started
    template_path = outdir / stack.template_file
    document = json.loads(template_path.read_text())
    report_path = outdir / "validation-report.json"
    report = json.loads(report_path.read_text()) if report_path.exists() else {}
    print(f"\nsynth: {seconds:.1f} s, template {template_path.stat().st_size:,} bytes")
    yield Synth(stack, Template.from_json(document), document, template_path, seconds, error, report, stages)
