"""Building the CDK app: used by the top-level `app.py` (cdk synth/deploy) and by the infra tests."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aws_cdk import App, Environment, Validations
from cdk_nag import AwsSolutionsChecks

from infra.config import DeployConfig
from infra.stack import FamilyplusStack

CDK_JSON = Path(__file__).resolve().parent.parent / "cdk.json"


def cdk_json_context() -> dict[str, Any]:
    """The `context` of cdk.json (defaults and feature flags), for runs that do not go through the CLI."""
    return dict(json.loads(CDK_JSON.read_text())["context"])


def build_app(
    *, context: Mapping[str, Any] | None = None, outdir: str | None = None, **stack_kwargs: Any
) -> tuple[App, FamilyplusStack]:
    """The app with the stack and cdk-nag's AWS Solutions checks (unacknowledged findings fail the synth)."""
    app = App(context=dict(context or {}), outdir=outdir)
    config = DeployConfig.from_scope(app)
    env = Environment(account=config.account, region=config.region) if config.account or config.region else None
    stack = FamilyplusStack(app, f"Familyplus-{config.stage_name}", config=config, env=env, **stack_kwargs)
    # Acknowledgements (with their reasons) are also written into the template's Metadata as
    # `cdk_nag.rules_to_suppress`, so the audit trail travels with the template.
    Validations.of(app).add_plugins(AwsSolutionsChecks(app, write_suppressions_to_cloud_formation=True))
    return app, stack
