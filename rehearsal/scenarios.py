"""The rehearsal's scenarios, each through the deployed definitions; each returns a one-line detail or raises
AssertionError naming what went wrong (ids, statuses, error types: never a family's words)."""

from __future__ import annotations

from collections.abc import Callable

from familyplus.client import start_processing
from rehearsal.stack import RehearsedStack

TEXT = "My grandmother taught me to bake bread every Sunday. She said patience makes the best loaf."


def _process_response(stack: RehearsedStack) -> str:
    return stack.deployment.state_machines[
        next(n for n in stack.deployment.state_machines if n.endswith("process-response"))
    ].arn


def text_response(stack: RehearsedStack) -> str:
    """The backend's call: `familyplus.client.start_processing` with a boto3 Step Functions client."""
    client = stack.aws.client("stepfunctions")
    arn = start_processing(
        "r-text-1", "fam-1", media_type="text", text=TEXT, state_machine_arn=_process_response(stack), client=client
    )
    run = stack.wait(arn)
    described = client.describe_execution(executionArn=arn)
    assert described["status"] == "SUCCEEDED", (
        f"{arn}: {described['status']} {described.get('error')} ({_cause(stack)})"
    )
    with stack.postgres.connect() as conn:
        row = conn.execute("select status from responses where id = 'r-text-1'").fetchone()
        stories = conn.execute("select count(*) from stories where response_id = 'r-text-1'").fetchone()
    assert row == ("completed",), f"response row is {row}"
    assert stories == (1,), f"{stories} stories"
    assert run.execution is not None
    return f"{arn.rsplit(':', 1)[-1]}: SUCCEEDED, row completed, 1 story"


def duplicate_start(stack: RehearsedStack) -> str:
    """The same response started again: the same execution ARN comes back, no second execution runs."""
    client = stack.aws.client("stepfunctions")
    before = len(stack.executions)
    arn = start_processing(
        "r-text-1", "fam-1", media_type="text", text=TEXT, state_machine_arn=_process_response(stack), client=client
    )
    assert arn.endswith(":response-r-text-1"), arn
    assert len(stack.executions) == before, "a second execution was started"
    return "ExecutionAlreadyExists answered; the existing ARN returned"


def _cause(stack: RehearsedStack) -> str:
    if not stack.failures:
        return "no function failed"
    last = stack.failures[-1]
    from rehearsal.report import classify

    return f"{last.function}: {classify(last.error or {})}"


SCENARIOS: dict[str, Callable[[RehearsedStack], str]] = {
    "text_response": text_response,
    "duplicate_start": duplicate_start,
}
