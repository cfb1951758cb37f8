"""Conformance tests for the JSONata query language and workflow variables, each quoting the rule it checks from
the AWS Step Functions developer guide's pages "Transforming data with JSONata in Step Functions" and "Passing data
between states with variables"."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from familyplus_local.executor import (
    DefinitionError,
    DirectoryObjectStore,
    TaskError,
    load_definition,
    redrive_execution,
)
from tests.unit.executor.support import LAMBDA_ARN, Functions, chain, run

JSONATA = {"QueryLanguage": "JSONata"}


def jtask(function: str, **fields: Any) -> dict[str, Any]:
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        **fields,
        "Arguments": {"FunctionName": LAMBDA_ARN + function, "Payload": fields.get("Arguments", "{% $states.input %}")},
    }


def test_arguments_and_output_replace_the_five_jsonpath_fields() -> None:
    # Guide: "your workflow fields will be reduced from five JSONPath fields (InputPath, Parameters,
    # ResultSelector, ResultPath, and OutputPath) to only two fields: Arguments and Output."
    functions = Functions(greet=lambda event: {"text": f"Hello, {event['name']}"})
    definition = chain(
        (
            "Greet",
            {
                **jtask("greet", Arguments={"name": "{% $states.input.who %}"}),
                "Output": {"greeting": "{% $states.result.Payload.text %}", "static": "$not.evaluated"},
            },
        ),
        **JSONATA,
    )
    execution = run(definition, {"who": "Ada"}, invoke=functions)
    assert execution.status == "SUCCEEDED", execution.cause
    assert functions.payloads("greet") == [{"name": "Ada"}]
    assert execution.output == {"greeting": "Hello, Ada", "static": "$not.evaluated"}


def test_default_output_is_the_result_and_states_context_is_the_context_object() -> None:
    # Guide: Output defaults to $states.result (Task) / $states.input (Pass); $states.context is the Context object.
    definition = chain(
        (
            "Read",
            {"Type": "Pass", "Output": {"name": "{% $states.context.Execution.Name %}", "in": "{% $states.input %}"}},
        ),
        ("Same", {"Type": "Pass"}),
        **JSONATA,
    )
    execution = run(definition, {"a": 1}, name="exec-7")
    assert execution.output == {"name": "exec-7", "in": {"a": 1}}


def test_a_state_can_opt_into_jsonata_in_a_jsonpath_machine_but_not_back() -> None:
    # Guide: QueryLanguage at the top level or per state; a JSONata state machine's states cannot use JSONPath.
    mixed = chain(
        ("A", {"Type": "Pass", "Parameters": {"x": 1}}),
        ("B", {"Type": "Pass", "QueryLanguage": "JSONata", "Output": "{% $states.input.x + 1 %}"}),
    )
    assert run(mixed).output == 2
    with pytest.raises(DefinitionError) as refused:
        load_definition(chain(("A", {"Type": "Pass", "QueryLanguage": "JSONPath"}), **JSONATA))
    assert refused.value.problems[0].pointer == "/States/A/QueryLanguage"


@pytest.mark.parametrize("field", ["InputPath", "Parameters", "ResultSelector", "ResultPath", "OutputPath"])
def test_jsonpath_fields_are_refused_in_a_jsonata_state_with_their_pointer(field: str) -> None:
    # Guide: JSONata states "do not have Parameters" (nor the other JSONPath fields); AWS refuses them.
    state = {"Type": "Task", "Resource": LAMBDA_ARN + "f", field: "$" if field.endswith("Path") else {}}
    with pytest.raises(DefinitionError) as refused:
        load_definition(chain(("Call", state), **JSONATA))
    assert [p.pointer for p in refused.value.problems] == [f"/States/Call/{field}"]
    assert "is a JSONPath field" in str(refused.value)


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        ("{% $.a %}", "uses $ at the top level"),
        ("{% $$.a %}", "uses $$ at the top level"),
        ("{% $eval('1') %}", "$eval"),
        ("{% 1 + %}", "invalid JSONata"),
    ],
)
def test_invalid_expressions_are_refused_at_load(expression: str, problem: str) -> None:
    # Guide: "You cannot use $ or $$ at the top level"; "$eval is not available ... use $parse instead".
    with pytest.raises(DefinitionError) as refused:
        load_definition(chain(("P", {"Type": "Pass", "Output": {"v": expression}}), **JSONATA))
    assert refused.value.problems[0].pointer == "/States/P/Output/v"
    assert problem in str(refused.value)


def test_an_undefined_result_is_a_query_evaluation_error() -> None:
    # Guide: "Expressions must produce a defined value"; failures are States.QueryEvaluationError.
    execution = run(chain(("P", {"Type": "Pass", "Output": "{% $states.input.missing %}"}), **JSONATA), {})
    assert (execution.status, execution.error) == ("FAILED", "States.QueryEvaluationError")


def test_step_functions_jsonata_functions() -> None:
    # Guide, "JSONata functions provided by Step Functions": $partition, $range, $hash, $random, $uuid, $parse.
    output = {
        "parts": "{% $partition([1,2,3,4,5], 2) %}",
        "range": "{% $range(0, 10, 5) %}",
        "hash": "{% $hash('a', 'SHA-256') %}",
        "seeded": "{% $random(7) = $random(7) %}",
        "uuid": "{% $length($uuid()) %}",
        "parsed": "{% $parse('{\"k\": [1, null]}') %}",
    }
    result = run(chain(("P", {"Type": "Pass", "Output": output}), **JSONATA)).output
    assert result == {
        "parts": [[1, 2], [3, 4], [5]],
        "range": [0, 5, 10],
        "hash": "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb",
        "seeded": True,
        "uuid": 36,
        "parsed": {"k": [1, None]},
    }


def test_choice_conditions_and_rule_assign_and_output() -> None:
    # Guide: JSONata Choice rules use Condition ({% %} giving a boolean), with optional Assign and Output.
    definition = chain(
        (
            "Decide",
            {
                "Type": "Choice",
                "Choices": [
                    {
                        "Condition": "{% $states.input.n > 10 %}",
                        "Next": "Big",
                        "Assign": {"size": "big"},
                        "Output": {"n": "{% $states.input.n %}"},
                    }
                ],
                "Default": "Small",
                "Assign": {"size": "small"},
            },
        ),
        ("Big", {"Type": "Pass", "Output": {"n": "{% $states.input.n %}", "size": "{% $size %}"}, "End": True}),
        ("Small", {"Type": "Pass", "Output": {"size": "{% $size %}"}, "End": True}),
        **JSONATA,
    )
    assert run(definition, {"n": 11, "x": 0}).output == {"n": 11, "size": "big"}
    assert run(definition, {"n": 1}).output == {"size": "small"}


def test_assign_and_output_see_the_values_from_state_entry() -> None:
    # Guide (variables, evaluation): Step Functions evaluates Assign and Output together, so the Output of the
    # state that assigns a variable still sees its previous value; the new value is there from the next state.
    definition = chain(
        ("Init", {"Type": "Pass", "Assign": {"count": 1}}),
        ("Bump", {"Type": "Pass", "Assign": {"count": "{% $count + 1 %}"}, "Output": {"seen": "{% $count %}"}}),
        ("After", {"Type": "Pass", "Output": {"before": "{% $states.input.seen %}", "now": "{% $count %}"}}),
        **JSONATA,
    )
    execution = run(definition)
    assert execution.output == {"before": 1, "now": 2}
    exits = execution.events("PassStateExited")
    assert [e.variables for e in exits] == [{"count": 1}, {"count": 2}, None]  # assignedVariables in history


def test_variables_in_jsonpath_states() -> None:
    # Guide: in JSONPath states Assign uses `name.$` paths and `$name` reads a variable, e.g. "name.$": "$customerName".
    functions = Functions(echo=lambda event: event)
    definition = chain(
        ("Keep", {"Type": "Pass", "Parameters": {"who": "María"}, "Assign": {"customerName.$": "$.who", "n": 3}}),
        (
            "Call",
            {
                "Type": "Task",
                "Resource": LAMBDA_ARN + "echo",
                "Parameters": {
                    "name.$": "$customerName",
                    "not-evaluated": "$customerName",
                    "n.$": "States.MathAdd($n, 1)",
                },
            },
        ),
    )
    execution = run(definition, invoke=functions)
    assert execution.output == {"name": "María", "not-evaluated": "$customerName", "n": 4}


def test_inner_scopes_read_outer_variables_and_their_assignments_do_not_leak() -> None:
    # Guide (variable scope): states in a Parallel branch or Map iteration can read the variables of the outer
    # scope; variables assigned inside are not visible outside (return data with Output).
    definition = chain(
        ("Init", {"Type": "Pass", "Assign": {"base": 10}}),
        (
            "Each",
            {
                "Type": "Map",
                "Items": [1, 2],
                "ItemProcessor": {
                    "StartAt": "Add",
                    "States": {
                        "Add": {"Type": "Pass", "Assign": {"inner": "{% $states.input %}"}, "Next": "Use"},
                        "Use": {"Type": "Pass", "Output": "{% $base + $inner %}", "End": True},
                    },
                },
                "Assign": {"sums": "{% $states.result %}"},
            },
        ),
        ("After", {"Type": "Pass", "Output": {"sums": "{% $sums %}", "inner": "{% $exists($inner) %}"}}),
        **JSONATA,
    )
    execution = run(definition)
    assert execution.status == "SUCCEEDED", execution.cause
    assert execution.output == {"sums": [11, 12], "inner": False}


def test_an_inner_scope_cannot_assign_an_outer_variable() -> None:
    definition = chain(
        ("Init", {"Type": "Pass", "Assign": {"base": 10}}),
        (
            "Both",
            {
                "Type": "Parallel",
                "Branches": [{"StartAt": "W", "States": {"W": {"Type": "Pass", "Assign": {"base": 0}, "End": True}}}],
            },
        ),
        **JSONATA,
    )
    execution = run(definition)
    assert (execution.status, execution.error) == ("FAILED", "States.Runtime")
    assert "belongs to an outer scope" in (execution.cause or "")


def test_catch_assign_and_output_read_the_error_output() -> None:
    # Guide: in a Catch, $states.errorOutput is the error output; a catcher may have Assign and Output.
    functions = Functions(boom=[TaskError("Oops", "bad thing")])
    definition = chain(
        (
            "Call",
            {
                "Type": "Task",
                "Resource": LAMBDA_ARN + "boom",
                "Catch": [
                    {
                        "ErrorEquals": ["States.ALL"],
                        "Next": "Report",
                        "Assign": {"why": "{% $states.errorOutput.Cause %}"},
                        "Output": {"error": "{% $states.errorOutput.Error %}"},
                    }
                ],
            },
        ),
        ("Report", {"Type": "Pass", "Output": {"error": "{% $states.input.error %}", "why": "{% $why %}"}}),
        **JSONATA,
    )
    assert run(definition, invoke=functions).output == {"error": "Oops", "why": "bad thing"}


def test_redrive_restores_the_variables() -> None:
    # Guide (redrive): a redriven execution resumes from the failed state; the variables assigned before it
    # are what its expressions read.
    functions = Functions(flaky=[TaskError("Down"), {"ok": True}])
    definition = chain(
        ("Init", {"Type": "Pass", "Assign": {"who": "{% $states.input.who %}"}}),
        ("Call", {"Type": "Task", "Resource": LAMBDA_ARN + "flaky", "Output": {"who": "{% $who %}"}}),
        **JSONATA,
    )
    failed = run(definition, {"who": "Ada"}, invoke=functions)
    assert failed.status == "FAILED"
    redriven = redrive_execution(definition, failed, invoke=functions)
    assert (redriven.status, redriven.output) == ("SUCCEEDED", {"who": "Ada"})


def test_parallel_arguments_give_every_branch_its_input() -> None:
    # Guide: Arguments are the input of a Parallel state's branches; $states.result is the array of outputs.
    branch = {"StartAt": "B", "States": {"B": {"Type": "Pass", "Output": "{% $states.input.n * 2 %}", "End": True}}}
    definition = chain(
        (
            "Both",
            {
                "Type": "Parallel",
                "Arguments": {"n": "{% $states.input.x %}"},
                "Branches": [branch, branch],
                "Output": {"sum": "{% $sum($states.result) %}"},
            },
        ),
        **JSONATA,
    )
    assert run(definition, {"x": 3}).output == {"sum": 12}


def test_map_item_selector_reads_the_item_from_the_context() -> None:
    # Guide: in a JSONata Map, ItemSelector reads $states.input and $states.context.Map.Item.Value/Index.
    processor = {"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": True}}}
    definition = chain(
        (
            "Each",
            {
                "Type": "Map",
                "Items": "{% $states.input.rows %}",
                "MaxConcurrency": "{% $states.input.width %}",
                "ItemSelector": {
                    "value": "{% $states.context.Map.Item.Value %}",
                    "index": "{% $states.context.Map.Item.Index %}",
                    "tag": "{% $states.input.tag %}",
                },
                "ItemProcessor": processor,
            },
        ),
        **JSONATA,
    )
    assert run(definition, {"rows": ["a", "b"], "tag": "t", "width": 1}).output == [
        {"value": "a", "index": 0, "tag": "t"},
        {"value": "b", "index": 1, "tag": "t"},
    ]


def test_items_that_are_not_an_array_are_a_query_evaluation_error() -> None:
    processor = {"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": True}}}
    execution = run(
        chain(("Each", {"Type": "Map", "Items": "{% $states.input %}", "ItemProcessor": processor}), **JSONATA),
        {"a": 1},
    )
    assert (execution.status, execution.error) == ("FAILED", "States.QueryEvaluationError")


def test_wait_fail_and_timeout_take_expressions() -> None:
    # Guide: JSONata states take {% %} in Wait Seconds/Timestamp, Fail Error/Cause and Task TimeoutSeconds.
    functions = Functions(slow=lambda event: event)
    definition = chain(
        ("Nap", {"Type": "Wait", "Seconds": "{% $states.input.pause %}"}),
        ("Call", {"Type": "Task", "Resource": LAMBDA_ARN + "slow", "TimeoutSeconds": "{% $states.input.pause + 5 %}"}),
        (
            "Stop",
            {
                "Type": "Fail",
                "Error": "{% 'Stage.' & $states.input.stage %}",
                "Cause": "{% $string($states.input.pause) %}",
            },
        ),
        **JSONATA,
    )
    execution = run(definition, {"pause": 2, "stage": "Embed"}, invoke=functions)
    assert (execution.error, execution.cause) == ("Stage.Embed", "2")
    assert (execution.events("WaitStateExited")[0].timestamp - execution.start_date).total_seconds() == 2


def test_a_failed_expression_in_a_pass_is_recorded_as_evaluation_failed() -> None:
    # API reference (EvaluationFailedEventDetails): "an evaluation failure that occurred while processing a
    # state, for example, when a JSONata expression throws an error".
    execution = run(chain(("P", {"Type": "Pass", "Output": "{% $number('x') %}"}), **JSONATA))
    assert execution.error == "States.QueryEvaluationError"
    assert [e.type for e in execution.history][-2:] == ["EvaluationFailed", "ExecutionFailed"]


def test_distributed_map_children_do_not_see_the_parents_variables() -> None:
    # Guide (variable scope): a Distributed Map's child workflows cannot read the outer scope; pass values in
    # with ItemSelector.
    processor = {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
        "StartAt": "Read",
        "States": {
            "Read": {
                "Type": "Pass",
                "QueryLanguage": "JSONata",
                "Output": {"given": "{% $states.input.given %}", "seen": "{% $exists($secret) %}"},
                "End": True,
            }
        },
    }
    definition = chain(
        ("Init", {"Type": "Pass", "Assign": {"secret": 42}}),
        (
            "Fan",
            {"Type": "Map", "ItemsPath": "$.items", "ItemSelector": {"given.$": "$secret"}, "ItemProcessor": processor},
        ),
    )
    execution = run(definition, {"items": [1]})
    assert execution.status == "SUCCEEDED", execution.cause
    assert execution.output == [{"given": 42, "seen": False}]


def test_jsonpath_choice_rules_assign_and_unset_variables_fail_like_missing_paths() -> None:
    # Guide: Choice rules can Assign (JSONPath too); a reference to a variable that is not set fails the
    # execution with States.Runtime, like a path that selects nothing.
    definition = chain(
        (
            "Decide",
            {
                "Type": "Choice",
                "Choices": [{"Variable": "$.n", "NumericGreaterThan": 1, "Next": "Use", "Assign": {"picked.$": "$.n"}}],
                "Default": "Use",
            },
        ),
        ("Use", {"Type": "Pass", "Parameters": {"picked.$": "$picked"}}),
    )
    assert run(definition, {"n": 5}).output == {"picked": 5}
    missing = run(definition, {"n": 0})
    assert (missing.status, missing.error) == ("FAILED", "States.Runtime")


def test_a_jsonata_distributed_map_reads_batches_and_writes_with_arguments(tmp_path: Path) -> None:
    # Guide (Distributed Map with JSONata): ItemReader and ResultWriter take Arguments; MaxItems,
    # MaxItemsPerBatch and ToleratedFailureCount take a value or a {% %} expression; BatchInput is JSONata.
    store = DirectoryObjectStore(tmp_path)
    store.put_object("inbox", "rows.csv", b"id\n1\n2\n3\n")
    definition = chain(
        (
            "Fan",
            {
                "Type": "Map",
                "ItemReader": {
                    "Resource": "arn:aws:states:::s3:getObject",
                    "ReaderConfig": {"InputType": "CSV", "MaxItems": "{% $states.input.limit %}"},
                    "Arguments": {"Bucket": "inbox", "Key": "{% $states.input.key %}"},
                },
                "ItemBatcher": {"MaxItemsPerBatch": "{% 2 %}", "BatchInput": {"run": "{% $states.input.run %}"}},
                "ToleratedFailureCount": "{% 0 %}",
                "ResultWriter": {
                    "Resource": "arn:aws:states:::s3:putObject",
                    "Arguments": {"Bucket": "outbox", "Prefix": "runs"},
                },
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                    "StartAt": "Count",
                    "States": {
                        "Count": {
                            "Type": "Pass",
                            "Output": {
                                "n": "{% $count($states.input.Items) %}",
                                "run": "{% $states.input.BatchInput.run %}",
                            },
                            "End": True,
                        }
                    },
                },
                "Output": {"written": "{% $states.result.ResultWriterDetails.Bucket %}"},
            },
        ),
        **JSONATA,
    )
    execution = run(definition, {"limit": 3, "key": "rows.csv", "run": "r1"}, objects=store)
    assert execution.status == "SUCCEEDED", execution.cause
    assert execution.output == {"written": "outbox"}
    results = [
        json.loads(r["Output"]) for r in json.loads(next((tmp_path / "outbox").rglob("SUCCEEDED_0.json")).read_text())
    ]
    assert sorted(results, key=lambda r: -r["n"]) == [{"n": 2, "run": "r1"}, {"n": 1, "run": "r1"}]


def test_now_and_millis_follow_the_executions_clock() -> None:
    # JSONata's $now()/$millis() give the time of the evaluation; here that is the run's clock (virtual in tests).
    definition = chain(
        ("Nap", {"Type": "Wait", "Seconds": 90}),
        (
            "P",
            {
                "Type": "Pass",
                "Output": {"now": "{% $now() %}", "ms": "{% $millis() %}", "day": "{% $now('[Y0001]-[M01]-[D01]') %}"},
            },
        ),
        **JSONATA,
    )
    assert run(definition).output == {"now": "2024-01-01T00:01:30.000Z", "ms": 1704067290000, "day": "2024-01-01"}


def test_result_path_cannot_write_a_variable() -> None:
    # Guide: variables are set with Assign; ResultPath places a result in the state's output.
    with pytest.raises(DefinitionError) as refused:
        load_definition(chain(("P", {"Type": "Pass", "ResultPath": "$total"})))
    assert refused.value.problems[0].pointer == "/States/P/ResultPath"


# ---- variable size limits ----

KIB = 1024


def assigning(*assigns: dict[str, Any]) -> dict[str, Any]:
    return chain(*((f"Set{index}", {"Type": "Pass", "Assign": assign}) for index, assign in enumerate(assigns)))


def test_a_variable_or_an_assign_over_256_kib_is_data_limit_exceeded() -> None:
    # Guide ("Variable size limits"): a single variable is at most 256 KiB, and so are all the variables one
    # Assign field sets together; past a limit the state fails with States.DataLimitExceeded.
    one = run(assigning({"big": "x" * (256 * KIB)}), {})
    assert (one.status, one.error) == ("FAILED", "States.DataLimitExceeded")
    assert "'big'" in (one.cause or "")
    together = run(assigning({"a": "x" * (150 * KIB), "b": "y" * (150 * KIB)}), {})
    assert (together.status, together.error) == ("FAILED", "States.DataLimitExceeded")
    apart = run(assigning({"a": "x" * (150 * KIB)}, {"b": "y" * (150 * KIB)}), {})
    assert apart.status == "SUCCEEDED"


def test_an_execution_holds_at_most_10_mib_of_variables() -> None:
    # Guide ("Variable size limits"): the variables stored in one execution are at most 10 MiB together. A
    # variable assigned again counts once, with its new value.
    chunk = "x" * (250 * KIB)
    over = run(assigning(*({f"v{index}": chunk} for index in range(42))), {})
    assert (over.status, over.error) == ("FAILED", "States.DataLimitExceeded")
    assert "10 MiB" in (over.cause or "")
    assert [e.state for e in over.history if e.type == "PassStateExited"][-1] == "Set39"  # 40 x 250 KiB fit
    replaced = run(assigning(*({"v": chunk} for _ in range(42))), {})
    assert replaced.status == "SUCCEEDED"
