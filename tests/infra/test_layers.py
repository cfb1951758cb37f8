"""The layers built without Docker, and the 250 MB check (which prints every function's unzipped size)."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest

from layers import builder
from layers.sizes import LAMBDA_UNZIPPED_LIMIT, LayerSizeError, check_sizes, code_size, format_sizes
from tests.infra.conftest import Synth

ROOT = Path(__file__).resolve().parents[2]


def test_size_check_prints_each_function_and_passes(synth: Synth, capsys: pytest.CaptureFixture[str]) -> None:
    sizes = synth.stack.sizes
    with capsys.disabled():
        print("\n" + format_sizes(sizes))
    assert [s.name for s in sizes] == [s.name for s in synth.stages]
    built = synth.stack.layers.built
    for size, spec in zip(sizes, synth.stages, strict=True):
        expected = built["dependencies"].unzipped_bytes + (built["ffmpeg"].unzipped_bytes if spec.audio else 0)
        assert sum(size.layer_bytes.values()) == expected
        assert 0 < size.total_bytes <= LAMBDA_UNZIPPED_LIMIT
    check_sizes(sizes)


def test_size_check_fails_naming_the_function_over_the_limit(synth: Synth) -> None:
    sizes = synth.stack.sizes
    audio = next(s for s in sizes if "ffmpeg" in s.layer_bytes)
    limit = audio.total_bytes - 1  # only functions with the FFmpeg layer are over
    with pytest.raises(LayerSizeError, match=audio.name) as caught:
        check_sizes(sizes, limit=limit)
    assert all(s.name not in str(caught.value) for s in sizes if "ffmpeg" not in s.layer_bytes)


def test_ffmpeg_layer_puts_an_executable_arm64_binary_at_bin_ffmpeg(synth: Synth) -> None:
    layer = synth.stack.layers.built["ffmpeg"]
    with zipfile.ZipFile(layer.zip_path) as archive:
        info = archive.getinfo("bin/ffmpeg")
        mode = info.external_attr >> 16
        assert stat.S_ISREG(mode) and mode & 0o111 == 0o111, oct(mode)
        header = archive.open(info).read(20)
        names = archive.namelist()
    assert header[:4] == b"\x7fELF" and int.from_bytes(header[18:20], "little") == 183  # EM_AARCH64
    assert "licenses/ffmpeg/LICENSE-NOTICE.md" in names and "licenses/ffmpeg/configuration.txt" in names


def test_ffmpeg_licence_notice_matches_how_the_binary_was_configured(synth: Synth) -> None:
    configuration = (ROOT / "layers/ffmpeg/build/configuration.txt").read_text()
    notice = (ROOT / "layers/ffmpeg/LICENSE-NOTICE.md").read_text()
    if "--enable-gpl" in configuration:
        assert "GPL-3.0-or-later" in notice if "--enable-version3" in configuration else "GPL-2.0" in notice
    else:
        assert "LGPL" in notice


def test_dependencies_layer_has_cp312_arm64_wheels_and_no_build_machine_bytecode(synth: Synth) -> None:
    with zipfile.ZipFile(synth.stack.layers.built["dependencies"].zip_path) as archive:
        names = archive.namelist()
    assert all(n.startswith("python/") for n in names)
    assert any(n.startswith("python/pydantic_core/") and "cpython-312-aarch64-linux-gnu.so" in n for n in names)
    for package in ("aws_lambda_powertools", "pydantic", "boto3", "botocore"):
        assert any(n.startswith(f"python/{package}/") for n in names), package
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


def test_zips_are_reproducible_and_keep_the_executable_bit(tmp_path: Path) -> None:
    source = tmp_path / "src"
    (source / "bin").mkdir(parents=True)
    (source / "bin" / "tool").write_bytes(b"#!/bin/sh\n")
    (source / "bin" / "tool").chmod(0o700)
    (source / "data.txt").write_text("x" * 1000)
    first, second = tmp_path / "a.zip", tmp_path / "b.zip"
    assert builder.write_zip(source, first) == 1010
    builder.write_zip(source, second)
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        assert archive.getinfo("bin/tool").external_attr >> 16 & 0o777 == 0o755
        assert archive.getinfo("data.txt").external_attr >> 16 & 0o777 == 0o644


def test_code_size_leaves_out_tests_and_caches(tmp_path: Path) -> None:
    (tmp_path / "pkg" / "__pycache__").mkdir(parents=True)
    (tmp_path / "pkg" / "tests").mkdir()
    (tmp_path / "pkg" / "mod.py").write_bytes(b"a" * 10)
    (tmp_path / "pkg" / "__pycache__" / "mod.cpython-312.pyc").write_bytes(b"b" * 100)
    (tmp_path / "pkg" / "tests" / "test_mod.py").write_bytes(b"c" * 1000)
    (tmp_path / "pkg" / "stray.pyc").write_bytes(b"d" * 10000)
    assert code_size(tmp_path) == 10


def test_stale_stamp_means_rebuild(tmp_path: Path) -> None:
    (tmp_path / "layer.zip").write_bytes(b"")
    builder._write_stamp(tmp_path, "abc")
    assert builder._is_fresh(tmp_path, "layer.zip", "abc")
    assert not builder._is_fresh(tmp_path, "layer.zip", "other inputs")
    assert not builder._is_fresh(tmp_path, "missing.zip", "abc")


def test_a_layer_package_upgraded_in_the_dev_environment_means_rebuild(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    builder._write_stamp(tmp_path, "abc", pins={"pydantic": "2.14.3", "only-in-layer": "1.0"})
    monkeypatch.setattr(builder, "_installed", lambda: {"pydantic": "2.14.3", "numpy": "2.4.6"})
    assert builder._pins_still_match(tmp_path)  # unrelated venv packages do not matter
    monkeypatch.setattr(builder, "_installed", lambda: {"pydantic": "2.15.0"})
    assert not builder._pins_still_match(tmp_path)
