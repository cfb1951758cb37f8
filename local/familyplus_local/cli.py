"""`familyplus`: run the pipeline locally and operate it like the Step Functions console.

    familyplus run --text "…" [--family ID] [--prompt "…"]
    familyplus executions list | executions show ID
    familyplus redrive ID
    familyplus search "query"
    familyplus demo
"""

from __future__ import annotations

import json
import sys
import uuid
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import typer
from familyplus.errors import ConfigurationError, NotFoundError
from familyplus.models import MAX_TEXT_CHARS, story_id_for

from familyplus_local.display import LiveProgress, console, executions_table, history_table, print_story
from familyplus_local.executor import Execution, ExecutionNotFoundError, RedriveError
from familyplus_local.runner import LocalRunner

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
executions_app = typer.Typer(no_args_is_help=True, help="Inspect executions (like the Step Functions console).")
app.add_typer(executions_app, name="executions")

PROCESS = "process_response"
Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="Show the handlers' Powertools logs.")]


def _fail(message: str) -> typer.Exit:
    console.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code=2)


def _runner(verbose: bool = False) -> LocalRunner:
    try:
        return LocalRunner(verbose=verbose)
    except ConfigurationError as exc:
        raise _fail(str(exc)) from exc


def _free_name(runner: LocalRunner, response_id: str) -> str:
    """`response-<id>`, or `response-<id>-2`, … when this response was processed before (a replay)."""
    taken = {ex.name for ex in runner.executions.list(state_machine_name=PROCESS, limit=10_000)}
    name, n = f"response-{response_id}", 1
    while name in taken:
        n += 1
        name = f"response-{response_id}-{n}"
    return name


def process(runner: LocalRunner, payload: dict[str, Any]) -> Execution:
    response_id = str(payload.get("responseId", ""))
    console.print(f"[bold]▶ process_response[/] {response_id}")
    name = _free_name(runner, response_id) if response_id else None
    return runner.start(PROCESS, payload, name=name, listener=LiveProgress())


def show_result(runner: LocalRunner, execution: Execution) -> None:
    response_id = (execution.input or {}).get("responseId") if isinstance(execution.input, dict) else None
    if execution.status == "SUCCEEDED" and response_id:
        store = runner.adapters.store
        story = store.get_story(story_id_for(response_id))
        print_story(story, store.list_value_tags(response_id), store.list_wisdom(response_id),
                    store.list_quotes(story.id))
    else:
        console.print(f"[bold red]{execution.status}[/] {execution.error}: {execution.cause}")


@app.command()
def run(
    text: Annotated[str | None, typer.Option(help="The answer's text.")] = None,
    text_file: Annotated[Path | None, typer.Option(help="Read the answer's text from this file.")] = None,
    family: Annotated[str, typer.Option(help="Family id.")] = "family-local",
    prompt: Annotated[str | None, typer.Option(help="The prompt the family member answered.")] = None,
    response_id: Annotated[str | None, typer.Option(help="Response id (default: a new one).")] = None,
    verbose: Verbose = False,
) -> None:
    """Process one text response end to end and print its story."""
    if (text is None) == (text_file is None):
        raise _fail("give exactly one of --text or --text-file")
    if text_file is not None:
        try:
            text = text_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise _fail(f"cannot read --text-file {text_file}: {exc}") from exc
    payload: dict[str, Any] = {
        "responseId": response_id or f"r-{uuid.uuid4().hex[:12]}",
        "familyId": family,
        "mediaType": "text",
        "text": text,
    }
    if prompt:
        payload["prompt"] = prompt
    runner = _runner(verbose)
    execution = process(runner, payload)
    show_result(runner, execution)
    console.print(f"\nexecution: {execution.execution_arn}")
    if execution.status != "SUCCEEDED":
        raise typer.Exit(code=1)


@executions_app.command("list")
def executions_list(
    status: Annotated[str | None, typer.Option(help="SUCCEEDED, FAILED, TIMED_OUT, …")] = None,
    workflow: Annotated[str | None, typer.Option(help="Workflow name, e.g. process_response.")] = None,
    limit: int = 50,
) -> None:
    """List executions, newest first."""
    runner = _runner()
    console.print(executions_table(runner.executions.list(status=status, state_machine_name=workflow, limit=limit)))


@executions_app.command("show")
def executions_show(execution_id: Annotated[str, typer.Argument(help="Execution name or ARN.")]) -> None:
    """State by state: start, duration, attempts, errors."""
    runner = _runner()
    try:
        execution = runner.executions.get(execution_id)
    except ExecutionNotFoundError as exc:
        raise _fail(str(exc)) from exc
    console.print(history_table(execution))
    if execution.error:
        console.print(f"[red]{execution.error}[/]: {execution.cause}")
    console.print(f"input: {json.dumps(execution.input)[:400]}")


@app.command()
def redrive(
    execution_id: Annotated[str, typer.Argument(help="Execution name or ARN.")], verbose: Verbose = False
) -> None:
    """Resume a failed execution from the state that failed."""
    runner = _runner(verbose)
    try:
        execution = runner.redrive(execution_id, listener=LiveProgress())
    except (ExecutionNotFoundError, RedriveError) as exc:
        raise _fail(str(exc)) from exc
    show_result(runner, execution)
    if execution.status != "SUCCEEDED":
        raise typer.Exit(code=1)


@app.command()
def search(
    query: str,
    family: Annotated[str | None, typer.Option(help="Only this family's responses.")] = None,
    limit: int = 5,
) -> None:
    """Semantic search over processed responses."""
    runner = _runner()
    [vector] = runner.adapters.embedder.embed([query])
    hits = runner.adapters.store.search(vector, family_id=family, limit=limit)
    if not hits:
        console.print("no processed responses yet — try `familyplus demo`")
    for hit in hits:
        console.print(f"{hit.score:.3f}  {hit.response_id} [dim]({hit.family_id})[/]  {hit.snippet}…")


@app.command()
def story(response_id: str) -> None:
    """Print the story of a processed response."""
    runner = _runner()
    store = runner.adapters.store
    try:
        record = store.get_story(story_id_for(response_id))
    except NotFoundError as exc:
        raise _fail(str(exc)) from exc
    print_story(record, store.list_value_tags(response_id), store.list_wisdom(response_id),
                store.list_quotes(record.id))


def sample_responses() -> list[dict[str, Any]]:
    data = resources.files("familyplus_local.samples").joinpath("text_responses.json").read_text("utf-8")
    samples: list[dict[str, Any]] = json.loads(data)
    return samples


@app.command()
def demo(verbose: Verbose = False) -> None:
    """Process the bundled sample responses end to end, offline, and show the results."""
    runner = _runner(verbose)
    console.print(f"[dim]local profile · database {runner.settings.database_path} · text cap {MAX_TEXT_CHARS}[/]")
    failures = 0
    for sample in sample_responses():
        execution = process(runner, sample)
        show_result(runner, execution)
        console.print(history_table(execution))
        failures += execution.status != "SUCCEEDED"
    console.rule("[bold]search: “advice about hard work”")
    search("advice about hard work", family=None, limit=3)
    if failures:
        raise typer.Exit(code=1)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
