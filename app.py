#!/usr/bin/env python3
"""CDK app entry point (`cdk.json`: "app": "python3 app.py"). Synth makes no AWS calls and needs no credentials.

Run by the CDK CLI (`make deploy`), context comes from the CLI. Run directly (`make synth`: `python app.py`),
the `context` of cdk.json is read here, the assembly goes to `cdk.out/`, and the command fails if cdk-nag or
the size check found a problem — the same checks `cdk synth` applies.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import infra  # noqa: F401  (sets up the jsii environment before aws_cdk is imported)
from infra.app import build_app, cdk_json_context
from layers.sizes import format_sizes

ROOT = Path(__file__).resolve().parent


def main() -> int:
    started = time.monotonic()
    context = None
    if "CDK_CONTEXT_JSON" not in os.environ:  # not run by the CLI: read cdk.json's context ourselves
        context = cdk_json_context()
    outdir = None if "CDK_OUTDIR" in os.environ else str(ROOT / "cdk.out")
    app, stack = build_app(context=context, outdir=outdir)
    print(format_sizes(stack.sizes), file=sys.stderr)
    try:
        assembly = app.synth()
    except RuntimeError as exc:  # cdk-nag findings not acknowledged: the report names each one
        print(f"synth failed: {exc}", file=sys.stderr)
        return 1
    template = Path(assembly.directory) / stack.template_file
    print(
        f"synthesized {stack.stack_name}: {template} ({template.stat().st_size:,} bytes) "
        f"in {time.monotonic() - started:.1f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
