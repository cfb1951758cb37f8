"""The one Lambda runtime and architecture, matched to what the dependencies layer is built for."""

from __future__ import annotations

from aws_cdk import aws_lambda as lambda_

from layers.recipe import PYTHON_VERSION

_RUNTIMES = {"3.12": lambda_.Runtime.PYTHON_3_12, "3.13": lambda_.Runtime.PYTHON_3_13}

#: Lambda runtime: the Python version the layer's binary wheels (pydantic-core…) are built for.
RUNTIME = _RUNTIMES[PYTHON_VERSION]
ARCHITECTURE = lambda_.Architecture.ARM_64
FFMPEG_PATH = "/opt/bin/ffmpeg"
#: Lambda's maximum timeout.
MAX_TIMEOUT_S = 900
