"""`familyplus`: run the pipeline locally and operate it like the Step Functions console.

    familyplus run --text "…" [--family ID] [--prompt "…"]
    familyplus executions list [--status FAILED] [--since 24h] [--workflow …] [--aws] | executions show ID
    familyplus redrive ID | redrive --status FAILED --since 24h [--dry-run] [--aws]
    familyplus serve | batch FILE.jsonl | schedule run daily-quote | families add/list
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

from familyplus_local import ops_cli
from familyplus_local.display import LiveProgress, console, history_table, print_story
from familyplus_local.executor import Execution
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


# Operations commands (issue 5) live in ops_cli: local database or, with --aws, Step Functions.
executions_app.command("list")(ops_cli.executions_list)
executions_app.command("show")(ops_cli.executions_show)
app.command()(ops_cli.redrive)
app.command()(ops_cli.serve)
app.command()(ops_cli.batch)
app.add_typer(ops_cli.schedule_app, name="schedule")
app.add_typer(ops_cli.families_app, name="families")


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
