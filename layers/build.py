"""Build the Lambda layers without Docker, and check every function fits Lambda's unzipped size limit.

* dependencies layer: `requirements.txt` installed for the Lambda platform (arm64, CPython 3.12) with
  `pip install --platform manylinux2014_aarch64 --only-binary=:all: ...` into `python/` — binary wheels only,
  so nothing is compiled for the wrong machine. Transitive versions are pinned to what the development
  virtualenv has installed (the versions the tests ran against), so the layer does not drift between builds.
* FFmpeg layer: the `imageio-ffmpeg==0.7.0` manylinux2014_aarch64 wheel (a static FFmpeg 7 build) with its
  binary placed at `bin/ffmpeg` (Lambda mounts layers at /opt, so /opt/bin/ffmpeg), executable bit kept.

Each layer is written as a deterministic zip under `layers/<name>/build/` (git-ignored) with a stamp of its
inputs; it is rebuilt only when an input changes. Run `python layers/build.py` (`make layers`); `cdk synth`
calls `ensure_built()` when a zip is missing or stale.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

from familyplus.catalog import StageSpec

ROOT = Path(__file__).resolve().parent.parent

#: The Lambda runtime the layers are built for; infra uses the same constant for the functions' runtime.
PYTHON_VERSION = "3.12"
PLATFORM = "manylinux2014_aarch64"
FFMPEG_REQUIREMENT = "imageio-ffmpeg==0.7.0"
#: Lambda's limit on a function's code plus all its layers, unzipped (250 MB).
LAMBDA_UNZIPPED_LIMIT = 262_144_000
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
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_EM_AARCH64 = 183


class LayerBuildError(RuntimeError):
    """Raised when a layer cannot be built: pip failed, the wheel lacks the binary, or the binary is wrong."""


class LayerSizeError(RuntimeError):
    """Raised when a function's code plus its layers would exceed Lambda's 250 MB unzipped limit."""


@dataclass(frozen=True)
class BuiltLayer:
    name: str
    zip_path: Path
    unzipped_bytes: int


@dataclass(frozen=True)
class FunctionSize:
    name: str
    code_bytes: int
    layer_bytes: dict[str, int]

    @property
    def total_bytes(self) -> int:
        return self.code_bytes + sum(self.layer_bytes.values())


# --- deterministic zips ---------------------------------------------------------------------------


def _files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path


def write_zip(source: Path, target: Path) -> int:
    """Zip `source` into `target` reproducibly (sorted entries, fixed dates, Unix modes kept: the executable
    bit survives into the layer). Returns the unzipped size in bytes."""
    total = 0
    partial = target.with_suffix(".zip.partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for path in _files(source):
            info = zipfile.ZipInfo(path.relative_to(source).as_posix(), date_time=_ZIP_EPOCH)
            mode = stat.S_IMODE(path.stat().st_mode)
            info.external_attr = (stat.S_IFREG | (0o755 if mode & 0o111 else 0o644)) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            with path.open("rb") as handle, archive.open(info, "w") as out:
                shutil.copyfileobj(handle, out, 1 << 20)
            total += path.stat().st_size
    os.replace(partial, target)
    return total


def unzipped_size(zip_path: Path) -> int:
    with zipfile.ZipFile(zip_path) as archive:
        return sum(info.file_size for info in archive.infolist())


# --- stamps ---------------------------------------------------------------------------------------


def _digest(parts: Iterable[str]) -> str:
    sha = hashlib.sha256()
    for part in parts:
        sha.update(part.encode())
        sha.update(b"\0")
    return sha.hexdigest()


def _is_fresh(build_dir: Path, zip_name: str, digest: str) -> bool:
    stamp = build_dir / "stamp.json"
    if not (build_dir / zip_name).is_file() or not stamp.is_file():
        return False
    try:
        return bool(json.loads(stamp.read_text())["inputs"] == digest)
    except (ValueError, KeyError):
        return False


def _write_stamp(build_dir: Path, digest: str, **extra: object) -> None:
    (build_dir / "stamp.json").write_text(json.dumps({"inputs": digest, **extra}, indent=2) + "\n")


def _pip(*args: str) -> None:
    command = [sys.executable, "-m", "pip", *args]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise LayerBuildError(f"`{' '.join(command)}` failed:\n{result.stderr[-4000:]}")


# --- dependencies layer ---------------------------------------------------------------------------


def _installed() -> dict[str, str]:
    """Normalised name → version of every distribution in the running (development) environment."""
    found = {}
    for dist in importlib.metadata.distributions():
        name, version = dist.metadata["Name"], dist.version
        if name and version and "+" not in version and name.lower() != "familyplus":
            found[_normalise(name)] = version
    return found


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def installed_constraints() -> str:
    """`name==version` for every distribution in the development environment: pip constraints, so the layer
    gets the transitive versions the test suite ran against."""
    return "".join(f"{name}=={version}\n" for name, version in sorted(_installed().items()))


def layer_pins(python_dir: Path) -> dict[str, str]:
    """Normalised name → version of each distribution installed in a layer's `python/` folder."""
    pins = {}
    for info in python_dir.glob("*.dist-info"):
        metadata = importlib.metadata.Distribution.at(info).metadata
        pins[_normalise(metadata["Name"])] = metadata["Version"]
    return pins


def _pins_still_match(build_dir: Path) -> bool:
    """The layer's versions agree with the development environment (a package missing there is fine), so a
    change elsewhere in the venv does not force a rebuild."""
    try:
        pins: dict[str, str] = json.loads((build_dir / "stamp.json").read_text())["pins"]
    except (OSError, ValueError, KeyError):
        return False
    installed = _installed()
    return all(installed.get(name, version) == version for name, version in pins.items())


def _prune(python_dir: Path) -> None:
    """Drop what the layer must not ship: bytecode compiled by the build machine's Python (wrong version) and
    the console scripts pip puts in `bin/` (their shebangs point at the build machine)."""
    for path in sorted(python_dir.rglob("*"), reverse=True):
        if path.name == "__pycache__" and path.is_dir():
            shutil.rmtree(path)
        elif path.suffix == ".pyc" and path.is_file():
            path.unlink()
    shutil.rmtree(python_dir / "bin", ignore_errors=True)


def build_dependencies(root: Path = ROOT, *, force: bool = False) -> BuiltLayer:
    requirements = root / "requirements.txt"
    build_dir = root / "layers" / "dependencies" / "build"
    zip_path = build_dir / "dependencies-layer.zip"
    digest = _digest([requirements.read_text(), PLATFORM, PYTHON_VERSION, "v2"])
    if not force and _is_fresh(build_dir, zip_path.name, digest) and _pins_still_match(build_dir):
        return BuiltLayer("dependencies", zip_path, unzipped_size(zip_path))
    build_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=build_dir) as tmp:
        work = Path(tmp)
        (work / "constraints.txt").write_text(installed_constraints())
        _pip(
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-compile",
            "--platform",
            PLATFORM,
            "--only-binary=:all:",
            "--python-version",
            PYTHON_VERSION,
            "--implementation",
            "cp",
            "--target",
            str(work / "layer" / "python"),
            "--constraint",
            str(work / "constraints.txt"),
            "--requirement",
            str(requirements),
        )
        _prune(work / "layer" / "python")
        pins = layer_pins(work / "layer" / "python")
        size = write_zip(work / "layer", zip_path)
    _write_stamp(build_dir, digest, python=PYTHON_VERSION, platform=PLATFORM, pins=pins)
    return BuiltLayer("dependencies", zip_path, size)


# --- FFmpeg layer ---------------------------------------------------------------------------------


def _check_aarch64_elf(binary: Path) -> None:
    header = binary.read_bytes()[:20]
    if header[:4] != b"\x7fELF" or int.from_bytes(header[18:20], "little") != _EM_AARCH64:
        raise LayerBuildError(f"{binary.name} is not an arm64 (aarch64) ELF executable")


def ffmpeg_configuration(binary: Path) -> str:
    """The `--enable-...` configure line FFmpeg embeds in itself: it decides the licence (GPL or LGPL)."""
    data = binary.read_bytes()
    start = data.find(b"--enable-gpl")
    if start < 0:
        start = data.find(b"--prefix=")
    if start < 0:
        return ""
    end = data.find(b"\0", start)
    return data[start:end].decode("ascii", "replace")


def build_ffmpeg(root: Path = ROOT, *, force: bool = False) -> BuiltLayer:
    layer_dir = root / "layers" / "ffmpeg"
    build_dir = layer_dir / "build"
    zip_path = build_dir / "ffmpeg-layer.zip"
    notice = layer_dir / "LICENSE-NOTICE.md"
    digest = _digest([FFMPEG_REQUIREMENT, PLATFORM, notice.read_text(), "v1"])
    if not force and _is_fresh(build_dir, zip_path.name, digest):
        return BuiltLayer("ffmpeg", zip_path, unzipped_size(zip_path))
    build_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=build_dir) as tmp:
        work = Path(tmp)
        _pip(
            "download",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--platform",
            PLATFORM,
            "--only-binary=:all:",
            "--python-version",
            PYTHON_VERSION,
            "--implementation",
            "cp",
            "--dest",
            str(work / "wheel"),
            FFMPEG_REQUIREMENT,
        )
        wheels = list((work / "wheel").glob("*.whl"))
        if len(wheels) != 1:
            raise LayerBuildError(f"expected one {FFMPEG_REQUIREMENT} wheel for {PLATFORM}, got {wheels}")
        with zipfile.ZipFile(wheels[0]) as wheel:
            members = [n for n in wheel.namelist() if "/binaries/ffmpeg-linux-aarch64" in n]
            if len(members) != 1:
                raise LayerBuildError(f"{wheels[0].name} has no single linux-aarch64 ffmpeg binary: {members}")
            binary = work / "layer" / "bin" / "ffmpeg"
            binary.parent.mkdir(parents=True)
            with wheel.open(members[0]) as src, binary.open("wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        binary.chmod(0o755)
        _check_aarch64_elf(binary)
        configuration = ffmpeg_configuration(binary)
        licences = work / "layer" / "licenses" / "ffmpeg"
        licences.mkdir(parents=True)
        shutil.copy(notice, licences / "LICENSE-NOTICE.md")
        (licences / "configuration.txt").write_text(configuration + "\n")
        (build_dir / "configuration.txt").write_text(configuration + "\n")
        size = write_zip(work / "layer", zip_path)
    _write_stamp(build_dir, digest, binary=members[0], requirement=FFMPEG_REQUIREMENT)
    return BuiltLayer("ffmpeg", zip_path, size)


def ensure_built(root: Path = ROOT, *, force: bool = False) -> dict[str, BuiltLayer]:
    """Both layers, built if missing or stale. Needs PyPI the first time only."""
    return {"dependencies": build_dependencies(root, force=force), "ffmpeg": build_ffmpeg(root, force=force)}


# --- size check -----------------------------------------------------------------------------------


def _excluded(relative: Path, patterns: Sequence[str]) -> bool:
    return any(fnmatch(part, pattern) for part in relative.parts for pattern in patterns)


def code_size(functions_dir: Path, excludes: Sequence[str] = CODE_EXCLUDES) -> int:
    """Unzipped size of the function code asset (the `functions/` folder less `excludes`)."""
    return sum(
        path.stat().st_size
        for path in _files(functions_dir)
        if not _excluded(path.relative_to(functions_dir), excludes)
    )


def layers_for(spec: StageSpec) -> list[str]:
    """The layers a stage's function gets: every function the dependencies, audio stages FFmpeg too."""
    return ["dependencies"] + (["ffmpeg"] if spec.audio else [])


def function_sizes(stages: Iterable[StageSpec], code_bytes: int, layers: dict[str, BuiltLayer]) -> list[FunctionSize]:
    return [
        FunctionSize(spec.name, code_bytes, {n: layers[n].unzipped_bytes for n in layers_for(spec)}) for spec in stages
    ]


def format_sizes(sizes: Sequence[FunctionSize], limit: int = LAMBDA_UNZIPPED_LIMIT) -> str:
    mb = 1 << 20  # Lambda's "250 MB" is 250 MiB
    lines = [f"{'function':<24}{'code':>10}{'layers':>10}{'total':>10}  (MiB unzipped, limit {limit / mb:.0f})"]
    for size in sizes:
        layers = "+".join(size.layer_bytes)
        lines.append(
            f"{size.name:<24}{size.code_bytes / mb:>10.1f}{sum(size.layer_bytes.values()) / mb:>10.1f}"
            f"{size.total_bytes / mb:>10.1f}  [{layers}]"
        )
    return "\n".join(lines)


def check_sizes(sizes: Sequence[FunctionSize], limit: int = LAMBDA_UNZIPPED_LIMIT) -> None:
    over = [s for s in sizes if s.total_bytes > limit]
    if over:
        names = ", ".join(f"{s.name} ({s.total_bytes:,} bytes)" for s in over)
        raise LayerSizeError(f"over Lambda's {limit:,}-byte unzipped limit (code + layers): {names}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--force", action="store_true", help="rebuild even if the inputs did not change")
    args = parser.parse_args(argv)
    from familyplus.catalog import STAGES

    try:
        layers = ensure_built(force=args.force)
        for layer in layers.values():
            print(f"{layer.name}: {layer.zip_path.relative_to(ROOT)} ({layer.unzipped_bytes:,} bytes unzipped)")
        sizes = function_sizes(STAGES, code_size(ROOT / "functions"), layers)
        print(format_sizes(sizes))
        check_sizes(sizes)
    except (LayerBuildError, LayerSizeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
