"""The fault-injection profile: make stages fail on purpose, by configuration (`FAMILYPLUS_FAULTS`), to watch
retries, Catch → MarkFailed and redrive do their work — never by editing code.

    FAMILYPLUS_FAULTS="tag_values=transient:2,write_story=permanent,embed=hang,extract_quotes=malformed,store=unavailable:3"

Per stage (a catalog name): `transient[:N]` — the first N calls (default 1) raise TransientError, later ones run;
`permanent` — every call raises PermanentError; `hang` — every call overruns the function's timeout (reported
as Lambda reports it, `Sandbox.Timedout`, without waiting in virtual time); `malformed` — the stage runs and
its result is replaced by a payload without the fields the workflow reads. `store=unavailable[:N]` makes the
first N store calls (any stage) raise TransientError, as a database that is down. The local Lambda runtime
applies the plan; `FaultPlan.injected` counts what it injected.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from familyplus.catalog import STAGES
from familyplus.errors import ConfigurationError, PermanentError, TransientError

KINDS = ("transient", "permanent", "hang", "malformed")
STORE = "store"
MALFORMED_OUTPUT = {"faultInjected": "malformed output"}


class FunctionTimedOutError(Exception):
    """What Lambda reports when a function overruns its timeout (error type `Sandbox.Timedout`)."""

    error_type = "Sandbox.Timedout"

    def __init__(self, timeout_s: float) -> None:
        super().__init__(f"Task timed out after {timeout_s:.2f} seconds")


@dataclass(frozen=True)
class Fault:
    kind: str
    times: int | None = None  # transient/unavailable: how many calls fail; None: every call


@dataclass
class FaultPlan:
    stages: dict[str, Fault] = field(default_factory=dict)
    store: Fault | None = None
    injected: Counter[str] = field(default_factory=Counter)  # "<stage>:<kind>" -> faults injected
    _calls: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def parse(cls, text: str | None) -> FaultPlan:
        """`stage=kind[:N],…`; a ConfigurationError naming the part that is wrong."""
        plan = cls()
        known = {spec.name for spec in STAGES}
        for part in (p.strip() for p in (text or "").split(",")):
            if not part:
                continue
            target, sep, spec = part.partition("=")
            kind, _, count = spec.partition(":")
            times = _count(part, count) if count else None
            if not sep:
                raise ConfigurationError(f"FAMILYPLUS_FAULTS: {part!r} is not stage=kind (e.g. tag_values=transient:2)")
            if target == STORE:
                if kind != "unavailable":
                    raise ConfigurationError(f"FAMILYPLUS_FAULTS: {part!r}: the store fault is unavailable[:N]")
                plan.store = Fault("unavailable", times)
                continue
            if target not in known:
                raise ConfigurationError(f"FAMILYPLUS_FAULTS: {part!r}: no stage named {target!r} in the catalog")
            if kind not in KINDS:
                raise ConfigurationError(f"FAMILYPLUS_FAULTS: {part!r}: kind must be one of {', '.join(KINDS)}")
            if times is not None and kind != "transient":
                raise ConfigurationError(f"FAMILYPLUS_FAULTS: {part!r}: only transient takes a count")
            plan.stages[target] = Fault(kind, times if kind != "transient" else (times or 1))
        return plan

    def __bool__(self) -> bool:
        return bool(self.stages) or self.store is not None

    def _due(self, key: str, fault: Fault) -> bool:
        with self._lock:
            self._calls[key] += 1
            due = fault.times is None or self._calls[key] <= fault.times
            if due:
                self.injected[f"{key}:{fault.kind}"] += 1
            return due

    def before(self, stage: str, timeout_s: float) -> None:
        """Raise the fault planned for this call of `stage`, if any (malformed is applied by `after`)."""
        fault = self.stages.get(stage)
        if fault is None or fault.kind == "malformed" or not self._due(stage, fault):
            return
        if fault.kind == "transient":
            raise TransientError("injected transient fault", stage=stage)
        if fault.kind == "permanent":
            raise PermanentError("injected permanent fault", stage=stage)
        raise FunctionTimedOutError(timeout_s)

    def after(self, stage: str, output: Any) -> Any:
        fault = self.stages.get(stage)
        if fault is not None and fault.kind == "malformed" and self._due(stage, fault):
            return dict(MALFORMED_OUTPUT)
        return output

    def store_call(self) -> None:
        if self.store is not None and self._due(STORE, self.store):
            raise TransientError("injected fault: the store is unavailable")


class UnavailableStore:
    """The store port, failing as the plan says before each call."""

    def __init__(self, store: Any, plan: FaultPlan) -> None:
        self._store = store
        self._plan = plan

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._store, name)
        if not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            self._plan.store_call()
            return attribute(*args, **kwargs)

        return call


def _count(part: str, text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise ConfigurationError(f"FAMILYPLUS_FAULTS: {part!r}: the count must be a positive integer")
    return int(text)
