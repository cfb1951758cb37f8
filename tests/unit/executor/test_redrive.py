"""Redrive: resume where the execution stopped, in the same Execution; the Catch → Fail rule; refusals."""

from __future__ import annotations

from typing import Any

import pytest

from familyplus_local.executor import (
    RedriveError,
    SqliteExecutionStore,
    TaskError,
    VirtualClock,
    execution_arn,
    redrive_execution,
)

from .support import START, Functions, chain, run, task


def pipeline(**call_fields: Any) -> dict[str, Any]:
    return chain(
        ("Prepare", {"Type": "Pass", "Parameters": {"id.$": "$.id", "step": "prepared"}}),
        (
            "Transcribe",
            task(
                "transcribe",
                ResultPath="$.transcript",
                Parameters={"id.$": "$.id", "redrives.$": "$$.Execution.RedriveCount"},
                **call_fields,
            ),
        ),
        ("Finish", {"Type": "Pass"}),
    )


def test_redrive_resumes_at_the_failed_state_with_its_input() -> None:
    # Given an execution that failed in Transcribe
    first = Functions(transcribe=[TaskError("PermanentError", "provider down")])
    execution = run(pipeline(), {"id": 1}, invoke=first, name="response-1")
    assert (execution.status, execution.error) == ("FAILED", "PermanentError")
    arn, events_before = execution.execution_arn, len(execution.history)

    # When it is redriven with a working provider
    second = Functions(transcribe=lambda p: {"text": f"hello {p['id']}", "redrives": p["redrives"]})
    result = redrive_execution(pipeline(), execution, invoke=second, clock=VirtualClock(START))

    # Then the same Execution succeeded, Prepare did not run again, Transcribe got the input it had
    assert result is execution
    assert (execution.status, execution.error, execution.cause) == ("SUCCEEDED", None, None)
    assert execution.execution_arn == arn and execution.name == "response-1"
    assert execution.redrive_count == 1
    assert execution.output == {"id": 1, "step": "prepared", "transcript": {"text": "hello 1", "redrives": 1}}
    assert [e.state for e in execution.history if e.type == "PassStateEntered"] == ["Prepare", "Finish"]
    redriven = execution.history[events_before]
    assert (redriven.type, redriven.state, redriven.input) == (
        "ExecutionRedriven",
        "Transcribe",
        {"id": 1, "step": "prepared"},
    )
    assert [e.id for e in execution.history] == list(range(1, len(execution.history) + 1))
    assert execution.attempts("Transcribe") == 2


def test_redrive_after_catch_to_fail_resumes_at_the_state_whose_error_was_caught() -> None:
    # Given the project's pattern: Catch States.ALL → MarkFailed → Fail
    definition = chain(
        ("Prepare", {"Type": "Pass", "Result": "p", "ResultPath": "$.prepared"}),
        (
            "Transcribe",
            task(
                "transcribe",
                ResultPath="$.transcript",
                Next="Done",
                Catch=[{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "MarkFailed"}],
            ),
        ),
        ("Done", {"Type": "Succeed"}),
        ("MarkFailed", task("mark_failed", ResultPath=None, Next="Failed")),
        ("Failed", {"Type": "Fail", "Error": "StageFailed", "Cause": "see the response row"}),
    )
    first = Functions(transcribe=[TaskError("PermanentError", "bad audio")], mark_failed=lambda p: None)
    execution = run(definition, {"id": 2}, invoke=first)
    assert (execution.status, execution.error) == ("FAILED", "StageFailed")

    second = Functions(transcribe=lambda p: "words")
    redrive_execution(definition, execution, invoke=second)

    assert execution.status == "SUCCEEDED"
    assert second.payloads("transcribe") == [{"id": 2, "prepared": "p"}]  # the input Transcribe had, no error key
    assert execution.output == {"id": 2, "prepared": "p", "transcript": "words"}
    assert execution.events("ExecutionRedriven")[0].state == "Transcribe"


def test_when_the_catch_handler_itself_failed_a_redrive_still_reprocesses_the_failed_work() -> None:
    # Given Catch → MarkFailed → Fail, and MarkFailed fails too (the store is down past its retries)
    definition = chain(
        (
            "Transcribe",
            task(
                "transcribe",
                ResultPath="$.transcript",
                Next="Done",
                Catch=[{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "MarkFailed"}],
            ),
        ),
        ("Done", {"Type": "Succeed"}),
        ("MarkFailed", task("mark_failed", ResultPath=None, Next="Failed")),
        ("Failed", {"Type": "Fail", "Error": "StageFailed"}),
    )
    down = Functions(transcribe=[TaskError("TransientError", "store down")], mark_failed=[TaskError("TransientError")])
    execution = run(definition, {"id": 3}, invoke=down)
    assert (execution.status, execution.error) == ("FAILED", "TransientError")

    # When it is redriven while the work still fails (MarkFailed now records it), and redriven again after
    still = Functions(transcribe=[TaskError("PermanentError", "still bad")], mark_failed=lambda p: None)
    redrive_execution(definition, execution, invoke=still)
    assert execution.events("ExecutionRedriven")[-1].state == "Transcribe"  # not MarkFailed
    assert (execution.status, execution.error) == ("FAILED", "StageFailed")
    fixed = Functions(transcribe=lambda p: "words")
    redrive_execution(definition, execution, invoke=fixed)

    # Then each redrive resumed at the work that failed, with its input, and the last one succeeded
    assert execution.events("ExecutionRedriven")[-1].state == "Transcribe"  # not the Fail state
    assert fixed.payloads("transcribe") == [{"id": 3}]
    assert (execution.status, execution.output) == ("SUCCEEDED", {"id": 3, "transcript": "words"})


def test_redrive_of_a_fail_state_not_reached_through_catch_resumes_at_the_fail_state() -> None:
    definition = chain(
        (
            "Check",
            {
                "Type": "Choice",
                "Choices": [{"Variable": "$.ok", "BooleanEquals": True, "Next": "Done"}],
                "Default": "Reject",
            },
        ),
        ("Done", {"Type": "Succeed"}),
        ("Reject", {"Type": "Fail", "Error": "Rejected"}),
    )
    execution = run(definition, {"ok": False})
    redrive_execution(definition, execution, invoke=Functions())
    assert (execution.status, execution.error, execution.redrive_count) == ("FAILED", "Rejected", 1)
    assert execution.events("ExecutionRedriven")[0].state == "Reject"


def test_redrive_of_timed_out_execution_restarts_its_timeout() -> None:
    clock = VirtualClock(START)
    definition = chain(("Slow", task("slow")), ("After", {"Type": "Pass"}), TimeoutSeconds=10)
    durations = [20, 5]

    def slow(_payload: object) -> str:
        clock.sleep(durations.pop(0))
        return "ok"

    invoke = Functions(slow=slow)
    execution = run(definition, {"a": 1}, invoke=invoke, clock=clock)
    assert execution.status == "TIMED_OUT"
    redrive_execution(definition, execution, invoke=invoke, clock=clock)
    assert (execution.status, execution.output) == ("SUCCEEDED", "ok")


def test_a_redriven_parallel_reruns_only_its_unsuccessful_branches() -> None:
    # Guide (redrive): "For Parallel and inline Map states, Step Functions reruns only the unsuccessful
    # branches/iterations"; the successful ones keep their output.
    definition = chain(
        (
            "Both",
            {
                "Type": "Parallel",
                "End": True,
                "Branches": [
                    {"StartAt": "A", "States": {"A": task("a", End=True)}},
                    {"StartAt": "B", "States": {"B": task("b", End=True)}},
                ],
            },
        )
    )
    functions = Functions(a=lambda p: "a", b=[TaskError("Flaky"), "b"])
    execution = run(definition, invoke=functions, max_workers=1)
    assert execution.status == "FAILED"
    redrive_execution(definition, execution, invoke=functions, max_workers=1)
    assert execution.output == ["a", "b"]
    assert len(functions.payloads("a")) == 1  # the successful branch was not run again


def test_a_redriven_inline_map_reruns_only_its_failed_iterations() -> None:
    processor = {"StartAt": "Work", "States": {"Work": task("work", End=True)}}
    definition = chain(("Each", {"Type": "Map", "ItemProcessor": processor}))
    outcomes = iter([None, TaskError("Flaky"), None, None])

    def work(item: int) -> int:
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return item * 10

    functions = Functions(work=work)
    execution = run(definition, [1, 2, 3], invoke=functions, max_workers=1)
    assert execution.status == "FAILED"
    redrive_execution(definition, execution, invoke=functions, max_workers=1)
    assert execution.output == [10, 20, 30]
    # item 1 is not run again; 2 failed and 3 never started (one worker stops at the first failure)
    assert functions.payloads("work") == [1, 2, 2, 3]


@pytest.mark.parametrize("status", ["SUCCEEDED", "RUNNING"])
def test_only_failed_timed_out_or_aborted_executions_can_be_redriven(status: str) -> None:
    execution = run(chain(("P", {"Type": "Pass"})))
    execution.status = status
    with pytest.raises(RedriveError, match=f"is {status}"):
        redrive_execution(chain(("P", {"Type": "Pass"})), execution, invoke=Functions())


def test_redrive_refuses_a_definition_without_the_state() -> None:
    execution = run(pipeline(), {"id": 1}, invoke=Functions(transcribe=[TaskError("E")]))
    with pytest.raises(RedriveError, match="Transcribe"):
        redrive_execution(chain(("Other", {"Type": "Pass"})), execution, invoke=Functions())


def test_interrupted_run_is_aborted_and_redrivable(tmp_path: Any) -> None:
    # Given a run interrupted (Ctrl-C) inside a task, persisted live
    store = SqliteExecutionStore(tmp_path / "sfn.db")
    arn = execution_arn("local", "resp-3")

    def interrupt(payload: Any) -> Any:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(pipeline(), {"id": 3}, invoke=Functions(transcribe=interrupt), name="resp-3", listener=store.listener(arn))
    aborted = store.get("resp-3")
    assert (aborted.status, aborted.error) == ("ABORTED", "KeyboardInterrupt")

    # When it is redriven from the store
    redrive_execution(pipeline(), aborted, invoke=Functions(transcribe=lambda p: "t"), listener=store.listener(arn))
    store.save(aborted)

    # Then the stored execution succeeded, with one history across both runs
    stored = store.get(arn)
    assert (stored.status, stored.redrive_count, stored.output["transcript"]) == ("SUCCEEDED", 1, "t")
    assert stored.to_dict() == aborted.to_dict()
