"""Input/output processing in AWS order, reference paths, and the context object `$$`."""

from __future__ import annotations

from typing import Any

from .support import Functions, chain, run, task


def test_processing_order_input_path_parameters_selector_result_path_output_path() -> None:
    # Given a Task using every processing field
    definition = chain(
        (
            "Double",
            task(
                "double",
                InputPath="$.in",
                Parameters={
                    "v.$": "$.value",
                    "const": 1,
                    "nested": {"state.$": "$$.State.Name"},
                    "list": [{"x.$": "$.value"}],
                },
                ResultSelector={"r.$": "$.doubled", "fixed": "yes"},
                ResultPath="$.in.result",
                OutputPath="$.in",
            ),
        ),
    )
    functions = Functions(double=lambda p: {"doubled": p["v"] * 2, "ignored": True})

    # When it runs
    execution = run(definition, {"in": {"value": 2}, "other": 1}, invoke=functions)

    # Then Parameters saw the InputPath-filtered input, ResultPath wrote into the *raw* input,
    # and OutputPath selected from that
    assert functions.payloads("double") == [{"v": 2, "const": 1, "nested": {"state": "Double"}, "list": [{"x": 2}]}]
    assert execution.status == "SUCCEEDED"
    assert execution.output == {"value": 2, "result": {"r": 4, "fixed": "yes"}}


def test_result_path_variants() -> None:
    def pass_with(result_path: Any) -> Any:
        state: dict[str, Any] = {"Type": "Pass", "Result": {"r": 1}}
        if result_path != "absent":
            state["ResultPath"] = result_path
        return run(chain(("P", state)), {"a": {"keep": True}}).output

    assert pass_with("absent") == {"r": 1}  # default $: the result replaces the input
    assert pass_with("$") == {"r": 1}
    assert pass_with(None) == {"a": {"keep": True}}  # null: discard the result
    assert pass_with("$.a.b.c") == {"a": {"keep": True, "b": {"c": {"r": 1}}}}  # creates objects
    assert pass_with("$['a']['x y']") == {"a": {"keep": True, "x y": {"r": 1}}}


def test_result_path_that_cannot_be_applied_is_a_result_path_match_failure() -> None:
    # Given a ResultPath through a string
    execution = run(chain(("P", {"Type": "Pass", "Result": 1, "ResultPath": "$.s.x"})), {"s": "text"})
    assert execution.status == "FAILED"
    assert execution.error == "States.ResultPathMatchFailure"
    assert "$.s.x" in (execution.cause or "")


def test_input_and_output_path_null_give_empty_object() -> None:
    definition = chain(
        ("A", {"Type": "Pass", "InputPath": None, "ResultPath": "$.seen"}),
        ("B", {"Type": "Pass", "OutputPath": None}),
    )
    execution = run(definition, {"x": 1})
    # A's result is its effective input ({}), written at $.seen
    assert execution.events("PassStateExited", "A")[0].output == {"x": 1, "seen": {}}
    assert execution.output == {}


def test_pass_parameters_and_result() -> None:
    definition = chain(
        ("Params", {"Type": "Pass", "Parameters": {"id.$": "$.id", "kind": "story"}, "ResultPath": "$.p"}),
        ("Result", {"Type": "Pass", "Result": {"static": [1, 2]}, "ResultPath": "$.r"}),
    )
    assert run(definition, {"id": 7}).output == {"id": 7, "p": {"id": 7, "kind": "story"}, "r": {"static": [1, 2]}}


def test_path_matching_nothing_in_parameters_or_input_path_fails_with_states_runtime() -> None:
    for state in (
        {"Type": "Pass", "Parameters": {"x.$": "$.missing"}},
        {"Type": "Pass", "InputPath": "$.missing"},
        {"Type": "Pass", "OutputPath": "$.missing"},
    ):
        execution = run(chain(("S", state)), {"present": 1})
        assert (execution.status, execution.error) == ("FAILED", "States.Runtime")
        assert "$.missing" in (execution.cause or "")


def test_indefinite_paths_select_lists() -> None:
    definition = chain(
        (
            "P",
            {
                "Type": "Pass",
                "Parameters": {
                    "names.$": "$.people[*].name",
                    "adults.$": "$.people[?(@.age >= 18)].name",
                    "first.$": "$.people[0].name",
                    "none.$": "$.people[?(@.age > 100)].name",
                },
            },
        )
    )
    people = [{"name": "Ada", "age": 36}, {"name": "Tim", "age": 9}]
    assert run(definition, {"people": people}).output == {
        "names": ["Ada", "Tim"],
        "adults": ["Ada"],
        "first": "Ada",
        "none": [],
    }


def test_context_object() -> None:
    # Given a Wait of 5 s, then a Pass that reads the whole context object
    definition = chain(
        ("Nap", {"Type": "Wait", "Seconds": 5}),
        (
            "Read",
            {
                "Type": "Pass",
                "Parameters": {
                    "id.$": "$$.Execution.Id",
                    "name.$": "$$.Execution.Name",
                    "input.$": "$$.Execution.Input",
                    "start.$": "$$.Execution.StartTime",
                    "redrives.$": "$$.Execution.RedriveCount",
                    "machine.$": "$$.StateMachine.Id",
                    "machineName.$": "$$.StateMachine.Name",
                    "state.$": "$$.State.Name",
                    "entered.$": "$$.State.EnteredTime",
                },
            },
        ),
    )
    execution = run(definition, {"k": "v"}, name="exec-1", state_machine_name="Pipeline")
    assert execution.output == {
        "id": "arn:aws:states:local:000000000000:execution:Pipeline:exec-1",
        "name": "exec-1",
        "input": {"k": "v"},
        "start": "2024-01-01T00:00:00.000Z",
        "redrives": 0,
        "machine": "arn:aws:states:local:000000000000:stateMachine:Pipeline",
        "machineName": "Pipeline",
        "state": "Read",
        "entered": "2024-01-01T00:00:05.000Z",
    }


def test_context_retry_count_follows_retries() -> None:
    functions = Functions(flaky=[TimeoutError("slow"), TimeoutError("slow"), {"ok": True}])
    definition = chain(
        (
            "Call",
            task(
                "flaky",
                Parameters={"retry.$": "$$.State.RetryCount"},
                Retry=[{"ErrorEquals": ["TimeoutError"], "MaxAttempts": 3}],
            ),
        )
    )
    execution = run(definition, invoke=functions)
    assert execution.status == "SUCCEEDED"
    assert functions.payloads("flaky") == [{"retry": 0}, {"retry": 1}, {"retry": 2}]


def test_input_is_copied_and_invoke_cannot_mutate_history() -> None:
    # Given an input the caller later mutates, and a function that mutates its payload in place
    data = {"items": [1]}

    def mutate(payload: Any) -> Any:
        payload["items"].append(99)
        return payload

    execution = run(chain(("M", task("mutate", ResultPath="$.result"))), data, invoke=Functions(mutate=mutate))
    data["items"].append(2)
    # Then the recorded inputs are unchanged
    assert execution.input == {"items": [1]}
    assert execution.history[1].input == {"items": [1]}
    assert execution.output == {"items": [1], "result": {"items": [1, 99]}}
