"""Property-based fuzzing (hypothesis, bounded, no deadline): malformed input only ever gets a PermanentError (or
TransientError) from a handler, a FAILED execution recorded by the Catch, a 4xx from the intake or a reported
batch line — never another exception, never a 500, and a refused event writes nothing."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from familyplus.catalog import STAGES
from familyplus.errors import FamilyplusError, PermanentError
from familyplus_local.ops.batch.lines import LineResult, parse_lines
from familyplus_local.runtime.lambdas import function_arn
from familyplus_local.runtime.runner import LocalRunner
from familyplus_local.serve import create_app
from tests.reliability import counts
from tests.reliability.support import PROCESS, runner_for
from tests.support import response

BOUNDED = settings(
    max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
_FIELDS = [
    "responseId",
    "familyId",
    "storyId",
    "mediaType",
    "text",
    "audioKey",
    "prompt",
    "podcast",
    "chunks",
    "index",
    "key",
    "input",
    "error",
    "cause",
    "segments",
    "now",
    "limit",
    "offsetSeconds",
]
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
    st.sampled_from(["r-1", "f1", "story-r-1", "text", "audio", "../../etc/passwd", "https://169.254.169.254/", ""]),
)
JSON = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(_FIELDS), inner, max_size=6)),
    max_leaves=12,
)
EVENTS = st.dictionaries(st.sampled_from(_FIELDS), JSON, max_size=8)


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalRunner]:
    built = runner_for(tmp_path_factory.mktemp("fuzz"))
    assert built.start(PROCESS, response("r-1"), name="response-r-1").status == "SUCCEEDED"
    yield built


def _data_version(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("PRAGMA data_version").fetchone()[0])


# Stages that only read, or whose every path to a write validates first: a refused event must change nothing.
_FUZZED = [spec for spec in STAGES if spec.name not in ("deliver_daily_quotes",)]


@pytest.mark.parametrize("spec", _FUZZED, ids=lambda s: s.name)
def test_every_handler_answers_malformed_events_with_a_named_permanent_error(runner: LocalRunner, spec: Any) -> None:
    monitor = sqlite3.connect(runner.settings.database_path)

    @BOUNDED
    @given(event=EVENTS)
    def check(event: dict[str, Any]) -> None:
        counts.add("fuzz examples")
        before = monitor.execute("PRAGMA data_version").fetchone()[0]
        try:
            runner.lambdas.invoke(function_arn(spec), json.loads(json.dumps(event)))
        except FamilyplusError as exc:
            assert str(exc).startswith(f"{spec.name}: ") or exc.stage, str(exc)
            if isinstance(exc, PermanentError) and "invalid input" in exc.message:
                assert monitor.execute("PRAGMA data_version").fetchone()[0] == before, "a refused event wrote"

    check()


@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    changes=st.dictionaries(
        st.sampled_from(["responseId", "familyId", "mediaType", "text", "audioKey", "prompt", "podcast"]),
        JSON,
        min_size=1,
        max_size=3,
    )
)
def test_malformed_workflow_inputs_fail_recorded_and_never_with_an_unexpected_error(
    runner: LocalRunner, changes: dict[str, Any]
) -> None:
    counts.add("fuzz examples")
    payload = {**response("fz"), **changes}
    execution = runner.start(PROCESS, payload)  # a fresh execution name each time
    counts.add("fuzzed executions")
    assert execution.status in ("SUCCEEDED", "FAILED")
    if execution.status == "FAILED":
        assert "unexpected" not in (execution.cause or ""), execution.cause
        assert execution.error in ("PermanentError", "TransientError", "States.Runtime"), execution.error


@pytest.fixture(scope="module")
def intake(runner: LocalRunner) -> Iterator[TestClient]:
    with TestClient(create_app(runner, workers=1, requests_per_minute=100_000)) as client:
        yield client


_BODY_FIELDS = ["familyId", "content", "mediaType", "promptId", "prompt", "responseId", "extra"]


@BOUNDED
@given(
    body=st.one_of(
        st.dictionaries(st.sampled_from(_BODY_FIELDS), JSON, max_size=7),
        JSON,
        st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
        st.sampled_from(['{"content": NaN}', '{"content": "\\ud800"}', "[", "{}" * 1000, '{"a":' * 500]),
    )
)
def test_the_intake_answers_any_body_with_202_or_a_4xx_never_500(intake: TestClient, body: Any) -> None:
    counts.add("fuzz examples")
    raw = body if isinstance(body, str) else json.dumps(body)
    answer = intake.post("/responses", content=raw, headers={"content-type": "application/json"})
    assert answer.status_code in (202, 409, 413, 422), (answer.status_code, answer.text[:200])


@settings(max_examples=100, deadline=None, derandomize=True)
@given(lines=st.lists(st.one_of(st.binary(max_size=80), JSON.map(lambda v: json.dumps(v).encode())), max_size=6))
def test_batch_lines_of_any_bytes_are_each_parsed_or_reported(lines: list[bytes]) -> None:
    import tempfile

    counts.add("fuzz examples")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "b.jsonl"
        path.write_bytes(b"\n".join(line.replace(b"\n", b" ") for line in lines))
        for number, item in parse_lines(path):
            assert number >= 1
            assert isinstance(item, dict) or (isinstance(item, LineResult) and item.reason)
