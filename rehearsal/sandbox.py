"""A Lambda-like root for the rehearsal's function processes, built from `cdk.out`.

    <root>/var/task          the code asset, as Lambda unzips it (read-only to the function)
    <root>/opt-<layers>/     the function's layers unpacked in order, rebuilt for this machine (see below)
    <root>/var/runtime       AWS's runtime interface client (`awslambdaric`), as the managed runtime has it
    <root>/var/lang          a bare Python (a venv without site-packages: nothing of the machine's leaks in)
    <root>/tmp/<env>/        each execution environment's own /tmp (the only writable place)

Layers for this platform: a layer zip in cdk.out is built for arm64 Lambda. Each is rebuilt here by the same
recipe (layers/build.py): its `python/` is pip-installed again from the exact pins the zip holds (`name==version`
from its dist-info), binary wheels only, for this machine's platform and Python; a `bin/ffmpeg` arm64 binary is
replaced by the same imageio-ffmpeg release's binary for this machine. Other files are copied as they are.
Rebuilt layers are cached under `build/rehearsal/layers/<zip digest>`.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import platform
import pwd
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import zipfile
from pathlib import Path

from layers.builder import _prune
from rehearsal.template import Layer

REPO = Path(__file__).resolve().parents[1]
CACHE = REPO / "build" / "rehearsal"
#: Pinned with the dev requirements: the runtime interface client the rehearsal starts each function with.
AWSLAMBDARIC = "awslambdaric==" + importlib.metadata.version("awslambdaric")
#: The user Lambda runs functions as.
SANDBOX_USER = "sbx_user1051"


class SandboxError(RuntimeError):
    """The Lambda-like root cannot be built (a layer or the runtime client failed to install); names the step."""


def _pip(*args: str) -> None:
    result = subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SandboxError(f"pip {' '.join(args[:2])} failed:\n{result.stderr[-3000:]}")


def host_platform() -> str:
    return "manylinux2014_" + platform.machine()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _layer_pins(archive: zipfile.ZipFile) -> list[str]:
    pins = []
    for member in archive.namelist():
        parts = member.split("/")
        if len(parts) == 3 and parts[0] == "python" and parts[1].endswith(".dist-info") and parts[2] == "METADATA":
            meta = archive.read(member).decode("utf-8", "replace")
            fields = dict(line.split(": ", 1) for line in meta.splitlines()[:10] if ": " in line)
            pins.append(f"{fields['Name']}=={fields['Version']}")
    return sorted(pins)


def host_layer(layer: Layer) -> Path:
    """The layer, rebuilt for this machine (cached); returns the folder to unpack into /opt."""
    target = CACHE / "layers" / f"{layer.asset.stem}-{_digest(layer.asset)}-{host_platform()}"
    if (target / ".built").exists():
        return target
    shutil.rmtree(target, ignore_errors=True)
    work = Path(tempfile.mkdtemp(prefix="layer-", dir=CACHE))
    with zipfile.ZipFile(layer.asset) as archive:
        pins = _layer_pins(archive)
        for info in archive.infolist():
            if info.is_dir() or info.filename.startswith("python/") or info.filename == "bin/ffmpeg":
                continue
            archive.extract(info, work)
        has_ffmpeg = "bin/ffmpeg" in archive.namelist()
    if pins:
        python = f"{sys.version_info.major}.{sys.version_info.minor}"
        pin_file = work / "pins.txt"
        pin_file.write_text("\n".join(pins) + "\n")
        _pip(
            "install", "--quiet", "--disable-pip-version-check", "--no-compile", "--no-deps",
            "--platform", host_platform(), "--only-binary=:all:", "--python-version", python,
            "--implementation", "cp", "--target", str(work / "python"), "--requirement", str(pin_file),
        )  # fmt: skip
        pin_file.unlink()
        _prune(work / "python")
    if has_ffmpeg:
        import imageio_ffmpeg  # the same imageio-ffmpeg release the layer recipe pins, for this machine

        (work / "bin").mkdir(exist_ok=True)
        shutil.copy(imageio_ffmpeg.get_ffmpeg_exe(), work / "bin" / "ffmpeg")
        (work / "bin" / "ffmpeg").chmod(0o755)
    (work / ".built").write_text("\n".join(pins) + "\n")
    target.parent.mkdir(parents=True, exist_ok=True)
    work.rename(target)
    return target


def runtime_client() -> Path:
    """`awslambdaric` and its dependencies installed into a runtime folder (cached)."""
    target = CACHE / f"runtime-{AWSLAMBDARIC.split('==')[1]}-{sysconfig.get_platform()}-py{sys.version_info.minor}"
    if (target / ".built").exists():
        return target
    shutil.rmtree(target, ignore_errors=True)
    CACHE.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="runtime-", dir=CACHE))
    _pip("install", "--quiet", "--disable-pip-version-check", "--no-compile", "--target", str(work), AWSLAMBDARIC)
    (work / ".built").touch()
    work.rename(target)
    return target


def ensure_user(name: str = SANDBOX_USER) -> pwd.struct_passwd:
    """The unprivileged user function processes run as (created once, without a home or a shell)."""
    try:
        return pwd.getpwnam(name)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
            check=True,
            capture_output=True,
        )
        return pwd.getpwnam(name)


def _readable_tree(root: Path) -> None:
    for path in [root, *root.rglob("*")]:
        if path.is_symlink():
            continue
        mode = path.stat().st_mode & 0o777
        path.chmod(mode | (0o555 if path.is_dir() or mode & 0o111 else 0o444))


class LambdaRoot:
    """The per-rehearsal root: code, runtime, language, layer sets and environment temp folders."""

    def __init__(self, base: Path | None = None) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="familyplus-lambda-", dir=base))
        self.path.chmod(0o755)
        self.user = ensure_user()
        self._opts: dict[tuple[str, ...], Path] = {}
        self._tasks: dict[Path, Path] = {}
        lang = self.path / "var" / "lang"
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(lang)], check=True)
        runtime = self.path / "var" / "runtime"
        shutil.copytree(runtime_client(), runtime, ignore=shutil.ignore_patterns(".built"))
        _readable_tree(self.path / "var")
        self.lang, self.runtime = lang, runtime

    def task(self, asset: Path) -> Path:
        """The code asset unpacked (a folder asset copied, a zip unzipped) once per distinct asset."""
        if asset not in self._tasks:
            target = self.path / f"task-{len(self._tasks)}"
            if asset.is_dir():
                shutil.copytree(asset, target, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                with zipfile.ZipFile(asset) as archive:
                    archive.extractall(target)
            _readable_tree(target)
            self._tasks[asset] = target
        return self._tasks[asset]

    def opt(self, layers: tuple[Layer, ...]) -> Path:
        """/opt for a list of layers: each unpacked over the previous, in order, as Lambda does."""
        key = tuple(layer.logical_id for layer in layers)
        if key not in self._opts:
            target = self.path / f"opt-{len(self._opts)}"
            target.mkdir()
            for layer in layers:
                shutil.copytree(host_layer(layer), target, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".built"))
            _readable_tree(target)
            self._opts[key] = target
        return self._opts[key]

    def new_tmp(self, label: str) -> Path:
        base = self.path / "tmp"
        base.mkdir(exist_ok=True, mode=0o755)
        target = Path(tempfile.mkdtemp(prefix=f"{label}-", dir=base))
        shutil.chown(target, self.user.pw_uid, self.user.pw_gid)
        target.chmod(0o700)
        return target

    def close(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
