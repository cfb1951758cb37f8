"""What goes in each Lambda layer and where it is written: the recipe the build follows and the stack reads.

* dependencies: `requirements.txt`, binary wheels for `PLATFORM` / CPython `PYTHON_VERSION`, under `python/`.
* ffmpeg: the static FFmpeg binary of the `FFMPEG_REQUIREMENT` wheel at `bin/ffmpeg` (Lambda mounts layers at
  /opt, so /opt/bin/ffmpeg), with its licence notice.

Every function gets the dependencies layer; audio stages get FFmpeg too (`layers_for`). No I/O here: the stack
imports this module, `layers/builder.py` builds what it describes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from familyplus.catalog import StageSpec

ROOT = Path(__file__).resolve().parent.parent

#: The Lambda runtime the layers are built for; infra uses the same constant for the functions' runtime.
PYTHON_VERSION = "3.12"
PLATFORM = "manylinux2014_aarch64"
FFMPEG_REQUIREMENT = "imageio-ffmpeg==0.7.0"
#: Left out of the function code asset (gitignore-style names, matched against every path segment).
CODE_EXCLUDES: tuple[str, ...] = (
    "__pycache__",
    "*.pyc",
    "*.pyo",
    "tests",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    "*.egg-info",
    ".DS_Store",
)


@dataclass(frozen=True)
class LayerRecipe:
    """One layer: its name and the zip it is built into (`layers/<name>/build/<zip_name>`, git-ignored)."""

    name: str
    zip_name: str

    def directory(self, root: Path = ROOT) -> Path:
        return root / "layers" / self.name

    def build_dir(self, root: Path = ROOT) -> Path:
        return self.directory(root) / "build"

    def zip_path(self, root: Path = ROOT) -> Path:
        return self.build_dir(root) / self.zip_name


DEPENDENCIES = LayerRecipe("dependencies", "dependencies-layer.zip")
FFMPEG = LayerRecipe("ffmpeg", "ffmpeg-layer.zip")
LAYERS: tuple[LayerRecipe, ...] = (DEPENDENCIES, FFMPEG)


@dataclass(frozen=True)
class BuiltLayer:
    name: str
    zip_path: Path
    unzipped_bytes: int


def layers_for(spec: StageSpec) -> list[str]:
    """The layers a stage's function gets: every function the dependencies, audio stages FFmpeg too."""
    return [DEPENDENCIES.name] + ([FFMPEG.name] if spec.audio else [])
