"""Scheduled jobs by hand (`schedule run daily-quote | daily-podcasts`, as EventBridge Scheduler would run
them) and the families that receive the daily quote (`families add | list`)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.table import Table

from familyplus.errors import FamilyplusError
from familyplus.models.quotes import DailyQuoteEvent, Family
from familyplus.settings import Settings
from familyplus.stages import deliver_daily_quotes
from familyplus_local.cli import common
from familyplus_local.cli.common import Verbose
from familyplus_local.display import console
from familyplus_local.terminal import LiveProgress, print_json

schedule_app = typer.Typer(no_args_is_help=True, help="Run a scheduled job by hand (as EventBridge Scheduler would).")
families_app = typer.Typer(no_args_is_help=True, help="Families that receive the daily quote.")


def _setting_maximum(name: str) -> int:
    """The upper bound a setting's field declares (`le=`), so an option can never allow more."""
    return next(int(m.le) for m in Settings.model_fields[name].metadata if getattr(m, "le", None) is not None)


JOBS = ("daily-quote", "daily-podcasts")


@schedule_app.command("run")
def schedule_run(
    job: Annotated[str, typer.Argument(help="daily-quote or daily-podcasts")],
    at: Annotated[
        str | None, typer.Option(help="daily-quote: pretend it is this instant (ISO 8601 with offset).")
    ] = None,
    family: Annotated[str | None, typer.Option(help="daily-quote: only this family.")] = None,
    limit: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=_setting_maximum("daily_podcast_limit"),
            help="daily-podcasts: at most this many stories this run (never above FAMILYPLUS_DAILY_PODCAST_LIMIT).",
        ),
    ] = None,
    verbose: Verbose = False,
) -> None:
    """Run a scheduled job once, now, as EventBridge Scheduler would: daily-quote through its Lambda handler's
    stage (or --at an instant), daily-podcasts as its workflow (podcasts for stories that have none)."""
    if job == "daily-podcasts":
        if at or family:
            raise common.fail("--at and --family apply to daily-quote only")
        _run_daily_podcasts(limit, verbose)
        return
    if job != "daily-quote":
        raise common.fail(f"unknown job {job!r}; known: {', '.join(JOBS)}")
    if limit is not None:
        raise common.fail("--limit applies to daily-podcasts only")
    try:
        event = DailyQuoteEvent.model_validate({"now": at, "familyId": family} if at else {"familyId": family})
    except ValidationError as exc:
        raise common.fail(f"--at/--family: {exc.errors()[0]['msg']}") from exc
    runner = common.runner()
    try:
        output = deliver_daily_quotes.deliver(event, runner.adapters)
    except FamilyplusError as exc:
        # The store or directory refused or failed the job as a whole (a wrong Supabase key answers 401): one
        # line naming it. Errors name the provider and the rule, never a family's words, so printing is safe.
        raise common.fail(f"daily-quote: {exc}") from exc
    console.print(
        f"daily-quote at {output.now}: {output.due} due, {output.sent} sent, {output.failed} failed "
        f"[dim](local hour {runner.settings.quote_send_hour:02d}:00 in each family's timezone; notifier "
        f"{runner.adapters.notifier.channel})[/]"
    )
    for r in output.results:
        console.print(f"  {r.family_id} {r.local_date}: {r.outcome} {r.error or ''}")
    if output.failed:
        raise typer.Exit(code=1)


def _run_daily_podcasts(limit: int | None, verbose: bool) -> None:
    runner = common.runner(verbose)
    payload: dict[str, Any] = {"now": datetime.now(UTC).isoformat()}  # what the schedule sends
    if limit is not None:
        payload["limit"] = limit
    console.print("[bold]▶ daily_podcasts[/] [dim](batch lane: the Map starts at most 2 generate_podcast at a time)[/]")
    with LiveProgress(console, verbose=verbose) as progress:
        execution = runner.start("daily_podcasts", payload, listener=progress)
    if execution.status != "SUCCEEDED" or not isinstance(execution.output, dict):
        console.print(f"[bold red]{execution.status}[/] {execution.error}: {execution.cause}")
        raise typer.Exit(code=1)
    out = execution.output
    console.print(
        f"daily-podcasts: {out['selected']} stories without a podcast selected (oldest first, limit "
        f"{out['limit']}): {out['succeeded']} podcasts made, {out['failed']} failed"
    )
    for story_id in out["failedStories"]:
        console.print(
            f"  [red]✗[/] {story_id} [dim](familyplus executions list --status FAILED --workflow generate_podcast)[/]"
        )
    console.print(f"execution: {execution.execution_arn}")
    if out["failed"]:
        raise typer.Exit(code=1)


@families_app.command("add")
def families_add(
    family_id: str,
    timezone: Annotated[str, typer.Option(help="IANA timezone, e.g. Europe/Berlin.")],
    recipient: Annotated[str, typer.Option(help="Phone number (E.164) for SMS, or any address for the outbox.")],
    inactive: Annotated[bool, typer.Option("--inactive", help="Stop sending to this family.")] = False,
) -> None:
    """Add or update a family that receives the daily quote."""
    try:
        family = Family(id=family_id, timezone=timezone, recipient=recipient, active=not inactive)
    except ValidationError as exc:
        raise common.fail("; ".join(f"{e['loc'][0]}: {e['msg']}" for e in exc.errors())) from exc
    common.runner().adapters.families.upsert_family(family)
    console.print(f"{family.id}: {family.timezone}, {family.recipient}, {'active' if family.active else 'inactive'}")


@families_app.command("list")
def families_list(as_json: common.Json = False) -> None:
    """Families and today's delivery status."""
    runner = common.runner()
    if as_json:
        print_json([family.model_dump(mode="json") for family in runner.adapters.families.list_families()])
        return
    table = Table(title="daily quote families", title_justify="left")
    for column in ("family", "timezone", "recipient", "active", "local now", "today"):
        table.add_column(column)
    now = datetime.now(UTC)
    for family in runner.adapters.families.list_families():
        from zoneinfo import ZoneInfo

        local = now.astimezone(ZoneInfo(family.timezone))
        today = runner.adapters.quote_ledger.get_delivery(family.id, date.fromisoformat(local.date().isoformat()))
        table.add_row(
            family.id,
            family.timezone,
            family.recipient,
            str(family.active),
            local.strftime("%H:%M"),
            today.status if today else "—",
        )
    console.print(table)
