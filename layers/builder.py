"""Build the Lambda layers `layers/recipe.py` describes, without Docker.

* dependencies layer: `requirements.txt` installed for the Lambda platform (arm64, CPython 3.12) with
  `pip install --platform manylinux2014_aarch64 --only-binary=:all: ...` into `python/` — binary wheels only,
  so nothing is compiled for the wrong machine. Transitive versions are pinned to what the development
  virtualenv has installed (the versions the tests ran against), so the layer does not drift between builds.
* FFmpeg layer: the `imageio-ffmpeg==0.7.0` manylinux2014_aarch64 wheel (a static FFmpeg 7 build) with its
  binary placed at `bin/ffmpeg` (Lambda mounts layers at /opt, so /opt/bin/ffmpeg), executable bit kept.

Each layer is written as a deterministic zip under `layers/<name>/build/` (git-ignored) with a stamp of its
inputs; it is rebuilt only when an input changes. `make layers` (`python -m layers.build`) builds them and
prints the sizes; the stack calls `ensure_built()` at synth, so a missing or stale zip is built then.
"""

from __future__ import annotations

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
from collections.abc import Iterable, Iterator
from pathlib import Path

from layers.recipe import DEPENDENCIES, FFMPEG, FFMPEG_REQUIREMENT, PLATFORM, PYTHON_VERSION, ROOT, BuiltLayer

_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_EM_AARCH64 = 183


class LayerBuildError(RuntimeError):
    """Raised when a layer cannot be built: pip failed, the wheel lacks the binary, or the binary is wrong."""


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
    build_dir = DEPENDENCIES.build_dir(root)
    zip_path = DEPENDENCIES.zip_path(root)
    digest = _digest([requirements.read_text(), PLATFORM, PYTHON_VERSION, "v2"])
    if not force and _is_fresh(build_dir, zip_path.name, digest) and _pins_still_match(build_dir):
        return BuiltLayer(DEPENDENCIES.name, zip_path, unzipped_size(zip_path))
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
    return BuiltLayer(DEPENDENCIES.name, zip_path, size)


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
    build_dir = FFMPEG.build_dir(root)
    zip_path = FFMPEG.zip_path(root)
    notice = FFMPEG.directory(root) / "LICENSE-NOTICE.md"
    digest = _digest([FFMPEG_REQUIREMENT, PLATFORM, notice.read_text(), "v1"])
    if not force and _is_fresh(build_dir, zip_path.name, digest):
        return BuiltLayer(FFMPEG.name, zip_path, unzipped_size(zip_path))
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
    return BuiltLayer(FFMPEG.name, zip_path, size)


def ensure_built(root: Path = ROOT, *, force: bool = False) -> dict[str, BuiltLayer]:
    """Both layers, built if missing or stale. Needs PyPI the first time only."""
    return {DEPENDENCIES.name: build_dependencies(root, force=force), FFMPEG.name: build_ffmpeg(root, force=force)}
