"""Every stage of the text workflow through every fault of the profile (FAMILYPLUS_FAULTS), in virtual time.

For each (stage, fault): the retries are exactly the configured policy (3 attempts for TransientError, 1 for
anything else); a failure is recorded on the response row (status failed, the failing stage) by the Catch;
once the fault clears, a redrive completes; and what is stored afterwards equals a fault-free run — nothing
lost, nothing duplicated.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from familyplus.catalog import pascal
from familyplus.errors import ConfigurationError
from familyplus.faults import FaultPlan
from tests.reliability import counts
from tests.reliability.support import PROCESS, runner_for, stored
from tests.support import response

STAGES = [
    "accept_response",
    "embed",
    "tag_values",
    "extract_wisdom",
    "write_story",
    "extract_quotes",
    "complete_response",
]
FAULTS = ["transient:2", "transient:3", "permanent", "hang", "malformed"]
PAYLOAD = response("f-1")


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    runner = runner_for(tmp_path_factory.mktemp("baseline"))
    assert runner.start(PROCESS, PAYLOAD, name="response-f-1").status == "SUCCEEDED"
    return stored(runner, "f-1")


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("stage", STAGES)
def test_each_stage_through_each_fault_then_redrive(
    tmp_path: Path, baseline: dict[str, Any], stage: str, fault: str
) -> None:
    runner = runner_for(tmp_path, faults=f"{stage}={fault}")
    state = pascal(stage)

    execution = runner.start(PROCESS, PAYLOAD, name="response-f-1")
    injected = sum(runner.lambdas.faults.injected.values())
    counts.add("faults injected", injected)
    counts.add("fault runs (stage x fault)")
    assert injected >= 1

    if fault == "transient:2":  # within the retry policy: absorbed
        assert execution.status == "SUCCEEDED"
        assert execution.attempts(state) == 3
        assert stored(runner, "f-1") == baseline
        return
    assert execution.status == "FAILED"
    assert execution.attempts(state) == (3 if fault.startswith("transient") else 1)
    row = runner.adapters.store.get_response("f-1")
    assert row.status == "failed"
    if fault == "hang":  # Lambda's timeout names no stage: the row keeps the stage it had reached
        assert (row.error or "").startswith("Sandbox.Timedout: Task timed out after")
    elif fault != "malformed":
        assert row.stage == stage, (row.stage, row.error)
    if fault == "malformed":
        # The next state cannot read the result: States.Runtime, which no Catch on States.ALL catches (AWS
        # semantics). The runner records the uncaught end on the row as MarkFailed would have.
        assert execution.error == "States.Runtime" and "States.Runtime" in (row.error or "")
    else:
        assert execution.events("TaskStateEntered", "MarkFailed")  # the Catch recorded it

    runner.lambdas.faults = FaultPlan()  # the fault clears
    redriven = runner.redrive("response-f-1")
    assert redriven.status == "SUCCEEDED", (redriven.error, redriven.cause)
    assert stored(runner, "f-1") == baseline  # no loss, no duplicates
    counts.add("redrives after a fault")


@pytest.mark.parametrize("times", [2, 3, 6])
def test_the_store_unavailable(tmp_path: Path, baseline: dict[str, Any], times: int) -> None:
    runner = runner_for(tmp_path, faults=f"store=unavailable:{times}")
    execution = runner.start(PROCESS, PAYLOAD, name="response-f-1")
    counts.add("faults injected", sum(runner.lambdas.faults.injected.values()))
    counts.add("fault runs (stage x fault)")
    if times <= 2:
        assert execution.status == "SUCCEEDED"
    else:  # down past AcceptResponse's three attempts (and, at 6, past MarkFailed's too)
        assert execution.status == "FAILED"
        runner.lambdas.faults = FaultPlan()
        assert runner.redrive("response-f-1").status == "SUCCEEDED"
        counts.add("redrives after a fault")
    assert stored(runner, "f-1") == baseline


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tag_values", "is not stage=kind"),
        ("nothing=transient", "no stage named"),
        ("embed=flaky", "kind must be one of"),
        ("embed=permanent:2", "only transient takes a count"),
        ("embed=transient:0", "positive integer"),
        ("store=permanent", "unavailable"),
    ],
)
def test_a_bad_fault_plan_is_refused_naming_the_part(text: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        FaultPlan.parse(text)
