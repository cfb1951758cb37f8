"""Terminal rendering for the CLI (rich): the shared console and stories (executions: `terminal.py`)."""

from __future__ import annotations

from rich.console import Console

from familyplus.models.response import Quote, StoryRecord, ValueTag, WisdomItem

console = Console(highlight=False)


def print_story(story: StoryRecord, tags: list[ValueTag], wisdom: list[WisdomItem], quotes: list[Quote]) -> None:
    console.rule(f"[bold]{story.title}")
    console.print(f"[italic]{story.summary}[/]\n")
    console.print(story.narrative)
    console.print()
    console.print("[bold]Values:[/] " + ", ".join(f"{t.tag} ({t.score:.2f})" for t in tags))
    for item in wisdom:
        console.print(f"[bold]{item.kind.capitalize()}:[/] {item.text}")
    for quote in quotes:
        console.print(f"[bold]Quote:[/] “{quote.text}”")
    if story.podcast_key:
        console.print(f"[bold]Podcast:[/] {story.podcast_key} ({story.podcast_seconds or 0:.1f}s)")
