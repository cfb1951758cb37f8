"""The Lambda-like process itself: only /tmp is writable (a write elsewhere fails, and the report names it),
an asset that does not import is named, warm environments are reused and the timeout is enforced."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from rehearsal.environment import Pool
from rehearsal.report import classify
from rehearsal.sandbox import LambdaRoot
from rehearsal.template import Function

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="function processes need a mount namespace and setpriv")

HANDLERS = """
import os, time

def write(event, context):
    with open(event["path"], "w") as f:
        f.write("x")
    return {"wrote": event["path"], "uid": os.getuid(), "task_root": os.environ["LAMBDA_TASK_ROOT"]}

def sleep(event, context):
    time.sleep(event["seconds"])
    return "woke"
"""


@pytest.fixture(scope="module")
def root() -> Iterator[LambdaRoot]:
    made = LambdaRoot()
    yield made
    made.close()


def function(tmp_path: Path, handler: str, *, timeout_s: int = 10) -> Function:
    asset = tmp_path / "asset"
    asset.mkdir(exist_ok=True)
    (asset / "probe.py").write_text(HANDLERS)
    return Function(
        logical_id="Probe",
        name=f"probe-{handler.replace('.', '-')}",
        handler=handler,
        runtime="python3.12",
        memory_mb=128,
        timeout_s=timeout_s,
        ephemeral_mb=512,
        environment={},
        layers=(),
        role="ProbeRole",
        asset=asset,
        log_group="/aws/lambda/probe",
    )


def pool(root: LambdaRoot, fn: Function) -> Pool:
    return Pool(root, {fn.name: {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y"}}, "http://127.0.0.1:9")


def test_only_tmp_is_writable_and_a_write_elsewhere_is_named(root: LambdaRoot, tmp_path: Path) -> None:
    fn = function(tmp_path, "probe.write")
    envs = pool(root, fn)
    try:
        ok = envs.invoke(fn, {"path": "/tmp/out.txt"})
        assert ok.error is None and ok.cold
        assert ok.payload["uid"] != 0 and ok.payload["task_root"] == "/var/task"
        for outside in ("/var/task/probe.txt", "/opt/probe.txt", "/etc/probe.txt"):
            refused = envs.invoke(fn, {"path": outside})
            assert refused.error is not None, outside
            assert classify(refused.error).startswith("write outside /tmp"), (outside, refused.error)
        again = envs.invoke(fn, {"path": "/tmp/again.txt"})
        assert not again.cold  # the warm environment was reused
        assert envs.stats[fn.name].files_written == {"/tmp/out.txt", "/tmp/again.txt"}
        assert len(envs.stats[fn.name].cold_starts) == 1
    finally:
        envs.close()


def test_an_asset_that_does_not_import_is_named(root: LambdaRoot, tmp_path: Path) -> None:
    fn = function(tmp_path, "missing_module.handler")
    envs = pool(root, fn)
    try:
        result = envs.invoke(fn, {})
        assert result.error is not None
        assert classify(result.error).startswith("the asset does not import"), result.error
    finally:
        envs.close()


def test_the_function_timeout_is_enforced(root: LambdaRoot, tmp_path: Path) -> None:
    fn = function(tmp_path, "probe.sleep", timeout_s=1)
    envs = pool(root, fn)
    try:
        result = envs.invoke(fn, {"seconds": 30})
        assert result.error is not None and result.error["errorType"] == "Sandbox.Timedout"
        assert result.duration_s < 10
    finally:
        envs.close()
