"""The executor is a generic engine: it must not pull in AWS SDKs or the Lambda package."""

from __future__ import annotations

import subprocess
import sys


def test_importing_the_executor_loads_no_boto_and_no_familyplus() -> None:
    code = (
        "import sys, familyplus_local.executor\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore', 'familyplus'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
