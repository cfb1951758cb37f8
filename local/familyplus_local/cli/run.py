"""Processing responses here: `run` (one typed answer or recording), `podcast`, `story`, `search` and `demo`
(the bundled samples end to end), and how a processed response is shown."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import TypeAdapter, ValidationError

from familyplus.errors import ExecutionAlreadyExistsError, NotFoundError
from familyplus.models.base import MAX_TEXT_CHARS, Id
from familyplus.models.keys import execution_name, story_id_for
from familyplus_local.cli import common
from familyplus_local.cli.common import Verbose
from familyplus_local.display import console, print_story
from familyplus_local.executor import Execution, InvalidNameError, SubjectBusyError
from familyplus_local.runtime.runner import LocalRunner
from familyplus_local.runtime.workflows import samples_dir
from familyplus_local.terminal import LiveProgress, execution_footer, history_table, print_json

PROCESS = "process_response"
_ID: TypeAdapter[str] = TypeAdapter(Id)


def process(runner: LocalRunner, payload: dict[str, Any], *, verbose: bool = False) -> Execution:
    """Run process_response on `payload`, named `response-<id>` (`-2`, `-3`, … when the response was processed
    before: a replay)."""
    response_id = str(payload.get("responseId", ""))
    console.print(f"[bold]▶ process_response[/] {response_id}")
    try:
        with LiveProgress(console, verbose=verbose) as progress:
            if not response_id:
                return runner.start(PROCESS, payload, listener=progress)
            return runner.start_new(PROCESS, payload, name=execution_name(response_id), listener=progress)
    except (SubjectBusyError, ExecutionAlreadyExistsError, InvalidNameError) as exc:  # refused before anything ran
        raise common.fail(str(exc)) from exc


def checked_id(option: str, value: str) -> str:
    """An id as the workflow input requires it, or a clean error naming the option and the rule."""
    try:
        return str(_ID.validate_python(value))
    except ValidationError:
        raise common.fail(
            f"{option} {value!r}: use 1-58 letters, digits, '_', '.' or '-', starting with a letter or digit"
        ) from None


def show_result(runner: LocalRunner, execution: Execution, *, verbose: bool = False) -> None:
    response_id = (execution.input or {}).get("responseId") if isinstance(execution.input, dict) else None
    if execution.status == "SUCCEEDED" and response_id:
        store = runner.adapters.store
        response = store.get_response(response_id)
        if response.media_type == "audio" and response.transcript:
            console.rule("[bold]transcript")
            console.print(response.transcript)
        story = store.get_story(story_id_for(response_id))
        print_story(
            story, store.list_value_tags(response_id), store.list_wisdom(response_id), store.list_quotes(story.id)
        )
        if story.podcast_key:
            # soft_wrap: a path is never broken across lines, so it can be copied
            console.print(f"[bold]Podcast MP3:[/] {podcast_path(runner, story.podcast_key)}", soft_wrap=True)
    else:
        console.print(execution_footer(execution, verbose=verbose) or f"[bold red]{execution.status}[/]")


def podcast_path(runner: LocalRunner, key: str) -> Path:
    local = runner.adapters.media.local_path(key)  # a file on this machine (local media store), or None (S3)
    return local.resolve() if local else Path(key)


def upload_recording(runner: LocalRunner, response_id: str, recording: Path) -> str:
    """Copy a recording into the local media store; its key becomes the response's `audioKey`."""
    if not recording.is_file():
        raise common.fail(f"--audio {recording}: no such file")
    suffix = "".join(ch for ch in recording.suffix.lower() if ch.isalnum() or ch == ".")[:8]
    key = f"uploads/{response_id}/recording{suffix}"
    runner.adapters.media.put(key, recording)
    return key


def run(
    text: Annotated[str | None, typer.Option(help="The answer's text.")] = None,
    text_file: Annotated[Path | None, typer.Option(help="Read the answer's text from this file.")] = None,
    audio: Annotated[Path | None, typer.Option(help="A recording of the answer (any format FFmpeg reads).")] = None,
    family: Annotated[str, typer.Option(help="Family id.")] = "family-local",
    prompt: Annotated[str | None, typer.Option(help="The prompt the family member answered.")] = None,
    response_id: Annotated[str | None, typer.Option(help="Response id (default: a new one).")] = None,
    podcast: Annotated[bool, typer.Option("--podcast", help="Also make a podcast episode of the story.")] = False,
    verbose: Verbose = False,
) -> None:
    """Process one response (text or recording) end to end and print its story."""
    if sum(x is not None for x in (text, text_file, audio)) != 1:
        raise common.fail("give exactly one of --text, --text-file or --audio")
    if text_file is not None:
        try:
            text = text_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise common.fail(f"cannot read --text-file {text_file}: {exc}") from exc
    if response_id is not None:
        response_id = checked_id("--response-id", response_id)
    family = checked_id("--family", family)
    runner = common.runner(verbose)
    payload: dict[str, Any] = {
        "responseId": response_id or f"r-{uuid.uuid4().hex[:12]}",
        "familyId": family,
        "mediaType": "text" if audio is None else "audio",
        "podcast": podcast,
    }
    if audio is not None:
        payload["audioKey"] = upload_recording(runner, payload["responseId"], audio)
    else:
        payload["text"] = text
    if prompt:
        payload["prompt"] = prompt
    execution = process(runner, payload, verbose=verbose)
    show_result(runner, execution, verbose=verbose)
    console.print(f"\nexecution: {execution.execution_arn}")
    if execution.status != "SUCCEEDED":
        raise typer.Exit(code=1)


def podcast(
    story_or_response: Annotated[str, typer.Argument(help="A story id (story-…) or the id of a processed response.")],
    verbose: Verbose = False,
) -> None:
    """Make (or remake) the podcast episode of a story: script, speech per segment, one MP3."""
    runner = common.runner(verbose)
    story_id = story_or_response if story_or_response.startswith("story-") else story_id_for(story_or_response)
    try:
        story = runner.adapters.store.get_story(story_id)
    except NotFoundError as exc:
        raise common.fail(str(exc)) from exc
    console.print(f"[bold]▶ generate_podcast[/] {story.id}")
    with LiveProgress(console, verbose=verbose) as progress:
        # named for its story (`-2`, … for a remake), so ops can find it — not a UUID
        execution = runner.start_new(
            "generate_podcast",
            {"storyId": story.id, "responseId": story.response_id, "familyId": story.family_id},
            name=f"podcast-{story.id}",
            listener=progress,
        )
    console.print(f"execution: {execution.name}", soft_wrap=True)
    if execution.status != "SUCCEEDED":
        console.print(execution_footer(execution, verbose=verbose) or f"[bold red]{execution.status}[/]")
        raise typer.Exit(code=1)
    story = runner.adapters.store.get_story(story.id)
    console.print(
        f"[bold]Podcast MP3:[/] {podcast_path(runner, story.podcast_key or '')} ({story.podcast_seconds or 0:.1f}s)",
        soft_wrap=True,
    )


def search(
    query: str,
    family: Annotated[str | None, typer.Option(help="Only this family's responses.")] = None,
    limit: int = 5,
    as_json: common.Json = False,
) -> None:
    """Search processed responses by meaning; each hit shows the sentence that matched."""
    from familyplus.search import search as search_responses

    runner = common.runner()
    hits = search_responses(query, runner.adapters, family_id=family, limit=limit)
    if as_json:
        print_json(
            [{"score": h.score, "responseId": h.response_id, "familyId": h.family_id, "matched": h.why} for h in hits]
        )
        return
    if not hits:
        console.print("no matching story (nothing processed yet? try `familyplus demo`)")
    for hit in hits:
        console.print(f"{hit.score:.3f}  {hit.response_id} [dim]({hit.family_id})[/]")
        console.print(f"       [dim]matched:[/] “{hit.why}”", soft_wrap=True)


def reembed(family: Annotated[str | None, typer.Option(help="Only this family's responses.")] = None) -> None:
    """Embed every stored response again with the current model (after a model change, so search sees them)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from familyplus_local.ops.reembed import reembed as reembed_responses

    runner = common.runner()
    columns = (TextColumn("re-embedding"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("re-embedding", total=None)
        done = reembed_responses(
            runner.adapters.store,
            runner.adapters.embedder,
            family_id=family,
            on_start=lambda total: progress.update(task, total=total),
            on_progress=lambda: progress.advance(task),
        )
    console.print(
        f"re-embedded {done.embedded} responses with {done.model}"
        + (f"; skipped {done.skipped} with no words yet (recordings not transcribed)" if done.skipped else "")
    )


def story(response_id: str, as_json: common.Json = False) -> None:
    """Print the story of a processed response."""
    runner = common.runner()
    store = runner.adapters.store
    try:
        record = store.get_story(story_id_for(response_id))
    except NotFoundError as exc:
        raise common.fail(str(exc)) from exc
    if as_json:
        print_json(
            {
                "story": record.model_dump(mode="json"),
                "tags": [t.model_dump(mode="json") for t in store.list_value_tags(response_id)],
                "wisdom": [w.model_dump(mode="json") for w in store.list_wisdom(response_id)],
                "quotes": [q.model_dump(mode="json") for q in store.list_quotes(record.id)],
            }
        )
        return
    print_story(
        record, store.list_value_tags(response_id), store.list_wisdom(response_id), store.list_quotes(record.id)
    )


def sample_responses() -> list[dict[str, Any]]:
    """The bundled samples: text answers, and one recording (with a podcast of its story)."""
    samples: list[dict[str, Any]] = json.loads((samples_dir() / "text_responses.json").read_text("utf-8"))
    return samples


SAMPLE_RECORDING = {
    "responseId": "sample-first-job-recording",
    "familyId": "family-okafor",
    "mediaType": "audio",
    "prompt": "Tell us about your first job",
    "podcast": True,
}


def demo(verbose: Verbose = False) -> None:
    """Process the bundled sample responses end to end, offline, and show the results."""
    runner = common.runner(verbose)
    console.print(f"[dim]local profile · database {runner.settings.database_path} · text cap {MAX_TEXT_CHARS}[/]")
    recording = dict(SAMPLE_RECORDING)
    recording["audioKey"] = upload_recording(
        runner, str(recording["responseId"]), samples_dir() / "audio" / "first_job.ogg"
    )
    failures = 0
    for sample in [*sample_responses(), recording]:
        execution = process(runner, sample)
        show_result(runner, execution)
        console.print(history_table(execution))
        failures += execution.status != "SUCCEEDED"
    podcasts = runner.executions.list(state_machine_name="generate_podcast", limit=1)
    if podcasts:
        console.print(history_table(podcasts[0]))
    # A paraphrase on purpose: the wedding story never says "marriage" or "ceremony".
    console.rule("[bold]search: “marriage ceremony”")
    search("marriage ceremony", family=None, limit=3)
    if failures:
        raise typer.Exit(code=1)
