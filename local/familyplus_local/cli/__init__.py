"""`familyplus`: run the pipeline locally and operate it like the Step Functions console.

familyplus run --text "…" | --text-file F | --audio FILE [--family ID] [--prompt "…"] [--podcast]
familyplus podcast STORY_ID|RESPONSE_ID | story RESPONSE_ID
familyplus executions list [--status FAILED] [--since 24h] [--workflow …] [--aws] | executions show ID
familyplus redrive ID | redrive --status FAILED --since 24h [--dry-run] [--aws] | stop ID [--aws]
familyplus tasks [--aws] | console [--aws] | executions list --response ID --family ID --json
familyplus serve | batch FILE.jsonl [--distributed | --aws] | families add/list
familyplus schedule run daily-quote [--at …] | schedule run daily-podcasts [--limit N]
familyplus search "query" | reembed [--family ID]
familyplus demo
"""

from __future__ import annotations

import sys

import typer

from familyplus.settings import SEED_ENV_FILE, env_file
from familyplus_local.cli import batch, console, executions, run, schedule, serve

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
# Registered in this order, which is the order `familyplus --help` lists them in.
app.add_typer(executions.executions_app, name="executions")
app.command()(run.run)
app.command()(run.podcast)
app.command()(executions.redrive)
app.command()(executions.stop)
app.command()(executions.tasks)
app.command()(serve.serve)
app.command()(batch.batch)
app.add_typer(schedule.schedule_app, name="schedule")
app.add_typer(schedule.families_app, name="families")
app.command("console")(console.console_command)
app.command()(run.search)
app.command()(run.reembed)
app.command()(run.story)
app.command()(run.demo)


def main() -> None:
    found = env_file()
    if found is not None and found.name == SEED_ENV_FILE:
        # The seed kept its local variables in .dev.vars: read them, and say so (a .env would win).
        print(f"note: no .env here, reading {SEED_ENV_FILE} (the seed's variables file)", file=sys.stderr)
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
