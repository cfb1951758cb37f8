"""The two Lambda layers, from the zips `layers/builder.py` makes (built here if missing or stale — no Docker)."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from familyplus.catalog import StageSpec
from infra.config import DeployConfig
from layers.builder import ensure_built
from layers.recipe import BuiltLayer, layers_for

from .runtime import ARCHITECTURE, RUNTIME


class Layers(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: DeployConfig, root: Path) -> None:
        super().__init__(scope, construct_id)
        self.built: dict[str, BuiltLayer] = ensure_built(root)
        self.dependencies = lambda_.LayerVersion(
            self,
            "Dependencies",
            layer_version_name=f"{config.prefix}-dependencies",
            description="requirements.txt for Python 3.12 on arm64 (built by layers/build.py)",
            code=lambda_.Code.from_asset(str(self.built["dependencies"].zip_path)),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
        )
        self.ffmpeg = lambda_.LayerVersion(
            self,
            "Ffmpeg",
            layer_version_name=f"{config.prefix}-ffmpeg",
            description="FFmpeg 7 static arm64 binary at /opt/bin/ffmpeg (imageio-ffmpeg 0.7.0 wheel)",
            code=lambda_.Code.from_asset(str(self.built["ffmpeg"].zip_path)),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            license="GPL-3.0-or-later",
        )
        self._by_name: dict[str, lambda_.ILayerVersion] = {
            "dependencies": self.dependencies,
            "ffmpeg": self.ffmpeg,
        }

    def for_stage(self, spec: StageSpec) -> list[lambda_.ILayerVersion]:
        """The same rule the size check uses: dependencies for all, FFmpeg for audio stages only."""
        return [self._by_name[name] for name in layers_for(spec)]
