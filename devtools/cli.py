"""The development commands: the local Neo4j, its backups, the demo city and `hub up`.

`hub` adds them when this source tree is present; an installed hub has none of them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from config.settings import Settings, get_settings
from devtools import backup, demo_city, local_neo4j, working_day
from hub.cli import _driver, _fail, _serve, console, migrate, policy_load
from policies import MODEL_PATH, POLICY_PATH
from services.key_material import keyring

neo4j_app = typer.Typer(help="The local Neo4j Community server (no Docker needed).", no_args_is_help=True)


def add_commands(app: typer.Typer) -> None:
    app.add_typer(neo4j_app, name="neo4j")
    app.command("seed")(seed_command)
    app.command("up")(up)
    app.command("backup")(backup_command)
    app.command("restore")(restore_command)


def _local_server(settings: Settings) -> local_neo4j.LocalNeo4j:
    lib_dir = local_neo4j.fetch_distribution(settings.neo4j_cache_dir, settings.neo4j_version)
    return local_neo4j.LocalNeo4j(
        home=settings.neo4j_home,
        lib_dir=lib_dir,
        bolt_port=settings.neo4j_bolt_port,
        password=settings.neo4j_password.get_secret_value(),
        heap=settings.neo4j_heap,
        pagecache=settings.neo4j_pagecache,
    )


@neo4j_app.command("start")
def neo4j_start() -> None:
    """Fetch Neo4j through Maven (once), start it on 127.0.0.1 and wait until it answers."""
    settings = get_settings()
    try:
        status = _local_server(settings).start(timeout_seconds=settings.neo4j_start_timeout_seconds)
    except local_neo4j.Neo4jServerError as error:
        raise _fail(str(error)) from error
    console.print(f"Neo4j {settings.neo4j_version} {status.describe()}")


@neo4j_app.command("stop")
def neo4j_stop() -> None:
    """Stop the local Neo4j and wait until its JVM has exited."""
    settings = get_settings()
    status = _local_server(settings).stop()
    console.print(f"Neo4j {status.describe()}")


@neo4j_app.command("status")
def neo4j_status() -> None:
    """Say whether the local Neo4j is running; exits 3 when it is not."""
    settings = get_settings()
    status = _local_server(settings).status()
    console.print(f"Neo4j {status.describe()}")
    if not status.running:
        raise typer.Exit(code=3)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console,
    )


def seed_command(
    random_seed: Annotated[int, typer.Option("--seed", help="The generator's seed.")] = 7,
    county_families: Annotated[
        int, typer.Option("--county", help="Also load a county-scale graph of this many families.")
    ] = 0,
) -> None:
    """Load the demo city with a working day at its front door (and optionally a county-scale graph);
    loading again changes nothing."""
    settings = get_settings()
    # Record summaries are stored encrypted under the same keys the API reads them with.
    field_keys = keyring(settings)
    with _driver(settings) as driver:
        city = demo_city.demo_city(random_seed)
        with _progress() as progress:
            task = progress.add_task("demo city", total=city.size())
            demo_city.load(driver, [city], database=settings.neo4j_database,
                      on_progress=lambda n: progress.advance(task, n), sealer=field_keys)
        try:
            day = working_day.seed_working_day(settings, driver, city, seed=random_seed)
        except working_day.WorkingDayFailed as error:
            raise _fail(f"the working day could not be written: {error}") from error
        console.print("working day: already there" if day is None else (
            f"working day: {day.contacts} contacts, {day.consents} consents, {day.overrides} overrides,"
            f" {day.requests} requests to partners"
        ))
        if county_families > 0:
            with _progress() as progress:
                task = progress.add_task(f"county ({county_families} families)", total=None)
                demo_city.load(driver, demo_city.county(county_families), database=settings.neo4j_database,
                          on_progress=lambda n: progress.advance(task, n), sealer=field_keys)
    console.print("seeded")


def up() -> None:
    """Everything at once: fetch and start Neo4j, migrate, seed the demo city, serve the API."""
    settings = get_settings()
    local = _local_server(settings)
    started_here = False
    if not local.status().running:
        try:
            local.start(timeout_seconds=settings.neo4j_start_timeout_seconds)
        except local_neo4j.Neo4jServerError as error:
            raise _fail(str(error)) from error
        started_here = True
    console.print(f"Neo4j {local.status().describe()}")
    try:
        migrate(break_lock=False)
        policy_load(model=MODEL_PATH, rules=POLICY_PATH, loaded_by="hub up")
        seed_command(random_seed=7, county_families=0)
        _serve(settings)
    finally:
        if started_here:
            local.stop()
            console.print("Neo4j stopped")


def backup_command(
    to: Annotated[Path | None, typer.Option(
        help="A new folder for the dump and its manifest (default: a dated one under .cache/backups).",
    )] = None,
) -> None:
    """Dump the local Neo4j with a manifest of what reading it needs; Neo4j is stopped meanwhile."""
    settings = get_settings()
    folder = to or settings.neo4j_cache_dir.parent / "backups" / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    try:
        manifest = backup.backup(_local_server(settings), settings, folder)
    except local_neo4j.Neo4jServerError as error:
        raise _fail(str(error)) from error
    console.print(f"backed up {manifest.database} to {folder / manifest.dump} (audit head seq "
                  f"{manifest.audit_head_seq}, {manifest.migration})")
    console.print(f"keep beside it, apart and escrowed: the KEK {manifest.kek_id} and the audit signing key")


def restore_command(
    source: Annotated[Path, typer.Argument(help="A folder `hub backup` made.")],
    yes: Annotated[bool, typer.Option("--yes", help="Replace the database without asking.")] = False,
) -> None:
    """Replace the local database with a backup, then check every data key opens and the audit chain verifies."""
    settings = get_settings()
    try:
        confirmed = yes or typer.confirm(
            f"Replace the local database with the backup in {source}? What it holds now is lost", default=False,
        )
    except typer.Abort:
        confirmed = False
    if not confirmed:
        raise _fail("nothing was restored; answer y or pass --yes")
    try:
        restored = backup.restore(_local_server(settings), settings, source)
    except local_neo4j.Neo4jServerError as error:
        raise _fail(str(error)) from error
    integrity = restored.integrity
    console.print(f"restored {restored.manifest.database} from {source} (taken {restored.manifest.taken_at}): "
                  f"{integrity.data_keys - integrity.unreadable} of {integrity.data_keys} data keys open, "
                  f"audit chain to seq {restored.audit_head_seq} "
                  f"{'verifies' if integrity.audit.ok else 'does NOT verify: ' + integrity.audit.reason}")
    if not integrity.ok:
        raise _fail("the restored graph cannot be read in full with this configuration: see above")
