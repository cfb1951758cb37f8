"""Lambda execution environments: one function process each, started as Lambda starts it, reused while warm.

A process runs in a private mount namespace (`unshare --mount`) in which the rehearsal root is mounted where
Lambda mounts things: the code at /var/task, the layers at /opt, the runtime client at /var/runtime, a bare
Python at /var/lang (all read-only), an empty /var otherwise, and the environment's own folder at /tmp. It then
drops to the unprivileged `sbx_user1051` (`setpriv`) and execs `python -m awslambdaric <handler>` against its
own Runtime API. So only /tmp is writable, and the machine's own /opt and /var are out of sight.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rehearsal.runtime_api import RuntimeApi
from rehearsal.sandbox import LambdaRoot
from rehearsal.template import REGION, Function

PYTHON = "python3"
_LIBRARY_DIRS = ("/var/lang/lib", "/lib64", "/usr/lib64", "/var/runtime", "/var/runtime/lib")
LAMBDA_LD_LIBRARY_PATH = ":".join((*_LIBRARY_DIRS, "/var/task", "/var/task/lib", "/opt/lib"))
#: Lambda's own search path order for Python functions (task, layers, runtime).
LAMBDA_PYTHONPATH = "/var/task:/opt/python/lib/python{v}/site-packages:/opt/python:/var/runtime"


def lambda_environment(function: Function, *, runtime_api: str, log_stream: str) -> dict[str, str]:
    """The environment Lambda gives `function`'s process: exactly the template's, then what Lambda itself sets
    (with active tracing, `_X_AMZN_TRACE_ID` is added per invocation by the runtime client)."""
    python_version = ".".join(map(str, sys.version_info[:2]))
    return {
        **function.environment,
        "AWS_LAMBDA_FUNCTION_NAME": function.name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_TIMEOUT": str(function.timeout_s),
        "AWS_LAMBDA_LOG_GROUP_NAME": function.log_group,
        "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
        "AWS_LAMBDA_RUNTIME_API": runtime_api,
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{function.runtime}",
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        "_HANDLER": function.handler,
        "LAMBDA_TASK_ROOT": "/var/task",
        "LAMBDA_RUNTIME_DIR": "/var/runtime",
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "PATH": "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin",
        "LD_LIBRARY_PATH": LAMBDA_LD_LIBRARY_PATH,
        "PYTHONPATH": LAMBDA_PYTHONPATH.format(v=python_version),
    }


@dataclass
class InvokeResult:
    function: str
    request_id: str
    cold: bool
    duration_s: float
    init_s: float | None
    payload: Any = None
    error: dict[str, Any] | None = None
    log: str = ""
    peak_rss_mb: float = 0.0


@dataclass
class FunctionStats:
    cold_starts: list[float] = field(default_factory=list)
    durations: list[float] = field(default_factory=list)
    errors: int = 0
    peak_rss_mb: float = 0.0
    files_written: set[str] = field(default_factory=set)


class Environment:
    """One warm-able execution environment of `function`."""

    def __init__(self, function: Function, root: LambdaRoot, extra_env: dict[str, str], label: str) -> None:
        self.function = function
        self.api = RuntimeApi()
        self.tmp = root.new_tmp(label)
        self.log_path = root.path / "logs" / f"{label}.log"
        self.log_path.parent.mkdir(exist_ok=True)
        env = {
            **lambda_environment(function, runtime_api=self.api.address, log_stream=label),
            **extra_env,  # the emulator endpoint and this function's own role credentials
        }
        mounts = [
            "mount -t tmpfs -o mode=755 tmpfs /var",
            "mkdir /var/task /var/runtime /var/lang",
            *_ro_bind(root.task(function.asset), "/var/task"),
            *_ro_bind(root.runtime, "/var/runtime"),
            *_ro_bind(root.lang, "/var/lang"),
            *_ro_bind(root.opt(function.layers), "/opt"),
            f"mount --bind {shlex.quote(str(self.tmp))} /tmp",
            "cd /var/task",
            f"exec setpriv --reuid={root.user.pw_uid} --regid={root.user.pw_gid} --clear-groups "
            f"/var/lang/bin/{PYTHON} -m awslambdaric {shlex.quote(function.handler)}",
        ]
        self._log = self.log_path.open("ab")
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            ["unshare", "--mount", "--propagation", "private", "/bin/sh", "-ec", "\n".join(mounts)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.init_s: float | None = None
        self.used = False
        self.lock = threading.Lock()

    def wait_ready(self) -> dict[str, Any] | None:
        """Wait for init to end; returns the init error (as Lambda reports it) or None."""
        deadline = self.started + max(self.function.timeout_s, 10)
        while not self.api.ready.wait(0.05):
            if self.process.poll() is not None:
                return {
                    "errorType": "Runtime.ExitError",
                    "errorMessage": f"the process exited ({self.process.returncode}) during init",
                }
            if time.monotonic() > deadline:
                self.kill()
                return {"errorType": "Sandbox.Timedout", "errorMessage": "init did not finish in time"}
        self.init_s = (self.api.init_done_at or time.monotonic()) - self.started
        return self.api.init_error

    def invoke(self, payload: Any) -> InvokeResult:
        cold = not self.used
        self.used = True
        start_offset = self.log_path.stat().st_size
        started = time.monotonic()
        init_error = self.wait_ready() if cold else None
        result = InvokeResult(self.function.name, "", cold, 0.0, self.init_s if cold else None)
        if init_error is not None:
            result.error = init_error
        else:
            invocation = self.api.submit(
                json.dumps(payload).encode(), timeout_s=self.function.timeout_s, function_arn=self.function.arn
            )
            result.request_id = invocation.request_id
            deadline = time.monotonic() + self.function.timeout_s
            while not invocation.done.wait(0.02):
                if self.process.poll() is not None:
                    result.error = {
                        "errorType": "Runtime.ExitError",
                        "errorMessage": f"the process exited ({self.process.returncode})",
                    }
                    break
                if time.monotonic() > deadline:
                    self.kill()
                    result.error = {
                        "errorType": "Sandbox.Timedout",
                        "errorMessage": f"Task timed out after {self.function.timeout_s:.2f} seconds",
                    }
                    break
            else:
                if invocation.error is not None:
                    result.error = invocation.error
                else:
                    result.payload = json.loads(invocation.result or b"null")
        result.duration_s = time.monotonic() - started
        result.peak_rss_mb = self.peak_rss_mb()
        time.sleep(0.01)  # let the last log lines reach the file
        with self.log_path.open("rb") as log:
            log.seek(start_offset)
            result.log = log.read().decode("utf-8", "replace")
        return result

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def peak_rss_mb(self) -> float:
        try:
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return 0.0

    def files_written(self) -> set[str]:
        return {"/tmp/" + str(p.relative_to(self.tmp)) for p in self.tmp.rglob("*") if p.is_file()}

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def close(self) -> None:
        self.kill()
        self.api.close()
        self._log.close()


def _ro_bind(source: Path, target: str) -> list[str]:
    return [f"mount --bind {shlex.quote(str(source))} {target}", f"mount -o remount,bind,ro {target}"]


class Pool:
    """Execution environments per function: an idle warm one is reused, else a new one starts (a cold start)."""

    def __init__(self, root: LambdaRoot, credentials: dict[str, dict[str, str]], endpoint: str) -> None:
        self.root = root
        self.credentials = credentials  # function name -> AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN
        self.endpoint = endpoint
        self.idle: dict[str, list[Environment]] = {}
        self.all: list[Environment] = []
        self.stats: dict[str, FunctionStats] = {}
        self.results: list[InvokeResult] = []
        self._lock = threading.Lock()

    def invoke(self, function: Function, payload: Any) -> InvokeResult:
        with self._lock:
            idle = self.idle.setdefault(function.name, [])
            env = idle.pop() if idle else None
            if env is None:
                label = f"{function.name}-{sum(e.function.name == function.name for e in self.all) + 1}"
                extra = {"AWS_ENDPOINT_URL": self.endpoint, **self.credentials[function.name]}
                env = Environment(function, self.root, extra, label)
                self.all.append(env)
        result = env.invoke(payload)
        with self._lock:
            stats = self.stats.setdefault(function.name, FunctionStats())
            if result.cold and result.init_s is not None:
                stats.cold_starts.append(result.init_s)
            stats.durations.append(result.duration_s)
            stats.errors += result.error is not None
            stats.peak_rss_mb = max(stats.peak_rss_mb, result.peak_rss_mb)
            stats.files_written |= env.files_written()
            self.results.append(result)
            if (env.alive and result.error is None) or (
                env.alive
                and result.error
                and result.error.get("errorType") not in ("Sandbox.Timedout", "Runtime.ExitError")
            ):
                self.idle[function.name].append(env)
        return result

    def close(self) -> None:
        for env in self.all:
            env.close()
