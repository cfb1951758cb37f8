"""What the workflow benchmarks share: a local runtime in a throwaway data folder, the bundled samples as
execution inputs, a clock on every stage call, sleep-based provider fakes, and the seed's linear chain built
from our own definition.

Not a benchmark itself (the leading underscore keeps `make bench` from running it); the scripts beside it
import it as `_local_runs` (a script's own folder is first on `sys.path`).
"""

from __future__ import annotations

import copy
import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from familyplus import bootstrap
from familyplus.catalog import STAGES
from familyplus.models.audio import Transcript
from familyplus.settings import Settings
from familyplus_local.executor import Execution, StateMachine, load_definition
from familyplus_local.runtime.lambdas import function_name
from familyplus_local.runtime.runner import LocalRunner
from familyplus_local.runtime.workflows import load_workflow, samples_dir

PROCESS = "process_response"

# Typical latency of one provider call, seconds: ASSUMPTIONS for the simulated runs (not measured against the
# providers from here), chosen from the providers' usual behaviour for a ~400-word answer: Claude Haiku 4.5 on
# Bedrock streams roughly 100-150 output tokens a second after ~0.5 s to the first token, so a call's latency
# follows its output length (tags ~100 tokens, wisdom ~250, a story ~700, quotes ~150); one OpenAI embedding
# request of a few hundred tokens is a few hundred ms; Cartesia's batch ink-whisper returns a 3-minute
# recording in a few seconds.
EMBED_LATENCY_S = 0.3  # OpenAI text-embedding-3-small, one request
TAG_VALUES_LATENCY_S = 1.5  # Bedrock Claude Haiku 4.5, ~100 output tokens
EXTRACT_WISDOM_LATENCY_S = 2.5  # ~250 output tokens
WRITE_STORY_LATENCY_S = 6.0  # ~700 output tokens
EXTRACT_QUOTES_LATENCY_S = 2.0  # ~150 output tokens
TRANSCRIBE_LATENCY_S = 4.0  # Cartesia ink-whisper batch, one 3-minute recording

#: port name (bootstrap.Adapters attribute) -> (the method that calls the provider, its latency)
PORT_LATENCIES: dict[str, tuple[str, float]] = {
    "embedder": ("embed", EMBED_LATENCY_S),
    "tagger": ("tag", TAG_VALUES_LATENCY_S),
    "wisdom": ("extract", EXTRACT_WISDOM_LATENCY_S),
    "writer": ("write", WRITE_STORY_LATENCY_S),
    "quotes": ("propose", EXTRACT_QUOTES_LATENCY_S),
    "transcriber": ("transcribe", TRANSCRIBE_LATENCY_S),
}


class Delayed:
    """A port whose provider call (`method`) first sleeps `seconds`, as a remote provider would keep the stage
    waiting, then answers with `inner` (a cheap offline implementation, so the stage still stores real
    results). Every other attribute is `inner`'s."""

    def __init__(self, inner: Any, method: str, seconds: float) -> None:
        self._inner = inner
        self._method = method
        self._seconds = seconds

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._inner, name)
        if name != self._method:
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            time.sleep(self._seconds)
            return attribute(*args, **kwargs)

        return call


class SampleTranscriber:
    """Transcriber port for the simulated runs: the bundled recording's reference transcript (its `.txt`),
    so that no CPU goes to Whisper while the provider's latency is what is being measured."""

    def __init__(self, text: str, duration: float) -> None:
        self.text = text
        self.duration = duration

    def transcribe(self, audio_path: Path, *, language: str | None) -> Transcript:
        return Transcript(text=self.text, language=language or "en", duration=self.duration)


def simulated_providers(latencies: dict[str, tuple[str, float]] = PORT_LATENCIES) -> dict[str, Any]:
    """Port overrides for `bootstrap.build`: sleep-based fakes in front of the cheap offline algorithms (the
    hashing embedder, the lexicon tagger, the advice detector; the extractive writer and sentence scorer)."""
    from familyplus.adapters.local.advice_wisdom import AdviceWisdomExtractor
    from familyplus.adapters.local.extractive_writer import ExtractiveStoryWriter
    from familyplus.adapters.local.hashing_embedder import HashingEmbedder
    from familyplus.adapters.local.lexicon_tagger import LexiconValueTagger
    from familyplus.adapters.local.sentence_quotes import SentenceQuoteProposer

    text = (samples_dir() / "audio" / "first_job.txt").read_text(encoding="utf-8").strip()
    inner: dict[str, Any] = {
        "embedder": HashingEmbedder(),
        "tagger": LexiconValueTagger(),
        "wisdom": AdviceWisdomExtractor(),
        "writer": ExtractiveStoryWriter(),
        "quotes": SentenceQuoteProposer(),
        "transcriber": SampleTranscriber(text, duration=180.0),
    }
    return {port: Delayed(inner[port], method, seconds) for port, (method, seconds) in latencies.items()}


@dataclass
class StageClock:
    """Wraps `LocalLambda.invoke` (the one door from the executor into a handler) and records every call's
    interval, so that time inside the stages can be told from time spent around them."""

    calls: list[tuple[str, float, float]] = field(default_factory=list)  # (stage, start, end), perf_counter
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def install(self, runner: LocalRunner) -> None:
        inner = runner.lambdas.invoke
        names = {function_name(spec): spec.name for spec in STAGES}

        def timed(arn: str, payload: Any) -> Any:
            started = time.perf_counter()
            try:
                return inner(arn, payload)
            finally:
                ended = time.perf_counter()
                with self._lock:
                    self.calls.append((names.get(arn.rsplit(":", 1)[-1], arn), started, ended))

        runner.lambdas.invoke = timed  # type: ignore[method-assign]

    def between(self, start: float, end: float) -> list[tuple[str, float, float]]:
        with self._lock:
            return [c for c in self.calls if c[1] >= start and c[2] <= end]


@dataclass
class PersistClock:
    """Wraps the execution store's live history writer: seconds spent persisting events (SQLite), the part of
    orchestration that is the runtime's rather than the executor's."""

    seconds: float = 0.0
    events: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def install(self, runner: LocalRunner) -> None:
        make = runner.executions.listener

        def listener(arn: str, lease: Any) -> Callable[[Any], None]:
            persist = make(arn, lease)

            def timed(event: Any) -> None:
                started = time.perf_counter()
                try:
                    persist(event)
                finally:
                    with self._lock:
                        self.seconds += time.perf_counter() - started
                        self.events += 1

            return timed

        runner.executions.listener = listener  # type: ignore[method-assign]


def covered(intervals: Sequence[tuple[float, float]]) -> float:
    """Seconds covered by at least one interval (Parallel branches overlap: their union, not their sum)."""
    total, reach = 0.0, float("-inf")
    for start, end in sorted(intervals):
        if end <= reach:
            continue
        total += end - max(start, reach)
        reach = end
    return total


def transitions(execution: Execution) -> int:
    """State transitions as Step Functions bills them: one per state entered, nested states included; a
    retried attempt is billed again (its TaskScheduled after the first)."""
    entered = sum(1 for e in execution.history if e.type.endswith("StateEntered"))
    retried = sum(1 for e in execution.history if e.type == "TaskScheduled" and e.attempt > 0)
    return entered + retried


@contextmanager
def local_runner(**overrides: Any) -> Iterator[LocalRunner]:
    """A LocalRunner over a fresh data folder (its own SQLite database and media), the local profile's adapters
    with `overrides` in place of named ports. The Whisper model is assembled in the folder on first use."""
    with TemporaryDirectory(prefix="familyplus-bench-") as folder:
        settings = Settings(profile="local", data_dir=Path(folder))
        yield LocalRunner(settings, adapters=bootstrap.build(settings, **overrides))


def text_inputs() -> list[dict[str, Any]]:
    """The bundled typed answers as process_response inputs (`responseId` to be made unique by the caller)."""
    samples: list[dict[str, Any]] = json.loads((samples_dir() / "text_responses.json").read_text(encoding="utf-8"))
    return samples


def eval_inputs() -> list[dict[str, Any]]:
    """The 47 distinct answers of evals/answers.json as typed process_response inputs: distinct words, so that no
    execution is helped by what the embedder cached of an earlier one's sentences."""
    path = samples_dir().parent / "evals" / "answers.json"
    answers: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["answers"]
    return [
        {
            "responseId": a["id"],
            "familyId": "family-bench",
            "mediaType": "text",
            "prompt": a["prompt"],
            "text": a["text"],
        }
        for a in answers
    ]


def audio_input(runner: LocalRunner, response_id: str) -> dict[str, Any]:
    """The bundled recording uploaded into the runner's media store, as a process_response input."""
    key = f"uploads/{response_id}/recording.ogg"
    runner.adapters.media.put(key, samples_dir() / "audio" / "first_job.ogg")
    return {"responseId": response_id, "familyId": "family-bench", "mediaType": "audio", "audioKey": key}


def with_id(payload: dict[str, Any], response_id: str) -> dict[str, Any]:
    return {**payload, "responseId": response_id, "podcast": False}


def run_one(runner: LocalRunner, payload: dict[str, Any], workflow: str = PROCESS) -> tuple[Execution, float]:
    started = time.perf_counter()
    execution = runner.start(workflow, payload, name=f"bench-{payload['responseId']}")
    elapsed = time.perf_counter() - started
    if execution.status != "SUCCEEDED":
        raise RuntimeError(f"{payload['responseId']}: {execution.status} {execution.error}: {execution.cause}")
    return execution, elapsed


def linear_chain(document: dict[str, Any]) -> dict[str, Any]:
    """The seed's shape from our own definition: every Parallel state replaced by its branches' states one after
    another (same Task states, same Retry, the Parallel's Catch on each), as the Trigger.dev pipeline chained
    transcribe → embed → tag → wisdom → story → quotes. Each branch state's result goes to its own field under
    the Parallel's ResultPath, so nothing downstream loses what it reads."""
    chain = copy.deepcopy(document)
    states: dict[str, Any] = chain["States"]
    for name, state in list(states.items()):
        if state["Type"] != "Parallel":
            continue
        steps: list[tuple[str, dict[str, Any]]] = []
        for branch in state["Branches"]:
            name_in_branch = branch["StartAt"]
            while True:
                step = copy.deepcopy(branch["States"][name_in_branch])
                if step["Type"] != "Task":
                    raise ValueError(f"{name}: only Task states in branches are chained (found {step['Type']})")
                steps.append((name_in_branch, step))
                if step.get("End"):
                    break
                name_in_branch = step["Next"]
        base = state.get("ResultPath", "$")
        for i, (step_name, step) in enumerate(steps):
            step.pop("End", None)
            step["ResultPath"] = f"{base}.{step_name[0].lower()}{step_name[1:]}"
            if "Catch" in state:
                step["Catch"] = copy.deepcopy(state["Catch"])
            step["Next"] = steps[i + 1][0] if i + 1 < len(steps) else state["Next"]
        del states[name]
        for step_name, step in steps:
            states[step_name] = step
        for other in states.values():  # whatever went to the Parallel goes to the chain's first step
            if other.get("Next") == name:
                other["Next"] = steps[0][0]
            for choice in other.get("Choices", []):
                if choice.get("Next") == name:
                    choice["Next"] = steps[0][0]
            if other.get("Default") == name:
                other["Default"] = steps[0][0]
        if chain["StartAt"] == name:
            chain["StartAt"] = steps[0][0]
    return chain


def use_definition(runner: LocalRunner, workflow: str, document: dict[str, Any]) -> None:
    """Make `runner` run `document` (already substituted) for `workflow`, e.g. the linear chain."""
    machine: StateMachine = load_definition(document)
    runner.workflows.definition = _fixed(runner.workflows.definition, workflow, machine)  # type: ignore[method-assign]


def _fixed(
    original: Callable[[str], StateMachine], workflow: str, machine: StateMachine
) -> Callable[[str], StateMachine]:
    return lambda name: machine if name == workflow else original(name)


def process_response_document(runner: LocalRunner) -> dict[str, Any]:
    return load_workflow(PROCESS, runner.workflows.values)
